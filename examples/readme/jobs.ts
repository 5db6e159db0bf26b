// examples/readme/jobs.ts: the task functions of the README's cluster snippets.
import type { TaskContext } from 'mesolith';   // ctx.signal fires when the task is killed; ctx.progress(data) sends a TASK_RUNNING update

export async function resize(args: { id: number }, ctx: TaskContext): Promise<{ id: number; width: number }> {
  ctx.progress('resizing');
  return { id: args.id, width: 640 };
}

/** Runs until killed, or until its worker goes away. */
export async function serve(_args: unknown, ctx: TaskContext): Promise<void> {
  await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
}
