/**
 * The one table of `mesolith cluster`'s master, agent and supervision flags: each flag, the
 * LocalCluster option it sets, its default (always passed, so that what --help shows is what
 * runs) and its check. The options are built from it, --help is built from it, and the README's
 * table is checked against `flagsMarkdown()` by a test.
 */
import { Option } from 'commander';
import { AGENT_DEFAULTS, type LocalClusterOptions, MASTER_DEFAULTS } from '../index.js';
import { boolean, choice, fraction, nonNegativeInt, positiveInt, unsetMeans } from './arguments.js';

export interface ClusterFlag {
  /** Kebab case, without the dashes. */
  readonly flag: string;
  readonly value: string;
  /** Dotted path in LocalClusterOptions. */
  readonly option: string;
  /** The Mesos master or agent flag it stands for, if there is one. */
  readonly mesos?: string;
  readonly description: string;
  /** Undefined: the option is left unset (`defaultText` says what that means). */
  readonly default: number | string | boolean | undefined;
  readonly defaultText?: string;
  readonly parse: (value: string) => unknown;
}

type Spec = Omit<ClusterFlag, 'value' | 'parse'> & Partial<Pick<ClusterFlag, 'value' | 'parse'>>;

/** A duration in ms: 0 allowed where `allowZero` (a grace, a delay), otherwise positive. */
const ms = (spec: Spec, allowZero = false): ClusterFlag => ({ value: '<ms>', parse: allowZero ? nonNegativeInt : positiveInt, ...spec });
const count = (spec: Spec, allowZero = false): ClusterFlag => ({ value: '<n>', parse: allowZero ? nonNegativeInt : positiveInt, ...spec });
const bool = (spec: Spec): ClusterFlag => ({ value: '<bool>', parse: boolean, ...spec });

const M = MASTER_DEFAULTS;
const A = AGENT_DEFAULTS;

export const CLUSTER_FLAGS: readonly ClusterFlag[] = [
  ms({ flag: 'agent-ping-timeout-ms', option: 'master.agentPingTimeoutMs', mesos: '--agent_ping_timeout', default: M.agentPingTimeoutMs, description: 'how often the master pings each agent; a ping unanswered within this is missed' }),
  count({ flag: 'max-agent-ping-timeouts', option: 'master.maxAgentPingTimeouts', mesos: '--max_agent_ping_timeouts', default: M.maxAgentPingTimeouts, description: 'missed pings before an agent is unreachable (its tasks TASK_LOST, or TASK_UNREACHABLE if partition-aware)' }),
  ms({ flag: 'agent-reregister-timeout-ms', option: 'master.agentReregisterTimeoutMs', mesos: '--agent_reregister_timeout', default: M.agentReregisterTimeoutMs, description: 'a disconnected agent that does not reregister within this is marked unreachable' }),
  ms({ flag: 'registry-gc-interval-ms', option: 'master.registryGcIntervalMs', mesos: '--registry_gc_interval', default: M.registryGcIntervalMs, description: "how often the registry's unreachable agents are pruned" }),
  ms({ flag: 'registry-retry-ms', option: 'master.registryRetryMs', default: M.registryRetryMs, description: "while registry writes fail (a full disk), how often the master writes again what it acted on already (a framework's removal)" }),
  ms({ flag: 'registry-max-agent-age-ms', option: 'master.registryMaxAgentAgeMs', mesos: '--registry_max_agent_age', default: M.registryMaxAgentAgeMs, description: 'unreachable agents older than this are pruned from the registry' }),
  count({ flag: 'registry-max-agent-count', option: 'master.registryMaxAgentCount', mesos: '--registry_max_agent_count', default: M.registryMaxAgentCount, description: 'unreachable agents kept in the registry at most, the newest' }),
  ms({ flag: 'offer-timeout-ms', option: 'master.offerTimeoutMs', mesos: '--offer_timeout', default: undefined, defaultText: 'none', description: 'an offer not answered within this is rescinded and offered again' }),
  count({ flag: 'max-completed-tasks-per-framework', option: 'master.maxCompletedTasksPerFramework', mesos: '--max_completed_tasks_per_framework', default: M.maxCompletedTasksPerFramework, description: 'finished tasks the master keeps per framework (state, reconciliation)' }, true),
  ms({ flag: 'completed-task-retention-ms', option: 'master.completedTaskRetentionMs', default: M.completedTaskRetentionMs, description: 'finished tasks older than this are forgotten by the master even below the count' }, true),
  count({ flag: 'max-completed-frameworks', option: 'master.maxCompletedFrameworks', mesos: '--max_completed_frameworks', default: M.maxCompletedFrameworks, description: 'torn-down frameworks the master keeps for state()' }, true),
  ms({ flag: 'registration-retry-ms', option: 'agent.registrationRetryMs', mesos: '--registration_backoff_factor', default: A.registrationRetryMs, description: 'first wait between agent registration attempts (doubles up to 60 s)' }),
  ms({ flag: 'executor-shutdown-grace-period-ms', option: 'agent.executorShutdownGracePeriodMs', mesos: '--executor_shutdown_grace_period', default: A.executorShutdownGracePeriodMs, description: 'grace of a killed task before it is forced' }, true),
  count({ flag: 'executor-pool-threads', option: 'agent.executorPoolThreads', default: A.executorPoolThreads, description: 'threads of the task pool of each executor worker' }),
  count({ flag: 'executor-tasks-per-thread', option: 'agent.executorTasksPerThread', default: A.executorTasksPerThread, description: 'JS tasks each pool thread runs at once' }),
  bool({ flag: 'strict', option: 'agent.strict', mesos: '--strict', default: A.strict, description: 'a corrupt checkpoint record stops the agent (true) or is skipped and counted (false)' }),
  ms({ flag: 'executor-registration-timeout-ms', option: 'agent.executorRegistrationTimeoutMs', mesos: '--executor_registration_timeout', default: A.executorRegistrationTimeoutMs, description: 'an executor that does not register within this is destroyed' }),
  ms({ flag: 'executor-reregistration-timeout-ms', option: 'agent.executorReregistrationTimeoutMs', mesos: '--executor_reregistration_timeout', default: A.executorReregistrationTimeoutMs, description: 'how long a recovering agent waits for its executors to reregister' }),
  ms({ flag: 'recovery-timeout-ms', option: 'agent.recoveryTimeoutMs', mesos: '--recovery_timeout', default: A.recoveryTimeoutMs, description: 'how long executors of checkpointing frameworks wait for a gone agent' }),
  { flag: 'reconfiguration-policy', value: '<policy>', option: 'agent.reconfigurationPolicy', mesos: '--reconfiguration_policy', default: A.reconfigurationPolicy, description: 'which changes of resources and attributes keep an agent id across a restart: equal or additive', parse: choice(['equal', 'additive']) },
  { flag: 'recover', value: '<mode>', option: 'agent.recover', mesos: '--recover', default: A.recover, description: 'reconnect: recover the old executors; cleanup: kill them and do not register', parse: choice(['reconnect', 'cleanup']) },
  ms({ flag: 'executor-reregistration-retry-interval-ms', option: 'agent.executorReregistrationRetryIntervalMs', mesos: '--executor_reregistration_retry_interval', default: undefined, defaultText: 'off', description: 'while recovering, ask executors not yet back to reregister again this often' }),
  ms({ flag: 'gc-delay-ms', option: 'agent.gcDelayMs', mesos: '--gc_delay', default: A.gcDelayMs, description: 'a finished executor run is removed from the checkpoint this long after it ends' }, true),
  ms({ flag: 'status-update-retry-initial-ms', option: 'agent.statusUpdateRetry.initialMs', default: A.statusUpdateRetry.initialMs, description: 'first resend of an unacknowledged status update (doubles)' }),
  ms({ flag: 'status-update-retry-max-ms', option: 'agent.statusUpdateRetry.maxMs', default: A.statusUpdateRetry.maxMs, description: 'longest wait between resends of a status update' }),
  ms({ flag: 'checkpoint-retry-ms', option: 'agent.checkpointRetryMs', default: A.checkpointRetryMs, description: 'while checkpoint writes fail (a full disk), how often the agent tries one again' }),
  ms({ flag: 'executor-idle-timeout-ms', option: 'agent.executorIdleTimeoutMs', default: A.executorIdleTimeoutMs, description: "a framework's default executor on an agent ends after this long without a task" }, true),
  count({ flag: 'executors-per-shared-worker', option: 'executorsPerSharedWorker', default: 256, description: "executors packed into one worker with isolation 'shared'" }),
  ms({ flag: 'start-timeout-ms', option: 'startTimeoutMs', default: 30_000, description: 'how long the start waits for every agent to be admitted' }),
  bool({ flag: 'auto-restart-agents', option: 'autoRestartAgents', default: true, description: "each host's supervisor restarts its crashed agent" }),
  count({ flag: 'agent-max-restarts', option: 'agentRestarts.intensity.maxRestarts', default: 5, description: "restarts of a host's agent allowed within --agent-restart-window-ms before the host is given up" }, true),
  ms({ flag: 'agent-restart-window-ms', option: 'agentRestarts.intensity.withinMs', default: 60_000, description: 'the window of --agent-max-restarts' }),
  ms({ flag: 'agent-restart-backoff-initial-ms', option: 'agentRestarts.backoff.initialMs', default: 10, description: 'first delay before restarting a crashed agent (doubles)' }, true),
  ms({ flag: 'agent-restart-backoff-max-ms', option: 'agentRestarts.backoff.maxMs', default: 5_000, description: 'longest delay before restarting a crashed agent' }, true),
  { flag: 'agent-restart-backoff-jitter', value: '<fraction>', option: 'agentRestarts.backoff.jitter', default: 0.2, description: 'random part of the restart delay, 0 to 1', parse: fraction },
  bool({ flag: 'auto-restart-master', option: 'autoRestartMaster', default: true, description: 'a supervisor restarts a crashed master; agents and frameworks follow it' }),
];

/** The flag's property name in commander's parsed values (`agent-ping-timeout-ms` → `agentPingTimeoutMs`). */
export const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function clusterFlagOptions(): Option[] {
  return CLUSTER_FLAGS.map((f) => {
    const flags = `--${f.flag} ${f.value}`;
    if (f.default === undefined) return new Option(flags, unsetMeans(f.description, f.defaultText ?? 'unset')).argParser(f.parse);
    return new Option(flags, f.description).argParser(f.parse).default(f.default);
  });
}

/** Sets each flag's value at its option path; unset values are left out. */
export function clusterOptionsFrom(values: Readonly<Record<string, unknown>>): LocalClusterOptions {
  const options: Record<string, unknown> = {};
  for (const f of CLUSTER_FLAGS) {
    const value = values[camel(f.flag)];
    if (value === undefined) continue;
    const path = f.option.split('.');
    let target = options;
    for (const key of path.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    target[path.at(-1)!] = value;
  }
  return options as LocalClusterOptions;
}

/** The README's table of these flags. */
export function flagsMarkdown(): string {
  const rows = CLUSTER_FLAGS.map(
    (f) => `| \`--${f.flag} ${f.value}\` | \`${f.option}\` | ${f.default === undefined ? f.defaultText : `\`${String(f.default)}\``} | ${f.mesos === undefined ? '—' : `\`${f.mesos}\``} | ${f.description} |`,
  );
  return ['| flag | option | default | Mesos flag | what it does |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
