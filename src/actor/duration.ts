import * as v from 'valibot';
import { errors, shown } from './errors.js';

/**
 * The longest duration the runtime accepts anywhere (timers, timeouts, graces, windows): ten
 * years of 365 days, 315,360,000,000 ms. Longer ones are a validation error, not a silent
 * 1 ms (which is what Node's own `setTimeout` does past 2³¹−1 ms, about 24.8 days).
 */
export const MAX_DURATION_MS = 10 * 365 * 24 * 3_600_000;

export interface DurationRule {
  /** Whether `Infinity` ("never") is accepted. Default false. */
  readonly infinite?: boolean;
  /** The smallest accepted value. Default 0. */
  readonly min?: number;
}

function expectation(rule: DurationRule, unit: string): string {
  const min = rule.min ?? 0;
  return `expected ${unit} from ${min} to ${MAX_DURATION_MS} (10 years)${rule.infinite ? ' or Infinity' : ''}`;
}

/** True for a number of ms the runtime can schedule: `min`…MAX_DURATION_MS, or Infinity if allowed. */
export function isDuration(value: unknown, rule: DurationRule = {}): value is number {
  if (typeof value !== 'number') return false;
  if (value === Infinity) return rule.infinite === true;
  return value >= (rule.min ?? 0) && value <= MAX_DURATION_MS;
}

/**
 * Checks a duration given in a call (`ask`'s `timeoutMs`, a timer's delay): any number in range,
 * fractions allowed as `setTimeout` allows them. Throws ERR_INVALID_OPTIONS naming `key`.
 */
export function checkDuration(what: string, key: string, value: unknown, rule: DurationRule = {}): number {
  if (isDuration(value, rule)) return value;
  throw errors.invalidOptions(`invalid ${what}: ${key}: ${expectation(rule, 'a number of ms')}, got ${shown(value)}`);
}

/**
 * The valibot schema of a duration option: an integer number of ms from `min` (default 0) to
 * MAX_DURATION_MS, or `Infinity` when `infinite` is set. For other layers' option schemas, so
 * that every duration option of mesolith is checked alike.
 */
export function durationMs(rule: DurationRule = {}): v.GenericSchema<number> {
  return v.pipe(
    v.number(),
    v.check(
      (n) => (n === Infinity ? rule.infinite === true : Number.isInteger(n) && isDuration(n, rule)),
      (issue) => `${expectation(rule, 'an integer number of ms')}, got ${shown(issue.input)}`,
    ),
  );
}
