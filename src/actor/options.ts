import * as v from 'valibot';
import { durationMs } from './duration.js';
import { MesolithError, cut, errors } from './errors.js';

/** Options of `ActorSystem.start`; every one is optional. */
export interface SystemOptions {
  /** Used in worker thread names. Default `mesolith`. */
  readonly name?: string;
  /** Default mailbox bound; overflow goes to dead letters. Default 10,000. */
  readonly mailboxCapacity?: number;
  /**
   * Default `ask` timeout. Default 5,000 ms. `Infinity`: asks do not time out; each then
   * settles only by its reply, an error, its abort signal or the target's death.
   */
  readonly askTimeoutMs?: number;
  /**
   * Default bound on a spawn: loading the behaviour, starting a worker for it, and its `setup`.
   * Past it the spawn fails with ERR_SPAWN_TIMEOUT and what it started is ended (a busy worker
   * in up to 1 s more: see `ActorSystem.terminateWorker`). Default 30,000 ms.
   */
  readonly spawnTimeoutMs?: number;
  /** How long a stopping actor's pending async handler may run before it is killed. Default 5,000 ms. */
  readonly shutdownGraceMs?: number;
  /**
   * Bound on draining mailboxes, and then on each worker's shutdown, during `system.stop()`; a
   * worker still there is then ended, in up to 1 s more. Default 10,000 ms.
   */
  readonly stopTimeoutMs?: number;
  /** Envelopes per cross-thread batch before it is flushed early. Default 1,024. */
  readonly maxBatch?: number;
  /** Messages an actor handles per turn before others get theirs. Default 1,024. */
  readonly runBudget?: number;
  /** Messages a thread handles before it yields to I/O and timers. Default 65,536. */
  readonly drainBudget?: number;
  /**
   * The `resourceLimits` of every worker thread the system starts (Node's `Worker` option, in
   * MiB), and of the task pool threads of executors in them. Default
   * `{ maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 2000 }`. V8 lets each isolate's
   * young generation grow to 32 MiB and more under a burst of messages and keeps it, and with a
   * worker per master, agent and executor that is most of a cluster's memory; a small one is
   * collected more often, at little cost for an actor's short-lived messages. Below 2 GiB of
   * old generation V8 lets a heap grow to at most about twice what survived its last full
   * collection (4× from 2 GiB up, which a worker gets by default on a machine with 8 GiB or
   * more): a worker's ~10 MiB of live state then costs ~30 MiB of heap, not ~50. `{}`: V8's own
   * sizes. A worker past `maxOldGenerationSizeMb` ends with ERR_WORKER_OUT_OF_MEMORY, a crash
   * its supervisor sees.
   */
  readonly workerResourceLimits?: WorkerResourceLimits;
}

/** Node's `ResourceLimits` of a worker thread, in MiB. */
export interface WorkerResourceLimits {
  readonly maxYoungGenerationSizeMb?: number;
  readonly maxOldGenerationSizeMb?: number;
  readonly codeRangeSizeMb?: number;
  readonly stackSizeMb?: number;
}

export type ResolvedSystemOptions = Required<SystemOptions>;

export const DEFAULT_SYSTEM_OPTIONS: ResolvedSystemOptions = {
  name: 'mesolith',
  mailboxCapacity: 10_000,
  askTimeoutMs: 5_000,
  spawnTimeoutMs: 30_000,
  shutdownGraceMs: 5_000,
  stopTimeoutMs: 10_000,
  maxBatch: 1_024,
  runBudget: 1_024,
  drainBudget: 65_536,
  workerResourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 2_000 },
};

export const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));
const mebibytes = v.pipe(positiveInt, v.maxValue(1_024));

/**
 * Durations with `Infinity` allowed are those where "never" is a caller's explicit choice that
 * cannot hide a stuck runtime (an ask still fails when its target dies). Those that bound the
 * runtime's own work (spawns, graces, stopping) are always finite.
 */
const SystemOptionsSchema = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,64}$/))),
  mailboxCapacity: v.optional(positiveInt),
  askTimeoutMs: v.optional(durationMs({ min: 1, infinite: true })),
  spawnTimeoutMs: v.optional(durationMs({ min: 1 })),
  shutdownGraceMs: v.optional(durationMs()),
  stopTimeoutMs: v.optional(durationMs()),
  maxBatch: v.optional(positiveInt),
  runBudget: v.optional(positiveInt),
  drainBudget: v.optional(positiveInt),
  workerResourceLimits: v.optional(
    v.strictObject({
      maxYoungGenerationSizeMb: v.optional(mebibytes),
      maxOldGenerationSizeMb: v.optional(v.pipe(v.number(), v.integer(), v.minValue(16), v.maxValue(65_536))),
      codeRangeSizeMb: v.optional(mebibytes),
      stackSizeMb: v.optional(mebibytes),
    }),
  ),
});

/** Hostile input can have thousands of problems, or huge keys and values: the message stays short. */
const MAX_PROBLEMS = 5;

/** Validates options against a valibot schema, naming the offending key in the error. */
export function validateOptions<T>(
  what: string,
  schema: v.GenericSchema<unknown, T>,
  input: unknown,
): T {
  let result: v.SafeParseResult<v.GenericSchema<unknown, T>>;
  try {
    result = v.safeParse(schema, input ?? {});
  } catch (error) {
    throw unreadable(what, error);
  }
  if (result.success) return result.output;
  const problems = result.issues.slice(0, MAX_PROBLEMS).map((issue) => {
    const path = v.getDotPath(issue);
    return cut(path === null ? issue.message : `${what}.${path}: ${issue.message}`);
  });
  const more = result.issues.length - problems.length;
  throw errors.invalidOptions(`invalid ${what}: ${problems.join('; ')}${more > 0 ? `; and ${more} more` : ''}`);
}

export function resolveSystemOptions(options: SystemOptions | undefined): ResolvedSystemOptions {
  const checked = validateOptions('options', SystemOptionsSchema, options);
  const resolved = { ...DEFAULT_SYSTEM_OPTIONS };
  for (const [key, value] of Object.entries(checked)) {
    if (value !== undefined) (resolved as Record<string, unknown>)[key] = value;
  }
  return resolved;
}

/** Input whose reading threw (a getter, a Proxy): the caller's error, with a code. */
export function unreadable(what: string, error: unknown): MesolithError {
  if (error instanceof MesolithError) return error;
  return errors.invalidOptions(`invalid ${what}: reading it threw: ${cut(error instanceof Error ? error.message : String(error))}`);
}
