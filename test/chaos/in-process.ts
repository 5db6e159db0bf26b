import { type RunResult, inRunDir } from './run-dir.js';
import type { Fault } from './schedule.js';
import { runSession } from './session.js';

export interface InProcessOptions {
  readonly seed: number;
  readonly faults: readonly Fault[];
  readonly keep?: boolean;
  /** The run's directory (default: a fresh temp dir). */
  readonly root?: string;
}

/** One in-process chaos run: the session with its faults in a run directory, then the invariant checks over its logs. */
export function runInProcess(options: InProcessOptions): Promise<RunResult> {
  return inRunDir({ prefix: 'mesolith-chaos-', ...(options.root === undefined ? {} : { root: options.root }), ...(options.keep === undefined ? {} : { keep: options.keep }) }, async (paths, disk) => {
    await runSession({ mode: 'in-process', seed: options.seed, gen: 0, paths, faults: options.faults, disk, final: true });
  });
}
