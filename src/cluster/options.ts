import * as v from 'valibot';
import { durationMs } from '../actor/index.js';
import { validateOptions } from '../actor/options.js';
import type { AgentFlags } from '../agent/options.js';
import { AttributesSchema, type FrameworkInfo, FrameworkInfoSchema, ResourcesSchema } from '../protocol/index.js';
import type { Backoff, Intensity, SystemOptions } from '../actor/index.js';
import { type MasterFlags, MasterFlagsSchema } from '../master/options.js';
import type { Resources } from '../protocol/index.js';

export interface HostOptions {
  readonly resources?: Resources;
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface LocalClusterOptions {
  /**
   * Where the master's registry and each host's checkpoint live. Default: a fresh temp dir,
   * removed by `stop()`. A work dir that holds a previous cluster is recovered from.
   */
  readonly workDir?: string;
  /** A count of identical hosts, or one entry per host. Default 1. */
  readonly agents?: number | readonly HostOptions[];
  readonly master?: MasterFlags;
  readonly agent?: AgentFlags;
  readonly system?: SystemOptions;
  /**
   * Executors per shared worker with `isolation: 'shared'`. Default 256: each shared worker
   * brings its task pool's threads, and on few cores fewer, fuller workers switch less (10k
   * tasks over 1,000 executors on 2 cores: 6.6k tasks/s at 64, 10.9k at 256, no gain above).
   */
  readonly executorsPerSharedWorker?: number;
  /** How long `start()` waits for every agent to be admitted. Default 30 s. */
  readonly startTimeoutMs?: number;
  /**
   * Each host's supervisor restarts its crashed agent (the role systemd plays for mesos-agent),
   * which then recovers from its checkpoint. Default true.
   */
  readonly autoRestartAgents?: boolean;
  /**
   * Restart intensity and backoff of each host's supervisor. Default 5 restarts in 60 s, 10 ms
   * doubling. An agent that exceeds it is given up (`supervisor.escalated`) on its host only;
   * `startAgent` starts it again.
   */
  readonly agentRestarts?: { readonly intensity?: Intensity; readonly backoff?: Backoff };
  /**
   * A supervisor restarts the master when its worker dies or it throws; the new master reads
   * its registry, and agents and frameworks are pointed at it. Default true; restart intensity
   * and backoff as for agents (`masterRestarts`).
   */
  readonly autoRestartMaster?: boolean;
  readonly masterRestarts?: { readonly intensity?: Intensity; readonly backoff?: Backoff };
}

const nonNegativeInt = v.pipe(v.number(), v.integer(), v.minValue(0));
const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));
/** A duration option: whole ms up to ten years (longer waits are scheduled in steps); `Infinity` where it means "never". */
const duration = v.optional(durationMs());
const positiveDuration = v.optional(durationMs({ min: 1 }));
// What the master checks an agent's registration against: a host it would refuse must not start.
const host = v.strictObject({ resources: v.optional(ResourcesSchema), attributes: v.optional(AttributesSchema) });

const restarts = v.optional(
  v.strictObject({
    intensity: v.optional(v.strictObject({ maxRestarts: nonNegativeInt, withinMs: durationMs({ min: 1, infinite: true }) })),
    backoff: v.optional(v.strictObject({ initialMs: durationMs(), maxMs: durationMs(), jitter: v.pipe(v.number(), v.minValue(0), v.maxValue(1)) })),
  }),
);

const AgentFlagsSchema = v.strictObject({
  statusUpdateRetry: v.optional(v.strictObject({ initialMs: durationMs({ min: 1 }), maxMs: durationMs({ min: 1 }) })),
  registrationRetryMs: positiveDuration,
  executorShutdownGracePeriodMs: duration,
  executorPoolThreads: v.optional(positiveInt),
  executorTasksPerThread: v.optional(positiveInt),
  strict: v.optional(v.boolean()),
  executorRegistrationTimeoutMs: positiveDuration,
  executorReregistrationTimeoutMs: positiveDuration,
  recoveryTimeoutMs: positiveDuration,
  reconfigurationPolicy: v.optional(v.picklist(['equal', 'additive'])),
  recover: v.optional(v.picklist(['reconnect', 'cleanup'])),
  executorReregistrationRetryIntervalMs: positiveDuration,
  gcDelayMs: duration,
  checkpointRetryMs: positiveDuration,
  executorIdleTimeoutMs: duration,
});


const ClusterOptionsSchema = v.strictObject({
  workDir: v.optional(v.pipe(v.string(), v.minLength(1))),
  agents: v.optional(v.union([positiveInt, v.pipe(v.array(host), v.minLength(1))])),
  master: v.optional(MasterFlagsSchema),
  agent: v.optional(AgentFlagsSchema),
  system: v.optional(v.record(v.string(), v.unknown())),
  executorsPerSharedWorker: v.optional(positiveInt),
  startTimeoutMs: positiveDuration,
  autoRestartAgents: v.optional(v.boolean()),
  agentRestarts: restarts,
  autoRestartMaster: v.optional(v.boolean()),
  masterRestarts: restarts,
});

/** Checks cluster options before anything starts; the error names the offending key. */
export function validateClusterOptions(options: LocalClusterOptions): void {
  validateOptions('cluster options', ClusterOptionsSchema, options);
}

/** Checks agent flags (at start, and when an agent is restarted with new ones). */
export function validateAgentFlags(flags: AgentFlags | undefined): void {
  if (flags !== undefined) validateOptions('agent flags', AgentFlagsSchema, flags);
}


/** The master's framework info, but `checkpoint` may be left out (default false). */
const FrameworkInfoOptionsSchema = v.strictObject({ ...FrameworkInfoSchema.entries, checkpoint: v.optional(v.boolean()) });

/** Checks a framework's info as `registerFramework` is given it. */
export function validateFrameworkInfo(info: Partial<FrameworkInfo>): void {
  // Checked as given (not spread into a copy first: reading a hostile value must fail inside the check).
  validateOptions('framework info', FrameworkInfoOptionsSchema, info);
}
