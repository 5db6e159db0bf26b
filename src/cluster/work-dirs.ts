import { mkdirSync, realpathSync } from 'node:fs';
import { ClusterError } from './errors.js';

/** Work dirs of clusters running in this process, by real path. */
const claimed = new Set<string>();

/**
 * Claims a cluster work dir for this process. Another process is kept out by each agent's
 * work dir lock; within one process the locks cannot tell a second cluster from an agent's own
 * restart (which must take its dead predecessor's lock over), so clusters claim here first.
 * Returns the real path, to release with `releaseWorkDir`.
 */
export function claimWorkDir(workDir: string): string {
  mkdirSync(workDir, { recursive: true });
  const path = realpathSync(workDir);
  if (claimed.has(path)) {
    throw new ClusterError('ERR_WORK_DIR_IN_USE', `the work dir ${workDir} is in use by another cluster of this process: stop it first, or give this cluster its own work dir`);
  }
  claimed.add(path);
  return path;
}

export function releaseWorkDir(path: string): void {
  claimed.delete(path);
}
