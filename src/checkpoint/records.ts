import { crc32c } from '@node-rs/crc32';
import { Packr } from 'msgpackr';
import { CheckpointCorruptError } from './errors.js';
import type { AgentId, ExecutorId, FrameworkId, RunPath, TaskPath } from './ids.js';

export interface Resources {
  readonly cpus: number;
  readonly mem: number;
  readonly disk?: number;
}

export interface AgentInfo {
  readonly hostname: string;
  readonly resources: Resources;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface FrameworkInfo {
  readonly name: string;
  readonly checkpoint: boolean;
  readonly role?: string;
  readonly partitionAware?: boolean;
  readonly failoverTimeoutMs?: number;
}

export interface ExecutorInfo {
  readonly name: string;
  readonly isolation: 'worker' | 'shared';
  readonly resources?: Resources;
}

export interface TaskInfo {
  readonly name: string;
  readonly resources: Resources;
  readonly run?: { readonly module: string; readonly export: string; readonly args?: unknown };
  readonly command?: string;
}

export type TaskStateName =
  | 'TASK_STAGING'
  | 'TASK_STARTING'
  | 'TASK_RUNNING'
  | 'TASK_FINISHED'
  | 'TASK_FAILED'
  | 'TASK_KILLED'
  | 'TASK_ERROR'
  | 'TASK_LOST'
  | 'TASK_DROPPED'
  | 'TASK_GONE'
  | 'TASK_UNREACHABLE'
  | 'TASK_UNKNOWN';

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
}

/** One durable fact. Some write two keys at once (an info and its `latest` pointer). */
export type CheckpointRecord =
  | { readonly type: 'boot-id'; readonly bootId: string }
  | { readonly type: 'resources'; readonly resources: Resources }
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

export function decodeValue(key: string, value: Uint8Array | undefined | null): unknown {
  if (value === undefined || value === null) throw new CheckpointCorruptError(key, 'the value is missing');
  if (value.length < HEADER) throw new CheckpointCorruptError(key, `the value is truncated (${value.length} bytes)`);
  const buffer = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.length);
  if (buffer[0] !== RECORD_FORMAT) {
    throw new CheckpointCorruptError(key, `unknown record format ${buffer[0]} (this build reads format ${RECORD_FORMAT})`);
  }
  const body = buffer.subarray(HEADER);
  const expected = buffer.readUInt32LE(1);
  const actual = crc32c(body);
  if (actual !== expected) {
    throw new CheckpointCorruptError(
      key,
      `checksum mismatch (stored ${expected.toString(16)}, computed ${actual.toString(16)})`,
    );
  }
  try {
    return packr.unpack(body);
  } catch (cause) {
    throw new CheckpointCorruptError(key, 'the payload cannot be decoded', { cause });
  }
}
