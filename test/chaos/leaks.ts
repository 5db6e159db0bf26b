/** How long what a stop ended may take to leave the event loop (a worker's exit, a closed port). */
const SETTLE_MS = 3_000;

/**
 * What is left in the event loop that was not there at `baseline` (`process.getActiveResourcesInfo()`
 * before the cluster started): workers, ports, timers, file handles. Waits up to 3 s for it to
 * go; what is still there is the answer.
 */
export async function leftOver(baseline: readonly string[]): Promise<string[]> {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const extra = [...process.getActiveResourcesInfo()];
    for (const kind of baseline) {
      const at = extra.indexOf(kind);
      if (at >= 0) extra.splice(at, 1);
    }
    if (extra.length === 0 || Date.now() >= deadline) return extra;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
