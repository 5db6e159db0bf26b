import * as v from 'valibot';
import { errors } from './errors.js';

/** Options of `ActorSystem.start`; every one is optional. */
export interface SystemOptions {
  /** Used in worker thread names. Default `mesolith`. */
  readonly name?: string;
  /** Default mailbox bound; overflow goes to dead letters. Default 10,000. */
  readonly mailboxCapacity?: number;
  /** Default `ask` timeout. Default 5,000 ms. */
  readonly askTimeoutMs?: number;
  /** How long a stopping actor's pending async handler may run before it is killed. Default 5,000 ms. */
  readonly shutdownGraceMs?: number;
  /** Bound on draining mailboxes during `system.stop()`. Default 10,000 ms. */
  readonly stopTimeoutMs?: number;
  /** Envelopes per cross-thread batch before it is flushed early. Default 1,024. */
  readonly maxBatch?: number;
  /** Messages an actor handles per turn before others get theirs. Default 1,024. */
  readonly runBudget?: number;
  /** Messages a thread handles before it yields to I/O and timers. Default 65,536. */
  readonly drainBudget?: number;
}

export type ResolvedSystemOptions = Required<SystemOptions>;

export const DEFAULT_SYSTEM_OPTIONS: ResolvedSystemOptions = {
  name: 'mesolith',
  mailboxCapacity: 10_000,
  askTimeoutMs: 5_000,
  shutdownGraceMs: 5_000,
  stopTimeoutMs: 10_000,
  maxBatch: 1_024,
  runBudget: 1_024,
  drainBudget: 65_536,
};

const positiveInt = v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)));
const duration = v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)));

const SystemOptionsSchema = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,64}$/))),
  mailboxCapacity: positiveInt,
  askTimeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  shutdownGraceMs: duration,
  stopTimeoutMs: duration,
  maxBatch: positiveInt,
  runBudget: positiveInt,
  drainBudget: positiveInt,
});

/** Validates options against a valibot schema, naming the offending key in the error. */
export function validateOptions<T>(
  what: string,
  schema: v.GenericSchema<unknown, T>,
  input: unknown,
): T {
  const result = v.safeParse(schema, input ?? {});
  if (result.success) return result.output;
  const problems = result.issues.map((issue) => {
    const path = v.getDotPath(issue);
    return path === null ? issue.message : `${what}.${path}: ${issue.message}`;
  });
  throw errors.invalidOptions(`invalid ${what}: ${problems.join('; ')}`);
}

export function resolveSystemOptions(options: SystemOptions | undefined): ResolvedSystemOptions {
  const checked = validateOptions('options', SystemOptionsSchema, options);
  const resolved = { ...DEFAULT_SYSTEM_OPTIONS };
  for (const [key, value] of Object.entries(checked)) {
    if (value !== undefined) (resolved as Record<string, unknown>)[key] = value;
  }
  return resolved;
}
