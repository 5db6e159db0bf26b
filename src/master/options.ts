/** The master's flags; every one optional (see `MASTER_DEFAULTS`). */
export interface MasterFlags {
  /** How often each agent is pinged; a ping unanswered within this counts as missed (Mesos --agent_ping_timeout). Default 15 s. */
  readonly agentPingTimeoutMs?: number;
  /** Missed pings before an agent is unreachable (Mesos --max_agent_ping_timeouts). Default 5, so 75 s. */
  readonly maxAgentPingTimeouts?: number;
  /**
   * An offer not accepted or declined within this is rescinded, so that a framework sitting on
   * offers cannot starve the others (Mesos --offer_timeout). Default: none.
   */
  readonly offerTimeoutMs?: number;
  /** Finished tasks kept per framework for `state()` and reconciliation (Mesos --max_completed_tasks_per_framework). Default 1,000. */
  readonly maxCompletedTasksPerFramework?: number;
  /** Finished tasks older than this are forgotten even below the count. Default 1 hour. */
  readonly completedTaskRetentionMs?: number;
  /** Torn-down frameworks kept for `state()` (Mesos --max_completed_frameworks). Default 50. */
  readonly maxCompletedFrameworks?: number;
}

/** What the master actor is started with: its flags and where its registry lives. */
export interface MasterArgs extends MasterFlags {
  /** Where the registry lives (admitted agents and frameworks); none: nothing survives a restart. */
  readonly workDir?: string;
}

export type MasterOptions = Required<Omit<MasterFlags, 'offerTimeoutMs'>> & Pick<MasterFlags, 'offerTimeoutMs'>;

export const MASTER_DEFAULTS: MasterOptions = {
  agentPingTimeoutMs: 15_000,
  maxAgentPingTimeouts: 5,
  maxCompletedTasksPerFramework: 1_000,
  completedTaskRetentionMs: 3_600_000,
  maxCompletedFrameworks: 50,
};

export function resolveMasterOptions(flags: MasterFlags | undefined): MasterOptions {
  const resolved: MasterOptions = { ...MASTER_DEFAULTS };
  for (const [key, value] of Object.entries(flags ?? {})) if (value !== undefined && key !== 'workDir') (resolved as Record<string, unknown>)[key] = value;
  return resolved;
}
