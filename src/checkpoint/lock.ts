import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import { CheckpointError } from './errors.js';

interface LockOwner {
  readonly token: string;
  readonly pid: number;
  readonly threadId: number;
  readonly owner: string;
  readonly hostname: string;
  readonly at: string;
}

/**
 * One agent per work dir, as Mesos refuses two agents on one work dir. The lock is a file
 * created exclusively (O_EXCL) naming its holder. A holder that died leaves it behind (a
 * terminated worker runs no cleanup), so a lock is broken when its process is gone, or when the
 * caller, who knows the previous holder in this process is dead, asks to `takeOver`.
 */
export class WorkDirLock {
  private constructor(
    private readonly path: string,
    private readonly token: string,
  ) {}

  static acquire(path: string, owner: string, takeOver: boolean): WorkDirLock {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        const token = randomUUID();
        const record: LockOwner = { token, pid: process.pid, threadId, owner, hostname: hostname(), at: new Date().toISOString() };
        writeSync(fd, JSON.stringify(record));
        closeSync(fd);
        return new WorkDirLock(path, token);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readHolder(path);
      const sameProcess = holder !== null && holder.pid === process.pid;
      const stale = holder === null || (!sameProcess && !processAlive(holder.pid));
      if (!stale && !(sameProcess && takeOver)) {
        const who = sameProcess ? `another thread of this process (owner "${holder.owner}", thread ${holder.threadId})` : `process ${holder.pid} (owner "${holder.owner}")`;
        throw new CheckpointError(
          'ERR_CHECKPOINT_LOCKED',
          `the work dir is in use by ${who} since ${holder.at}: two agents cannot share one work dir. ` +
            `Stop the other agent, or give this one its own work dir. Lock file: ${path}`,
        );
      }
      rmSync(path, { force: true });
    }
    throw new CheckpointError('ERR_CHECKPOINT_LOCKED', `could not take the work dir lock ${path}`);
  }

  /** Removes the lock file if it is still ours (it may have been taken over). */
  release(): void {
    if (readHolder(this.path)?.token === this.token) rmSync(this.path, { force: true });
  }
}

function readHolder(path: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
