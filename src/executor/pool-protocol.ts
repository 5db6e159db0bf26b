/**
 * How an executor thread and the threads of its task pool talk about running tasks. Each task
 * has a number; kills and progress reports travel on the pool's BroadcastChannel (they are
 * rare), and a kill is also written to shared memory, so that a task killed before its pool
 * thread took it up never starts. No per-task channel is created.
 */
export interface PoolJob {
  readonly module: string;
  readonly export: string;
  readonly args: unknown;
  readonly task: number;
}

export interface PoolWorkerData {
  /** The pool's BroadcastChannel. */
  readonly channel: string;
  /** Slot `slotOf(task)` holds `task` once that task is killed. */
  readonly killed: Int32Array;
  /** Slot pair `2·slotOf(task)`, `+1` holds `task` and the threadId running it, while it runs. */
  readonly running: Int32Array;
}

export type PoolControl = { readonly type: 'kill'; readonly task: number } | { readonly type: 'progress'; readonly task: number; readonly data: unknown };

export const KILL_SLOTS = 65_536;

export const slotOf = (task: number): number => task % KILL_SLOTS;

/** What the task function is given as its second argument. */
export interface TaskContext {
  readonly signal: AbortSignal;
  progress(data: unknown): void;
}
