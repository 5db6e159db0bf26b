/** The cluster demo's workload: a task that works for a while and returns a checksum. */
export const jobsModule = import.meta.url;

export async function work(args: { n: number; ms: number }, ctx: { signal: AbortSignal }): Promise<number> {
  const until = Date.now() + args.ms;
  let x = args.n;
  while (Date.now() < until && !ctx.signal.aborted) {
    for (let i = 0; i < 1_000; i++) x = (x * 1_103_515_245 + 12_345) >>> 0;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return x;
}
