import { BroadcastChannel, threadId } from 'node:worker_threads';
import { workerData } from 'piscina';
import { type PoolControl, type PoolJob, type PoolWorkerData, type TaskContext, slotOf } from './pool-protocol.js';

/**
 * Runs inside the executor's piscina threads: imports the task's module and calls its export
 * as `fn(args, ctx)`. What it returns (or throws) becomes the task's outcome. `ctx.signal`
 * fires when the task is killed (the thread is terminated if the task ignores it past its grace
 * period); `ctx.progress(data)` sends a progress report to the framework.
 */
const { channel: channelName, killed, running: runningOn } = workerData as PoolWorkerData;
const channel = new BroadcastChannel(channelName);
channel.unref();
const running = new Map<number, AbortController>();
channel.onmessage = (event) => {
  const message = (event as { data: PoolControl }).data;
  if (message.type === 'kill') running.get(message.task)?.abort(new Error('the task was killed'));
};

export default async function runJob(job: PoolJob): Promise<unknown> {
  const controller = new AbortController();
  running.set(job.task, controller);
  // Where it runs, so that a kill it ignores can be forced by ending this thread.
  const slot = slotOf(job.task);
  Atomics.store(runningOn, 2 * slot + 1, threadId);
  Atomics.store(runningOn, 2 * slot, job.task);
  const context: TaskContext = {
    signal: controller.signal,
    progress: (data) => channel.postMessage({ type: 'progress', task: job.task, data } satisfies PoolControl),
  };
  try {
    const mod = (await import(job.module)) as Record<string, unknown>;
    const fn = mod[job.export];
    if (typeof fn !== 'function') {
      throw new TypeError(`${job.module} has no exported function "${job.export}"`);
    }
    // Killed while queued, or while this thread was importing: the task never begins (its code
    // could not see a kill that came before it was listening).
    if (Atomics.load(killed, slotOf(job.task)) === job.task) controller.abort(new Error('the task was killed'));
    controller.signal.throwIfAborted();
    return await (fn as (args: unknown, ctx: TaskContext) => unknown)(job.args, context);
  } finally {
    running.delete(job.task);
    Atomics.compareExchange(runningOn, 2 * slot, job.task, 0);
  }
}
