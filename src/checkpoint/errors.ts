/** Checkpoint errors, each with a stable `code`; those about a record name its key. */
export type CheckpointErrorCode =
  | 'ERR_CHECKPOINT_CORRUPT'
  | 'ERR_CHECKPOINT_LOCKED'
  | 'ERR_CHECKPOINT_UNWRITABLE'
  | 'ERR_CHECKPOINT_CLOSED'
  | 'ERR_CHECKPOINT_INVALID';

export class CheckpointError extends Error {
  constructor(
    readonly code: CheckpointErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CheckpointError';
  }
}

/** A record that fails its checksum or cannot be decoded. */
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
