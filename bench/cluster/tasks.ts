/** The cluster benchmarks' tasks (short, and long-running), and how a run is laid out. */
export const module = import.meta.url;

/** N tasks spread over E executors of one isolation kind, or launched without one (`default`: the framework's default executor on each agent). */
export type Layout = ExecutorLayout | { readonly tasks: number; readonly executors: 'default' };

/** N tasks spread over E named executors of one isolation kind. */
export interface ExecutorLayout {
  readonly tasks: number;
  readonly executors: number;
  readonly isolation: 'worker' | 'shared';
}

export function square(args: { n: number }): number {
  return args.n * args.n;
}

/** Runs until killed (cooperatively): a long-running task for the recovery benchmark. */
export function hold(_args: unknown, ctx: { signal: AbortSignal }): Promise<string> {
  return new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve('stopped')));
}

/** Sleeps `ms` (stopping early when killed): a long task for the soak. */
export function sleepFor(args: { ms: number }, ctx: { signal: AbortSignal }): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('slept'), args.ms);
    ctx.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve('stopped');
    });
  });
}
