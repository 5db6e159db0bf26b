import { EventEmitter } from 'eventemitter3';
import type { RunPath } from './ids.js';
import { keys } from './paths.js';
import type { CheckpointStore } from './store.js';

/**
 * Garbage collection of finished executor runs, after a delay (Mesos's `gc_delay`, default a
 * week there): a run scheduled here is removed when the delay passes, if by then every task in
 * it is terminal and acknowledged. Timers do not keep the process alive.
 */
export class CheckpointGc extends EventEmitter<{
  removed: [run: RunPath, records: number];
  error: [run: RunPath, error: unknown];
}> {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly store: CheckpointStore,
    readonly delayMs: number,
  ) {
    super();
    if (!Number.isInteger(delayMs) || delayMs < 0) throw new RangeError(`gc delayMs must be a non-negative integer, got ${delayMs}`);
  }

  get scheduled(): number {
    return this.timers.size;
  }

  schedule(run: RunPath): void {
    const id = keys.runPrefix(run);
    this.cancel(run);
    const timer = setTimeout(() => {
      this.timers.delete(id);
      this.store.removeFinishedRun(run).then(
        (records) => this.emit('removed', run, records),
        (error: unknown) => this.emit('error', run, error),
      );
    }, this.delayMs);
    timer.unref();
    this.timers.set(id, timer);
  }

  cancel(run: RunPath): void {
    const id = keys.runPrefix(run);
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
