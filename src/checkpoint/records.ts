import { crc32c } from '@node-rs/crc32';
import { Packr } from 'msgpackr';
import { CheckpointCorruptError } from './errors.js';
import type { AgentInfo, FrameworkInfo, Reservations, Resources, TaskStateName } from '../protocol/index.js';
import type { AgentId, ExecutorId, FrameworkId, RunPath, TaskPath } from './ids.js';

export type { AgentInfo, FrameworkInfo, Reservations, Resources, TaskStateName } from '../protocol/index.js';
export { TERMINAL_STATES } from '../protocol/index.js';

/**
 * Which executor runs a task: `default`, the framework's default executor on the agent (every
 * task launched without `executor`); `task`, an executor of the task's own that ends with it
 * (Mesos's command executor; `executor: {}` without an id); `custom`, one the framework named.
 * Records written before this field existed are read as `task` if their id starts with
 * `command-`, `custom` otherwise.
 */
export type ExecutorKind = 'default' | 'task' | 'custom';

export interface ExecutorInfo {
  readonly name: string;
  readonly isolation: 'worker' | 'shared';
  readonly kind?: ExecutorKind;
  readonly resources?: Resources;
}

/** A task as the checkpoint stores it. */
export interface TaskInfo {
  readonly name: string;
  readonly resources: Resources;
  readonly run?: { readonly module: string; readonly export: string; readonly args?: unknown };
  readonly command?: string;
}

/** A status update as the checkpoint stores it (its task is named by its key). */
export interface StatusUpdate {
  readonly uuid: string;
  readonly state: TaskStateName;
  readonly timestamp: number;
  readonly source?: 'SOURCE_EXECUTOR' | 'SOURCE_AGENT' | 'SOURCE_MASTER';
  readonly reason?: string;
  readonly message?: string;
  readonly data?: unknown;
}

/** The executor's worker, so that a worker id reused after a reboot is never taken for it. */
export interface ExecutorPid {
  readonly workerId: string;
  readonly startedAt: number;
  /** The executor actor's address (Mesos: the run's libprocess.pid), to reconnect to it. */
  readonly address?: string;
}

/** One durable fact. Some write two keys at once (an info and its `latest` pointer). */
export type CheckpointRecord =
  | { readonly type: 'boot-id'; readonly bootId: string }
  | { readonly type: 'resources'; readonly reservations: Reservations }
  | { readonly type: 'agent'; readonly agentId: AgentId; readonly info: AgentInfo }
  | {
      readonly type: 'framework';
      readonly agentId: AgentId;
      readonly frameworkId: FrameworkId;
      readonly info: FrameworkInfo;
      readonly schedulerAddress?: string;
    }
  | {
      readonly type: 'executor';
      readonly agentId: AgentId;
      readonly frameworkId: FrameworkId;
      readonly executorId: ExecutorId;
      readonly info: ExecutorInfo;
    }
  | { readonly type: 'run'; readonly run: RunPath; readonly pid: ExecutorPid | null }
  | { readonly type: 'sentinel'; readonly run: RunPath }
  | { readonly type: 'task'; readonly task: TaskPath; readonly info: TaskInfo }
  | { readonly type: 'update'; readonly task: TaskPath; readonly seq: number; readonly update: StatusUpdate }
  | { readonly type: 'ack'; readonly task: TaskPath; readonly seq: number; readonly uuid: string };

/** One entry of a `task.updates` stream: a status update, or the acknowledgement of one. */
export type StreamEntry =
  | { readonly kind: 'update'; readonly update: StatusUpdate }
  | { readonly kind: 'ack'; readonly uuid: string };

/**
 * Value layout: [format version: u8][crc32c of the payload: u32 LE][payload: msgpack].
 * The checksum covers the encoded payload, so a flipped bit or a truncated value is caught
 * before decoding.
 */
export const RECORD_FORMAT = 1;
const HEADER = 5;
const packr = new Packr({ useRecords: false, moreTypes: false });

export function encodeValue(payload: unknown): Buffer {
  const body = packr.pack(payload);
  const out = Buffer.allocUnsafe(HEADER + body.length);
  out[0] = RECORD_FORMAT;
  out.writeUInt32LE(crc32c(body), 1);
  body.copy(out, HEADER);
  return out;
}

/** What the decoder yields for a value that fails its checks; the reader names the key. */
export class CorruptValue {
  constructor(
    readonly problem: string,
    readonly cause?: unknown,
  ) {}
}

function decodeBytes(bytes: Uint8Array, end: number): unknown {
  if (end < HEADER) return new CorruptValue(`the value is truncated (${end} bytes)`);
  if (bytes[0] !== RECORD_FORMAT) {
    return new CorruptValue(`unknown record format ${bytes[0]} (this build reads format ${RECORD_FORMAT})`);
  }
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const expected = buffer.readUInt32LE(1);
  const actual = crc32c(buffer.subarray(HEADER, end));
  if (actual !== expected) {
    return new CorruptValue(`checksum mismatch (stored ${expected.toString(16)}, computed ${actual.toString(16)})`);
  }
  try {
    return packr.unpack(buffer, { start: HEADER, end });
  } catch (cause) {
    return new CorruptValue('the payload cannot be decoded', cause);
  }
}

/**
 * The LMDB encoder of the records database: values are written already encoded, and decoded
 * straight from LMDB's read buffer (no copy per value), checksum first.
 */
export const recordEncoder = {
  encode: (value: Buffer): Buffer => value,
  decode: (bytes: Uint8Array, end?: number): unknown => decodeBytes(bytes, end ?? bytes.length),
  needsStableBuffer: false,
};

/** The payload of a record read through `recordEncoder`; throws if it is missing or corrupt. */
export function payloadOf(key: string, value: unknown): unknown {
  if (value === undefined || value === null) throw new CheckpointCorruptError(key, 'the value is missing');
  if (value instanceof CorruptValue) throw new CheckpointCorruptError(key, value.problem, { cause: value.cause });
  return value;
}
