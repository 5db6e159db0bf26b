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
 * Value layout: [format: u8][checksum: u32 LE][payload: msgpack].
 *
 * Format 2 (written): the checksum is crc32c(key) XOR crc32c(payload), so a record whose key was
 * altered on disk fails it just as one whose value was. The two CRCs are computed apart because
 * LMDB's decoder sees only the value: it checksums the payload, and the reader, who knows the key,
 * completes the check (`payloadOf`). Format 1 (earlier builds): crc32c(payload) only. Format 1
 * records are still read, so that an agent upgraded in place recovers its checkpoint; each is
 * rewritten as format 2 the next time its record is written.
 */
export const RECORD_FORMAT = 2;

/** CRC-32C (Castagnoli), reflected, one byte at a time. */
const CRC32C_TABLE = Int32Array.from({ length: 256 }, (_, byte) => {
  let c = byte;
  for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  return c;
});

let cachedDir = '';
let cachedDirCrc = 0;

/**
 * crc32c of a key's UTF-8 bytes, as `crc32c(key)` computes it. A recovery checksums 20k keys
 * and more, and a native call costs ~0.4 µs however short its input, so the CRC of a key's
 * parent directory (shared by every key of a run) is computed once, natively, and the rest of
 * the key is added here in JS, where it is ASCII (ids are).
 */
export function keyChecksum(key: string): number {
  const cut = key.lastIndexOf('/', key.lastIndexOf('/') - 1) + 1;
  const dir = key.slice(0, cut);
  if (dir !== cachedDir) {
    cachedDir = dir;
    cachedDirCrc = crc32c(dir);
  }
  let c = ~cachedDirCrc;
  for (let i = cut; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code > 0x7f) return crc32c(key.slice(cut), cachedDirCrc);
    c = CRC32C_TABLE[(c ^ code) & 0xff]! ^ (c >>> 8);
  }
  return ~c >>> 0;
}
const PAYLOAD_ONLY_FORMAT = 1;
const HEADER = 5;
const packr = new Packr({ useRecords: false, moreTypes: false });

/** Encodes a record stored at `key`; without a key (a record in a file of its own), as format 1. */
export function encodeValue(payload: unknown, key?: string): Buffer {
  const body = packr.pack(payload);
  const out = Buffer.allocUnsafe(HEADER + body.length);
  out[0] = key === undefined ? PAYLOAD_ONLY_FORMAT : RECORD_FORMAT;
  out.writeUInt32LE((crc32c(body) ^ (key === undefined ? 0 : keyChecksum(key))) >>> 0, 1);
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

/** A value as the decoder read it: its checksum is verified once the key is known. */
class StoredValue {
  constructor(
    readonly coversKey: boolean,
    readonly stored: number,
    readonly payloadCrc: number,
    /** UNDECODABLE if msgpack could not decode it (reported only if the checksum holds). */
    readonly payload: unknown,
    readonly cause: unknown,
  ) {}
}

const UNDECODABLE = Symbol('undecodable');

function decodeBytes(bytes: Uint8Array, end: number): unknown {
  if (end < HEADER) return new CorruptValue(`the value is truncated (${end} bytes)`);
  const format = bytes[0];
  if (format !== RECORD_FORMAT && format !== PAYLOAD_ONLY_FORMAT) {
    return new CorruptValue(`unknown record format ${format} (this build reads formats ${PAYLOAD_ONLY_FORMAT} and ${RECORD_FORMAT})`);
  }
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const payloadCrc = crc32c(buffer.subarray(HEADER, end));
  let payload: unknown = UNDECODABLE;
  let cause: unknown;
  try {
    payload = packr.unpack(buffer, { start: HEADER, end });
  } catch (error) {
    cause = error;
  }
  return new StoredValue(format === RECORD_FORMAT, buffer.readUInt32LE(1), payloadCrc, payload, cause);
}

/**
 * The LMDB encoder of the records database: values are written already encoded, and decoded
 * straight from LMDB's read buffer (no copy per value).
 */
export const recordEncoder = {
  encode: (value: Buffer): Buffer => value,
  decode: (bytes: Uint8Array, end?: number): unknown => decodeBytes(bytes, end ?? bytes.length),
  needsStableBuffer: false,
};

/** The payload of the record at `key` read through `recordEncoder`; throws if it is missing or corrupt. */
export function payloadOf(key: string, value: unknown): unknown {
  if (value === undefined || value === null) throw new CheckpointCorruptError(key, 'the value is missing');
  if (value instanceof CorruptValue) throw new CheckpointCorruptError(key, value.problem, { cause: value.cause });
  const stored = value as StoredValue;
  const computed = (stored.payloadCrc ^ (stored.coversKey ? keyChecksum(key) : 0)) >>> 0;
  if (computed !== stored.stored) {
    throw new CheckpointCorruptError(key, `checksum mismatch (stored ${stored.stored.toString(16)}, computed ${computed.toString(16)})`);
  }
  if (stored.payload === UNDECODABLE) throw new CheckpointCorruptError(key, 'the payload cannot be decoded', { cause: stored.cause });
  return stored.payload;
}
