import type { MessagePort } from 'node:worker_threads';

/**
 * Runs inside the executor's piscina threads: imports the task's module and calls its export
 * as `fn(args, ctx)`. What it returns (or throws) becomes the task's outcome. `ctx.signal`
 * fires when the task is killed (the thread is terminated if the task ignores it past its grace
 * period); `ctx.progress(data)` sends a progress report to the framework.
 */
export interface PoolJob {
  readonly module: string;
  readonly export: string;
  readonly args: unknown;
  /** The executor's end of the task's control channel. */
  readonly control: MessagePort;
}

export interface TaskContext {
  readonly signal: AbortSignal;
  progress(data: unknown): void;
}

/** What crosses the control channel. */
export type ControlMessage = { readonly type: 'abort' } | { readonly type: 'progress'; readonly data: unknown };

export default async function runJob(job: PoolJob): Promise<unknown> {
  const controller = new AbortController();
  job.control.on('message', (message: ControlMessage) => {
    if (message.type === 'abort') controller.abort(new Error('the task was killed'));
  });
  const context: TaskContext = {
    signal: controller.signal,
    progress: (data) => job.control.postMessage({ type: 'progress', data } satisfies ControlMessage),
  };
  try {
    const mod = (await import(job.module)) as Record<string, unknown>;
    const fn = mod[job.export];
    if (typeof fn !== 'function') {
      throw new TypeError(`${job.module} has no exported function "${job.export}"`);
    }
    // Killed while this thread was starting or importing: the task never begins (its code could
    // not see an abort that happened before it was listening).
    controller.signal.throwIfAborted();
    return await (fn as (args: unknown, ctx: TaskContext) => unknown)(job.args, context);
  } finally {
    job.control.close();
  }
}
