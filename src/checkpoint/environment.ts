import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, type RootDatabase, open } from 'lmdb';
import { CheckpointError } from './errors.js';
import { checkLmdbFile } from './lmdb-file-check.js';
import { WorkDirLock } from './lock.js';
import { recordEncoder } from './records.js';

export const CHECKPOINT_FILE = 'checkpoint.mdb';

/** What to do about a damaged checkpoint (as kubelet says of its own). */
export function damagedCheckpointRemedy(workDir: string): string {
  return `Drain the agent (kill or move its tasks), then delete its work dir ${workDir} to start it as a new agent, or restore the file from a backup.`;
}

/**
 * `durable` (default): a write resolves once its transaction is committed and flushed to disk.
 * `no-sync-unsafe`: LMDB never syncs; a write resolves once committed in memory. It exists only
 * to measure what durability costs, and loses data on a host crash: never use it for agents.
 */
export type Durability = 'durable' | 'no-sync-unsafe';

export interface CheckpointStoreOptions {
  readonly durability?: Durability;
  /** Initial LMDB map size in bytes; LMDB grows it as needed. Default 64 MiB. */
  readonly mapSize?: number;
  /** Who holds the work dir lock, for the error a second opener sees. */
  readonly owner?: string;
  /** Break a lock held by this same process (the caller knows that holder is dead). */
  readonly takeOverLock?: boolean;
}

/** A checkpoint's LMDB environment, open for writing, and the work dir lock that guards it. */
export interface CheckpointEnvironment {
  readonly path: string;
  readonly lock: WorkDirLock;
  readonly root: RootDatabase;
  readonly db: Database<unknown, string>;
}

/**
 * Opens `<workDir>/meta/checkpoint.mdb` for writing: takes the work dir lock, refuses a file
 * LMDB would crash on (`ERR_CHECKPOINT_DAMAGED`), and releases the lock again if it cannot open.
 */
export function openEnvironment(workDir: string, options: CheckpointStoreOptions): CheckpointEnvironment {
  const durability = options.durability ?? 'durable';
  const metaDir = join(workDir, 'meta');
  try {
    mkdirSync(metaDir, { recursive: true });
  } catch (cause) {
    throw new CheckpointError(
      'ERR_CHECKPOINT_UNWRITABLE',
      `cannot create the checkpoint directory ${metaDir}: ${(cause as Error).message}. Give the agent a work dir it can write.`,
      { cause },
    );
  }
  const lock = WorkDirLock.acquire(join(metaDir, 'agent.lock'), options.owner ?? 'agent', options.takeOverLock ?? false);
  const path = join(metaDir, CHECKPOINT_FILE);
  try {
    checkLmdbFile(path, { overlappingSync: durability === 'durable' }, damagedCheckpointRemedy(workDir));
  } catch (error) {
    lock.release();
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError('ERR_CHECKPOINT_UNWRITABLE', `cannot read the checkpoint at ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const root = open({
      path,
      noSubdir: true,
      mapSize: options.mapSize ?? 64 * 1024 * 1024,
      noSync: durability === 'no-sync-unsafe',
      overlappingSync: durability === 'durable',
      // Batches are explicit (db.batch per commit). With lmdb-js's event-turn batching, each
      // turn's batch start is a write of its own whose rejection, when a commit fails, no
      // caller can handle: an unhandled rejection that ends the worker.
      eventTurnBatching: false,
    });
    // Read-write: lmdb-js creates it if it is missing.
    return { path, lock, root, db: openRecords(root)! };
  } catch (cause) {
    lock.release();
    throw new CheckpointError('ERR_CHECKPOINT_UNWRITABLE', `cannot open the checkpoint at ${path}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * The records database of a checkpoint environment: values go through `recordEncoder`.
 * Undefined in a read-only environment that has none yet (its agent stopped between LMDB
 * creating the file and the first transaction).
 */
export function openRecords(root: RootDatabase): Database<unknown, string> | undefined {
  // lmdb-js takes a custom encoder object here; its typings only list the built-in encodings.
  const options = { name: 'records', encoder: recordEncoder };
  return root.openDB<unknown, string>(options) ?? undefined;
}
