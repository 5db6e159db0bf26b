/**
 * The one table of `mesolith cluster`'s master, agent and supervision flags: each flag, the
 * LocalCluster option it sets, its default (always passed, so that what --help shows is what
 * runs) and its check. The options are built from it, --help is built from it, and the README's
 * table is checked against `flagsMarkdown()` by a test.
 */
import { Option } from 'commander';
import type { LocalClusterOptions } from '../index.js';
import { boolean, choice, fraction, nonNegativeInt, positiveInt, unsetMeans } from './arguments.js';

export interface ClusterFlag {
  /** Kebab case, without the dashes. */
  readonly flag: string;
  readonly value: string;
  /** Dotted path in LocalClusterOptions. */
  readonly option: string;
  readonly description: string;
  /** Undefined: the option is left unset (`defaultText` says what that means). */
  readonly default: number | string | boolean | undefined;
  readonly defaultText?: string;
  readonly parse: (value: string) => unknown;
}

const ms = (flag: string, option: string, defaultValue: number | undefined, description: string, defaultText?: string): ClusterFlag => ({
  flag,
  value: '<ms>',
  option,
  description,
  default: defaultValue,
  ...(defaultText === undefined ? {} : { defaultText }),
  parse: positiveInt,
});

export const CLUSTER_FLAGS: readonly ClusterFlag[] = [
  ms('agent-ping-timeout-ms', 'master.agentPingTimeoutMs', 15_000, 'how often the master pings each agent; a ping unanswered within this is missed'),
  { flag: 'max-agent-ping-timeouts', value: '<n>', option: 'master.maxAgentPingTimeouts', description: 'missed pings before an agent is unreachable (its tasks TASK_LOST, or TASK_UNREACHABLE if partition-aware)', default: 5, parse: positiveInt },
  ms('offer-timeout-ms', 'master.offerTimeoutMs', undefined, 'an offer not answered within this is rescinded and offered again', 'none'),
  ms('registration-retry-ms', 'agent.registrationRetryMs', 1_000, 'first wait between agent registration attempts (doubles up to 60 s)'),
  { flag: 'executor-shutdown-grace-period-ms', value: '<ms>', option: 'agent.executorShutdownGracePeriodMs', description: 'grace of a killed task before it is forced', default: 5_000, parse: nonNegativeInt },
  { flag: 'executor-pool-threads', value: '<n>', option: 'agent.executorPoolThreads', description: 'threads of the task pool of each executor worker', default: 2, parse: positiveInt },
  { flag: 'executor-tasks-per-thread', value: '<n>', option: 'agent.executorTasksPerThread', description: 'JS tasks each pool thread runs at once', default: 64, parse: positiveInt },
  { flag: 'strict', value: '<bool>', option: 'agent.strict', description: 'a corrupt checkpoint record stops the agent (true) or is skipped and counted (false)', default: true, parse: boolean },
  ms('executor-registration-timeout-ms', 'agent.executorRegistrationTimeoutMs', 60_000, 'an executor that does not register within this is destroyed'),
  ms('executor-reregistration-timeout-ms', 'agent.executorReregistrationTimeoutMs', 2_000, 'how long a recovering agent waits for its executors to reregister'),
  ms('recovery-timeout-ms', 'agent.recoveryTimeoutMs', 900_000, 'how long executors of checkpointing frameworks wait for a gone agent'),
  { flag: 'reconfiguration-policy', value: '<policy>', option: 'agent.reconfigurationPolicy', description: 'which changes of resources and attributes keep an agent id across a restart: equal or additive', default: 'equal', parse: choice(['equal', 'additive']) },
  { flag: 'recover', value: '<mode>', option: 'agent.recover', description: 'reconnect: recover the old executors; cleanup: kill them and do not register', default: 'reconnect', parse: choice(['reconnect', 'cleanup']) },
  ms('executor-reregistration-retry-interval-ms', 'agent.executorReregistrationRetryIntervalMs', undefined, 'while recovering, ask executors not yet back to reregister again this often', 'off'),
  { flag: 'gc-delay-ms', value: '<ms>', option: 'agent.gcDelayMs', description: 'a finished executor run is removed from the checkpoint this long after it ends', default: 604_800_000, parse: nonNegativeInt },
  ms('status-update-retry-initial-ms', 'agent.statusUpdateRetry.initialMs', 10_000, 'first resend of an unacknowledged status update (doubles)'),
  ms('status-update-retry-max-ms', 'agent.statusUpdateRetry.maxMs', 600_000, 'longest wait between resends of a status update'),
  { flag: 'executors-per-shared-worker', value: '<n>', option: 'executorsPerSharedWorker', description: "executors packed into one worker with isolation 'shared'", default: 256, parse: positiveInt },
  ms('start-timeout-ms', 'startTimeoutMs', 30_000, 'how long the start waits for every agent to register'),
  { flag: 'auto-restart-agents', value: '<bool>', option: 'autoRestartAgents', description: "each host's supervisor restarts its crashed agent", default: true, parse: boolean },
  { flag: 'agent-max-restarts', value: '<n>', option: 'agentRestarts.intensity.maxRestarts', description: 'restarts of a host\'s agent allowed within --agent-restart-window-ms before the host is given up', default: 5, parse: nonNegativeInt },
  ms('agent-restart-window-ms', 'agentRestarts.intensity.withinMs', 60_000, 'the window of --agent-max-restarts'),
  { flag: 'agent-restart-backoff-initial-ms', value: '<ms>', option: 'agentRestarts.backoff.initialMs', description: 'first delay before restarting a crashed agent (doubles)', default: 10, parse: nonNegativeInt },
  { flag: 'agent-restart-backoff-max-ms', value: '<ms>', option: 'agentRestarts.backoff.maxMs', description: 'longest delay before restarting a crashed agent', default: 5_000, parse: nonNegativeInt },
  { flag: 'agent-restart-backoff-jitter', value: '<fraction>', option: 'agentRestarts.backoff.jitter', description: 'random part of the restart delay, 0 to 1', default: 0.2, parse: fraction },
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
  const rows = CLUSTER_FLAGS.map((f) => `| \`--${f.flag} ${f.value}\` | \`${f.option}\` | ${f.default === undefined ? f.defaultText : `\`${String(f.default)}\``} | ${f.description} |`);
  return ['| flag | option | default | what it does |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
