import type { InvariantId } from './invariants.js';
import type { Fault } from './schedule.js';

/** Runs a subset of the schedule (same seed) and says which invariants it broke. */
export type Trial = (faults: readonly Fault[]) => Promise<ReadonlySet<InvariantId>>;

export interface ShrinkResult {
  /** The shortest sequence found that still breaks `invariant`. */
  readonly faults: readonly Fault[];
  readonly trials: number;
  /** Whether the search ran out of trials before it was done. */
  readonly exhausted: boolean;
}

/**
 * The shortest fault sequence that still breaks `invariant`: first the shortest prefix of the
 * schedule (bisection; the violation is found at the end of a run, so a prefix is a fair
 * replay), then delta debugging (ddmin) over that prefix, removing chunks of faults while the
 * violation stays. A run is not deterministic in its timing, so a subset that does not break
 * it counts as "passes"; the result is the smallest sequence seen to break it, within
 * `maxTrials` runs.
 */
export async function shrink(faults: readonly Fault[], invariant: InvariantId, trial: Trial, maxTrials: number, log: (line: string) => void = () => {}): Promise<ShrinkResult> {
  let trials = 0;
  const breaks = async (subset: readonly Fault[]): Promise<boolean> => {
    trials++;
    const broken = (await trial(subset)).has(invariant);
    log(`  trial ${trials}: ${subset.length} fault(s) → ${broken ? 'still breaks' : 'passes'}`);
    return broken;
  };
  let best = [...faults];
  let low = 0;
  let high = best.length;
  while (low < high && trials < maxTrials) {
    const middle = Math.floor((low + high) / 2);
    if (await breaks(best.slice(0, middle))) high = middle;
    else low = middle + 1;
  }
  best = best.slice(0, high);
  let chunks = 2;
  while (best.length > 1 && trials < maxTrials) {
    const size = Math.ceil(best.length / chunks);
    let reduced = false;
    for (let start = 0; start < best.length && trials < maxTrials; start += size) {
      const complement = [...best.slice(0, start), ...best.slice(start + size)];
      if (complement.length > 0 && (await breaks(complement))) {
        best = complement;
        chunks = Math.max(chunks - 1, 2);
        reduced = true;
        break;
      }
    }
    if (reduced) continue;
    if (size === 1) break;
    chunks = Math.min(chunks * 2, best.length);
  }
  return { faults: best, trials, exhausted: trials >= maxTrials };
}
