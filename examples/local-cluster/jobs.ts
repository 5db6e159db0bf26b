/**
 * The JS tasks of the local-cluster example. An executor's pool thread imports this module and
 * calls the named export as `fn(args, ctx)`; what it returns is the task's result
 * (`TASK_FINISHED`'s `data`), what it throws fails it.
 */
import type { TaskContext } from 'mesolith';

export const jobsModule = import.meta.url;

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
