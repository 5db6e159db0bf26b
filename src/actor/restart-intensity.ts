/**
 * Restart intensity, as OTP's supervisor keeps it: a sliding window of restart times. More than
 * `maxRestarts` restarts within `withinMs` means restarting is not helping, and the supervisor
 * gives up. Pure functions over timestamps, so they are tested with a fake clock.
 */
export interface Intensity {
  readonly maxRestarts: number;
  readonly withinMs: number;
}

export interface Backoff {
  /** Delay before the first restart in a window. */
  readonly initialMs: number;
  /** Upper bound of the delay. */
  readonly maxMs: number;
  /** Spread, 0..1: the delay is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  readonly jitter: number;
}

export function recordRestart(
  history: readonly number[],
  now: number,
  intensity: Intensity,
): { history: number[]; exceeded: boolean } {
  const recent = history.filter((t) => now - t < intensity.withinMs);
  recent.push(now);
  return { history: recent, exceeded: recent.length > intensity.maxRestarts };
}

/** Exponential backoff for the `attempt`-th restart in the window (1-based), with jitter. */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, attempt - 1));
  const factor = 1 + backoff.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(Math.min(backoff.maxMs, base * factor)));
}
