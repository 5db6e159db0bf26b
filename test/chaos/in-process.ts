import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMALL_DISK_BYTES } from './config.js';
import { readLog, readSideLog } from './event-log.js';
import { type CheckReport, check } from './invariants.js';
import type { KnownIssue } from './known-issues.js';
import type { Fault } from './schedule.js';
import { runPaths, runSession } from './session.js';
import { SmallDisk } from './small-disk.js';

export interface RunResult {
  readonly report: CheckReport;
  readonly ms: number;
  /** The run's directory (work dir, event log, side log): kept when a violation was found, or when asked to. */
  readonly root: string | undefined;
  /** Why the disk faults were skipped, if they were. */
  readonly diskSkipped?: string;
}

export interface InProcessOptions {
  readonly seed: number;
  readonly faults: readonly Fault[];
  readonly keep?: boolean;
  readonly avoid: readonly KnownIssue[];
  /** The run's directory (default: a fresh temp dir). */
  readonly root?: string;
}

/**
 * One in-process chaos run: a fresh work dir (host-1's on a small tmpfs), the session with its
 * faults, then the invariant checks over the logs it wrote.
 */
export async function runInProcess(options: InProcessOptions): Promise<RunResult> {
  const root = options.root ?? mkdtempSync(join(tmpdir(), 'mesolith-chaos-'));
  const paths = runPaths(root);
  const started = Date.now();
  const mounted = SmallDisk.mount(join(paths.workDir, 'host-1'), SMALL_DISK_BYTES);
  const disk = mounted instanceof SmallDisk ? mounted : undefined;
  try {
    await runSession({ mode: 'in-process', seed: options.seed, gen: 0, paths, faults: options.faults, disk, final: true, avoid: options.avoid });
  } finally {
    // The small disk's checkpoint goes with the mount: keep a copy to look at after a violation.
    if (disk !== undefined) cpSync(join(disk.dir, 'meta'), join(root, 'host-1-meta'), { recursive: true, force: true });
    disk?.unmount();
  }
  const report = check(readLog(paths.log), readSideLog(paths.sideLog), options.avoid);
  const keep = options.keep === true || report.violations.length > 0;
  if (!keep) rmSync(root, { recursive: true, force: true });
  return { report, ms: Date.now() - started, root: keep ? root : undefined, ...(disk === undefined ? { diskSkipped: (mounted as { reason: string }).reason } : {}) };
}
