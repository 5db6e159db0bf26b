/** The task of the survive-agent-crash example: it works for a while, stopping early if killed. */
export const jobsModule = import.meta.url;

export async function work(args: { ms: number }, ctx: { readonly signal: AbortSignal }): Promise<string> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, args.ms);
    ctx.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
  return ctx.signal.aborted ? 'killed' : `worked ${args.ms} ms`;
}
