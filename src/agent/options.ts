import type { Peer, Resources } from '../protocol/index.js';
import type { ReconfigurationPolicy } from './recovery.js';
import type { RetryPolicy } from './status-update-manager.js';

/** One simulated host: where its agent keeps its checkpoint, its boot id, what it offers. */
export interface HostSpec {
  readonly hostId: string;
  readonly hostname: string;
  readonly workDir: string;
  readonly bootId: string;
  readonly resources: Resources;
  readonly attributes: Readonly<Record<string, string>>;
}

/** The agent's flags; every one optional (see `AGENT_DEFAULTS`). */
export interface AgentFlags {
  /** Status update resends: default 10 s doubling to 10 min. */
  readonly statusUpdateRetry?: RetryPolicy;
  /** First wait between registration attempts; doubles up to 60 s until the master answers. Default 1 s. */
  readonly registrationRetryMs?: number;
  /** A killed task's grace before it is forced (Mesos --executor_shutdown_grace_period). Default 5 s. */
  readonly executorShutdownGracePeriodMs?: number;
  /** Threads of the task pool of each executor worker. Default 2. */
  readonly executorPoolThreads?: number;
  /** JS tasks each pool thread runs at once. Default 64. */
  readonly executorTasksPerThread?: number;
  /** A corrupt checkpoint record stops recovery (true, default) or is skipped (false) (Mesos --strict). */
  readonly strict?: boolean;
  /** How long a started executor has to register before it is destroyed (Mesos --executor_registration_timeout). Default 60 s. */
  readonly executorRegistrationTimeoutMs?: number;
  /** How long a restarted agent waits for its executors to reregister (Mesos --executor_reregistration_timeout). Default 2 s. */
  readonly executorReregistrationTimeoutMs?: number;
  /** How long executors of checkpointing frameworks wait for a gone agent (Mesos --recovery_timeout). Default 15 min. */
  readonly recoveryTimeoutMs?: number;
  /** Which changes of resources and attributes keep the agent's id across a restart (Mesos --reconfiguration_policy). Default `equal`. */
  readonly reconfigurationPolicy?: ReconfigurationPolicy;
  /** `reconnect` (default): recover executors. `cleanup`: kill the old executors, do not register (Mesos --recover). */
  readonly recover?: 'reconnect' | 'cleanup';
  /** While recovering, ask executors not yet back to reregister again this often (Mesos --executor_reregistration_retry_interval). Default: off. */
  readonly executorReregistrationRetryIntervalMs?: number;
  /** A finished executor run, or a finished task of a running executor, is removed from the checkpoint this long after it ends (Mesos --gc_delay). Default 1 week. */
  readonly gcDelayMs?: number;
  /** While checkpoint writes fail (a full disk), how often the agent tries one again. Default 1 s. */
  readonly checkpointRetryMs?: number;
  /** A framework's default executor on this agent ends after this long without a task. Default 1 min. */
  readonly executorIdleTimeoutMs?: number;
}

/** What the agent actor is started with. */
export interface AgentArgs {
  /** Where to find the current master (it moves when the master fails over). */
  readonly directory: Peer<'directory'>;
  readonly launcher: Peer<'launcher'>;
  readonly host: HostSpec;
  readonly flags?: AgentFlags;
}

export type AgentOptions = Required<Omit<AgentFlags, 'executorReregistrationRetryIntervalMs'>> & Pick<AgentFlags, 'executorReregistrationRetryIntervalMs'>;

export const AGENT_DEFAULTS: AgentOptions = {
  statusUpdateRetry: { initialMs: 10_000, maxMs: 600_000 },
  registrationRetryMs: 1_000,
  executorShutdownGracePeriodMs: 5_000,
  executorPoolThreads: 2,
  executorTasksPerThread: 64,
  strict: true,
  executorRegistrationTimeoutMs: 60_000,
  executorReregistrationTimeoutMs: 2_000,
  recoveryTimeoutMs: 15 * 60_000,
  reconfigurationPolicy: 'equal',
  recover: 'reconnect',
  gcDelayMs: 7 * 24 * 3_600_000,
  checkpointRetryMs: 1_000,
  executorIdleTimeoutMs: 60_000,
};

export function resolveAgentOptions(flags: AgentFlags | undefined): AgentOptions {
  const resolved: AgentOptions = { ...AGENT_DEFAULTS };
  for (const [key, value] of Object.entries(flags ?? {})) if (value !== undefined) (resolved as Record<string, unknown>)[key] = value;
  return resolved;
}
