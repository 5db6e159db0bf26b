import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Space a commit leaves free on the checkpoint's filesystem. lmdb-js's failure path for a write
 * that runs out of space is not safe: after one ENOSPC its environment cannot close (its flush
 * promise never settles), and repeated failures have aborted the whole process in native code
 * (glibc heap corruption). So a commit is refused before LMDB sees it when the filesystem has
 * less than this reserve plus twice the commit's own bytes (copy-on-write pages and a meta page
 * on top of the data) — the way databases keep a reserve rather than meet ENOSPC mid-write.
 */
export const FREE_SPACE_RESERVE_BYTES = 1 << 20;

/**
 * An `ENOSPC` error if a commit of `bytes` into the LMDB file `file` would leave less than the
 * reserve free, otherwise undefined. A filesystem that cannot be asked (statfs unsupported) is
 * not second-guessed.
 */
export function lowSpace(file: string, bytes: number): (Error & { code: string }) | undefined {
  let free: number;
  try {
    const stats = statfsSync(dirname(file));
    free = stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
  const needed = FREE_SPACE_RESERVE_BYTES + 2 * bytes;
  if (free >= needed) return undefined;
  return Object.assign(new Error(`${free} bytes free on the filesystem of ${file}, less than the ${needed} a commit of ${bytes} bytes keeps free; refused before LMDB wrote anything`), { code: 'ENOSPC' });
}
