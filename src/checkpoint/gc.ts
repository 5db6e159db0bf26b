import { EventEmitter } from 'eventemitter3';
import type { RunPath, TaskPath } from './ids.js';
import { keys } from './paths.js';
import type { CheckpointStore } from './store.js';

/**
 * Garbage collection of finished executor runs and finished tasks, after a delay (Mesos's
 * `gc_delay`, default a week there): what is scheduled here is removed when the delay passes,
 * if by then every task in it is terminal and acknowledged (see `isTaskFinished`). Removing
 * finished tasks bounds the checkpoint of a long-lived executor, whose run never ends. The
 * events carry the run or task path given. Timers do not keep the process alive.
 */
export class CheckpointGc extends EventEmitter<{
  removed: [path: RunPath | TaskPath, records: number];
  error: [path: RunPath | TaskPath, error: unknown];
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

  /** Removes the run after the delay (`CheckpointStore.removeFinishedRun`). */
  schedule(run: RunPath): void {
    this.arm(keys.runPrefix(run), run, () => this.store.removeFinishedRun(run));
  }

  /** Removes the task's records after the delay (`CheckpointStore.removeFinishedTask`). */
  scheduleTask(task: TaskPath): void {
    this.arm(keys.taskPrefix(task), task, () => this.store.removeFinishedTask(task));
  }

  cancel(run: RunPath): void {
    this.disarm(keys.runPrefix(run));
  }

  cancelTask(task: TaskPath): void {
    this.disarm(keys.taskPrefix(task));
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private arm(id: string, path: RunPath | TaskPath, remove: () => Promise<number>): void {
    this.disarm(id);
    const timer = setTimeout(() => {
      this.timers.delete(id);
      remove().then(
        (records) => this.emit('removed', path, records),
        (error: unknown) => this.emit('error', path, error),
      );
    }, this.delayMs);
    timer.unref();
    this.timers.set(id, timer);
  }

  private disarm(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
  }
}
