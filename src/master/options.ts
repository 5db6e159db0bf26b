import * as v from 'valibot';
import { durationMs } from '../actor/index.js';

const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));
const nonNegativeInt = v.pipe(v.number(), v.integer(), v.minValue(0));
/** Whole ms up to ten years (longer waits are scheduled in steps). */
const duration = (min: number) => v.optional(durationMs({ min }));

/** The master's flags as `LocalCluster` and the master actor check them: every one optional (see `MASTER_DEFAULTS`). */
export const MasterFlagsSchema = v.strictObject({
  /** How often each agent is pinged; a ping unanswered within this counts as missed (Mesos --agent_ping_timeout). Default 15 s. */
  agentPingTimeoutMs: duration(1),
  /** Missed pings before an agent is unreachable (Mesos --max_agent_ping_timeouts). Default 5, so 75 s. */
  maxAgentPingTimeouts: v.optional(positiveInt),
  /**
   * A disconnected agent that has not reregistered within this is marked unreachable, even if it
   * answers pings; after a master failover, so is an agent of the registry that has not come back
   * (Mesos --agent_reregister_timeout). Default 10 min, as Mesos.
   */
  agentReregisterTimeoutMs: duration(1),
  /**
   * An offer not accepted or declined within this is rescinded, so that a framework sitting on
   * offers cannot starve the others (Mesos --offer_timeout). Default: none.
   */
  offerTimeoutMs: duration(1),
  /** Finished tasks kept per framework for `state()` (Mesos --max_completed_tasks_per_framework). Default 1,000. */
  maxCompletedTasksPerFramework: v.optional(nonNegativeInt),
  /** Finished tasks older than this are forgotten even below the count. Default 1 hour. */
  completedTaskRetentionMs: duration(0),
  /** Torn-down frameworks kept for `state()` (Mesos --max_completed_frameworks). Default 50. */
  maxCompletedFrameworks: v.optional(nonNegativeInt),
  /** How often the registry's unreachable agents are pruned (Mesos --registry_gc_interval). Default 15 min. */
  registryGcIntervalMs: duration(1),
  /** While registry writes fail (a full disk), how often the master writes again what it has acted on already (a framework's removal). Default 1 s. */
  registryRetryMs: duration(1),
  /** Unreachable agents older than this are pruned from the registry (Mesos --registry_max_agent_age). Default 2 weeks. */
  registryMaxAgentAgeMs: duration(1),
  /** At most this many unreachable agents are kept in the registry, the newest (Mesos --registry_max_agent_count). Default 102,400. */
  registryMaxAgentCount: v.optional(positiveInt),
});

/** The master's flags; every one optional (see `MASTER_DEFAULTS`). */
export type MasterFlags = v.InferOutput<typeof MasterFlagsSchema>;

/** What the master actor is started with: its flags and where its registry lives. */
export interface MasterArgs extends MasterFlags {
  /** Where the registry lives (admitted agents and frameworks); none: nothing survives a restart. */
  readonly workDir?: string;
}

export type MasterOptions = Required<Omit<MasterFlags, 'offerTimeoutMs'>> & Pick<MasterFlags, 'offerTimeoutMs'>;

export const MASTER_DEFAULTS: MasterOptions = {
  agentPingTimeoutMs: 15_000,
  maxAgentPingTimeouts: 5,
  agentReregisterTimeoutMs: 600_000,
  maxCompletedTasksPerFramework: 1_000,
  completedTaskRetentionMs: 3_600_000,
  maxCompletedFrameworks: 50,
  registryGcIntervalMs: 900_000,
  registryRetryMs: 1_000,
  registryMaxAgentAgeMs: 14 * 86_400_000,
  registryMaxAgentCount: 102_400,
};

export function resolveMasterOptions(flags: MasterFlags | undefined): MasterOptions {
  const resolved: MasterOptions = { ...MASTER_DEFAULTS };
  for (const [key, value] of Object.entries(flags ?? {})) if (value !== undefined && key !== 'workDir') (resolved as Record<string, unknown>)[key] = value;
  return resolved;
}
