import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMALL_DISK_BYTES } from './config.js';
import { readLog, readSideLog } from './event-log.js';
import { type CheckReport, check } from './invariants.js';
import { type RunPaths, runPaths } from './session.js';
import { SmallDisk } from './small-disk.js';

export interface RunResult {
  readonly report: CheckReport;
  readonly ms: number;
  /** The run's directory (work dir, event log, side log): kept when a violation was found, or when asked to. */
  readonly root: string | undefined;
  /** Why the disk faults were skipped, if they were. */
  readonly diskSkipped?: string;
}

/**
 * A run's directory around `body`: a fresh one (unless given) with host-1's work dir on a small
 * tmpfs; afterwards a copy of that disk's checkpoint (it goes with the mount), the invariant
 * checks over the logs, and the directory removed unless a violation was found or `keep`.
 */
export async function inRunDir(
  options: { readonly root?: string; readonly prefix: string; readonly keep?: boolean },
  body: (paths: RunPaths, disk: SmallDisk | undefined) => Promise<void>,
): Promise<RunResult> {
  const root = options.root ?? mkdtempSync(join(tmpdir(), options.prefix));
  const paths = runPaths(root);
  const started = Date.now();
  const mounted = SmallDisk.mount(join(paths.workDir, 'host-1'), SMALL_DISK_BYTES);
  const disk = mounted instanceof SmallDisk ? mounted : undefined;
  try {
    await body(paths, disk);
  } finally {
    if (disk !== undefined) cpSync(join(disk.dir, 'meta'), join(root, 'host-1-meta'), { recursive: true, force: true });
    disk?.unmount();
  }
  const report = check(readLog(paths.log), readSideLog(paths.sideLog));
  const keep = options.keep === true || report.violations.length > 0;
  if (!keep) rmSync(root, { recursive: true, force: true });
  return { report, ms: Date.now() - started, root: keep ? root : undefined, ...(disk === undefined ? { diskSkipped: (mounted as { reason: string }).reason } : {}) };
}
