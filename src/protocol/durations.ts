import * as v from 'valibot';

/**
 * The longest duration any option takes: ten years. Node's timers stop at 2³¹−1 ms (~24.8
 * days), so longer waits are scheduled in steps by whoever waits; a year (usual for a Mesos
 * framework's failover timeout) is well inside.
 */
export const MAX_DURATION_MS = 10 * 365 * 86_400_000;

const bounded = v.pipe(
  v.number(),
  v.integer('must be a whole number of milliseconds'),
  v.minValue(0),
  v.maxValue(MAX_DURATION_MS, `must be at most ${MAX_DURATION_MS} ms (ten years)`),
);

/** A duration in ms: an integer from 0 to ten years. */
export const DurationSchema = v.union([bounded, v.literal(Infinity)], `must be a whole number of milliseconds from 0 to ${MAX_DURATION_MS} (ten years), or Infinity`);

/** A duration that must be finite (a period, an interval). */
export const FiniteDurationSchema = bounded;
