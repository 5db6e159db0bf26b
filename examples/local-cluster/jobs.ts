/**
 * The JS tasks of the local-cluster example. An executor's pool thread imports this module and
 * calls the named export as `fn(args, ctx)`; what it returns is the task's result
 * (`TASK_FINISHED`'s `data`), what it throws fails it.
 */
export const jobsModule = import.meta.url;

/** What a task function gets besides its arguments. */
interface TaskContext {
  /** Fires when the task is killed: stop soon, or the pool thread is ended after the grace period. */
  readonly signal: AbortSignal;
  /** Sent to the framework as a TASK_RUNNING update. */
  progress(data: unknown): void;
}

/** Counts the words of a text, reporting progress halfway. */
export async function countWords(args: { text: string }, ctx: TaskContext): Promise<number> {
  const words = args.text.split(/\s+/).filter((word) => word !== '');
  ctx.progress({ halfway: Math.floor(words.length / 2) });
  await new Promise((resolve) => setTimeout(resolve, 20));
  return words.length;
}

/** Runs until it is killed. */
export async function serve(_args: unknown, ctx: TaskContext): Promise<string> {
  ctx.progress('serving');
  await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
  return 'stopped';
}
