/** The benchmark's task: a short JS function. */
export const module = import.meta.url;

export function square(args: { n: number }): number {
  return args.n * args.n;
}

/** Runs until killed (cooperatively): a long-running task for the recovery benchmark. */
export function hold(_args: unknown, ctx: { signal: AbortSignal }): Promise<string> {
  return new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve('stopped')));
}
