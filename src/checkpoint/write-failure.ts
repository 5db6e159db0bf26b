import { constants } from 'node:os';
import { EventEmitter } from 'eventemitter3';
import { CheckpointWriteError } from './errors.js';

/** LMDB's own error for a full map (lmdb.h); lmdb-js grows the map instead on 64-bit builds. */
const MDB_MAP_FULL = -30792;

const ERRNO_NAMES = new Map<number, string>([...Object.entries(constants.errno).map(([name, errno]): [number, string] => [errno, name]), [MDB_MAP_FULL, 'MDB_MAP_FULL']]);

const FULL: Readonly<Record<string, string>> = {
  ENOSPC: 'no space is left on the device',
  EDQUOT: 'the disk quota is exceeded',
  MDB_MAP_FULL: 'the LMDB map size limit is reached',
};

/**
 * The error a failed LMDB commit of `path` is reported with. lmdb-js rejects every write of a
 * failed transaction with "Commit failed (see commitError for details)", whose `commitError`
 * is a promise rejected with the native error (its `code` is the errno, as a number); awaiting
 * that promise here is also what keeps it from becoming an unhandled rejection. lmdb-js rejects
 * it in the same callback as the writes, so it has settled by the next macrotask; if not, the
 * error is reported without its errno rather than waited for.
 */
export async function writeFailure(error: unknown, path: string): Promise<CheckpointWriteError> {
  const pending = (error as { commitError?: unknown } | null)?.commitError;
  const native =
    pending instanceof Promise
      ? await Promise.race([pending.then(() => error, (reason: unknown) => reason), new Promise((resolve) => setImmediate(resolve, error))])
      : error;
  const code = (native as { code?: unknown } | null)?.code;
  const errno = typeof code === 'number' ? (ERRNO_NAMES.get(code) ?? `errno ${code}`) : typeof code === 'string' ? code : 'UNKNOWN';
  const full = FULL[errno];
  if (full !== undefined) {
    return new CheckpointWriteError(
      'ERR_CHECKPOINT_DISK_FULL',
      path,
      errno,
      `cannot write ${path}: ${errno}, ${full}. Nothing of this write reached the disk and what was written before is intact; ` +
        `free space on the filesystem holding it (or raise the quota), and the next write succeeds.`,
      { cause: native },
    );
  }
  const what = errno === 'EIO' ? 'an I/O error: a short write (the filesystem may be full) or a failing disk' : String((native as Error | null)?.message ?? native);
  return new CheckpointWriteError(
    'ERR_CHECKPOINT_IO',
    path,
    errno,
    `cannot write ${path}: ${errno}, ${what}. Nothing of this write reached the disk; check the disk and its filesystem (dmesg, df), then write again.`,
    { cause: native },
  );
}

export interface WriteHealthEvents {
  /** A commit failed; its writes were rejected with `error`. */
  error: [error: CheckpointWriteError];
  /** A commit succeeded after one or more failed. */
  recovered: [];
}

/**
 * Whether an LMDB file's writes are getting through: its owner stops taking work while they are
 * not (a full disk) and resumes on `recovered`.
 */
export class WriteHealth extends EventEmitter<WriteHealthEvents> {
  private failure: CheckpointWriteError | undefined;

  /** No commit has failed since the last one that succeeded. */
  get healthy(): boolean {
    return this.failure === undefined;
  }

  /** Why the last commit failed, until one succeeds again. */
  get lastError(): CheckpointWriteError | undefined {
    return this.failure;
  }

  protected committed(): void {
    if (this.failure === undefined) return;
    this.failure = undefined;
    this.emit('recovered');
  }

  protected failed(failure: CheckpointWriteError): void {
    this.failure = failure;
    this.emit('error', failure);
  }
}
