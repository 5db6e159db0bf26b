import { CodedError } from '../protocol/coded-error.js';

/** Checkpoint errors, each with a stable `code`; those about a record name its key. */
export type CheckpointErrorCode =
  | 'ERR_CHECKPOINT_CORRUPT'
  | 'ERR_CHECKPOINT_DAMAGED'
  | 'ERR_CHECKPOINT_DISK_FULL'
  | 'ERR_CHECKPOINT_IO'
  | 'ERR_CHECKPOINT_LOCKED'
  | 'ERR_CHECKPOINT_UNWRITABLE'
  | 'ERR_CHECKPOINT_CLOSED'
  | 'ERR_CHECKPOINT_INVALID';

export class CheckpointError extends CodedError<CheckpointErrorCode> {}

/** A record that fails its checksum or cannot be decoded, or one that cannot be there. */
export class CheckpointCorruptError extends CheckpointError {
  constructor(
    readonly key: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super('ERR_CHECKPOINT_CORRUPT', `checkpoint record ${key} is corrupt: ${problem}`, options);
    this.name = 'CheckpointCorruptError';
  }
}

/**
 * An LMDB file whose structure is broken (truncated, zeroed, a damaged meta page): it is
 * refused before LMDB maps it, since reading it would crash the process (SIGBUS, SIGSEGV).
 */
export class CheckpointDamagedError extends CheckpointError {
  constructor(
    readonly path: string,
    readonly problem: string,
    remedy: string,
  ) {
    super('ERR_CHECKPOINT_DAMAGED', `${path} is damaged: ${problem}. It was not opened, since reading it would crash the process. ${remedy}`);
    this.name = 'CheckpointDamagedError';
  }
}

/**
 * A write that did not reach the disk: `ERR_CHECKPOINT_DISK_FULL` (no space, quota, map full)
 * or `ERR_CHECKPOINT_IO` (any other I/O error). Nothing of the failed transaction is on disk,
 * and the store stays usable: the next write is tried again.
 */
export class CheckpointWriteError extends CheckpointError {
  constructor(
    code: 'ERR_CHECKPOINT_DISK_FULL' | 'ERR_CHECKPOINT_IO',
    readonly path: string,
    /** The errno name (`ENOSPC`, `EIO`, `MDB_MAP_FULL`, …), or `UNKNOWN`. */
    readonly errno: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'CheckpointWriteError';
  }
}
