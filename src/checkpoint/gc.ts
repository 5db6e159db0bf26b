import { EventEmitter } from 'eventemitter3';
import { CheckpointError } from './errors.js';
import type { RunPath } from './ids.js';
import { keys } from './paths.js';
import type { CheckpointStore } from './store.js';

/** Node's timers stop at 2³¹−1 ms (~24.8 days); a longer delay is waited out in steps of at most this. */
const MAX_STEP_MS = 2 ** 31 - 1;

/**
 * Garbage collection of finished executor runs, after a delay (Mesos's `gc_delay`, default a
 * week there): a run scheduled here is removed when the delay passes, if by then every task in
 * it is terminal and acknowledged (see `isTaskFinished`). Timers do not keep the process alive.
 */
export class CheckpointGc extends EventEmitter<{
  removed: [path: RunPath, records: number];
  error: [path: RunPath, error: unknown];
}> {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly store: CheckpointStore,
    readonly delayMs: number,
  ) {
    super();
    if (!Number.isInteger(delayMs) || delayMs < 0) throw new CheckpointError('ERR_CHECKPOINT_INVALID', `gc delayMs must be a non-negative integer number of ms, got ${delayMs}`);
  }

  get scheduled(): number {
    return this.timers.size;
  }

  /** Removes the run after the delay (`CheckpointStore.removeFinishedRun`). */
  schedule(run: RunPath): void {
    this.arm(keys.runPrefix(run), run, () => this.store.removeFinishedRun(run));
  }

  cancel(run: RunPath): void {
    this.disarm(keys.runPrefix(run));
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private arm(id: string, path: RunPath, remove: () => Promise<number>): void {
    this.disarm(id);
    const wait = (left: number) => {
      const timer = setTimeout(() => {
        if (left > MAX_STEP_MS) return wait(left - MAX_STEP_MS);
        this.timers.delete(id);
        remove().then(
          (records) => this.emit('removed', path, records),
          (error: unknown) => this.emit('error', path, error),
        );
      }, Math.min(left, MAX_STEP_MS));
      timer.unref();
      this.timers.set(id, timer);
    };
    wait(this.delayMs);
  }

  private disarm(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
  }
}
