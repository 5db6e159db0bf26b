import * as v from 'valibot';
import { validateOptions } from '../actor/options.js';
import type { AgentFlags } from '../agent/options.js';
import { MasterFlagsSchema } from '../master/options.js';
import type { FrameworkInfo } from '../protocol/index.js';
import type { LocalClusterOptions } from './local-cluster.js';

const nonNegativeInt = v.pipe(v.number(), v.integer(), v.minValue(0));
const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));
const resources = v.strictObject({ cpus: v.pipe(v.number(), v.minValue(0)), mem: v.pipe(v.number(), v.minValue(0)), disk: v.optional(v.pipe(v.number(), v.minValue(0))) });
const host = v.strictObject({ resources: v.optional(resources), attributes: v.optional(v.record(v.string(), v.string())) });

const AgentFlagsSchema = v.strictObject({
  statusUpdateRetry: v.optional(v.strictObject({ initialMs: positiveInt, maxMs: positiveInt })),
  registrationRetryMs: v.optional(positiveInt),
  executorShutdownGracePeriodMs: v.optional(nonNegativeInt),
  executorPoolThreads: v.optional(positiveInt),
  executorTasksPerThread: v.optional(positiveInt),
  strict: v.optional(v.boolean()),
  executorRegistrationTimeoutMs: v.optional(positiveInt),
  executorReregistrationTimeoutMs: v.optional(positiveInt),
  recoveryTimeoutMs: v.optional(positiveInt),
  reconfigurationPolicy: v.optional(v.picklist(['equal', 'additive'])),
  recover: v.optional(v.picklist(['reconnect', 'cleanup'])),
  executorReregistrationRetryIntervalMs: v.optional(positiveInt),
  gcDelayMs: v.optional(nonNegativeInt),
});

const ClusterOptionsSchema = v.strictObject({
  workDir: v.optional(v.pipe(v.string(), v.minLength(1))),
  agents: v.optional(v.union([positiveInt, v.pipe(v.array(host), v.minLength(1))])),
  master: v.optional(MasterFlagsSchema),
  agent: v.optional(AgentFlagsSchema),
  system: v.optional(v.record(v.string(), v.unknown())),
  executorsPerSharedWorker: v.optional(positiveInt),
  startTimeoutMs: v.optional(positiveInt),
  autoRestartAgents: v.optional(v.boolean()),
  agentRestarts: v.optional(
    v.strictObject({
      intensity: v.optional(v.strictObject({ maxRestarts: nonNegativeInt, withinMs: positiveInt })),
      backoff: v.optional(v.strictObject({ initialMs: nonNegativeInt, maxMs: nonNegativeInt, jitter: v.pipe(v.number(), v.minValue(0), v.maxValue(1)) })),
    }),
  ),
});

/** Checks cluster options before anything starts; the error names the offending key. */
export function validateClusterOptions(options: LocalClusterOptions): void {
  validateOptions('cluster options', ClusterOptionsSchema, options);
}

/** Checks agent flags (at start, and when an agent is restarted with new ones). */
export function validateAgentFlags(flags: AgentFlags | undefined): void {
  if (flags !== undefined) validateOptions('agent flags', AgentFlagsSchema, flags);
}

const FrameworkInfoSchema = v.strictObject({
  name: v.pipe(v.string(), v.minLength(1)),
  checkpoint: v.optional(v.boolean()),
  role: v.optional(v.pipe(v.string(), v.minLength(1))),
  partitionAware: v.optional(v.boolean()),
  failoverTimeoutMs: v.optional(nonNegativeInt),
});

/** Checks a framework's info as `registerFramework` is given it. */
export function validateFrameworkInfo(info: Partial<FrameworkInfo>): void {
  validateOptions('framework info', FrameworkInfoSchema, info);
}
