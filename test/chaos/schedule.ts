import type { AgentFlags } from '../../src/index.js';
import { Prng } from './prng.js';

/** The faults of an in-process run. `kill-9` (the whole process) exists only in process mode. */
export const FAULT_KINDS = [
  'agent-crash',
  'agent-crash-mid-checkpoint',
  'agent-crash-mid-recovery',
  'agent-restart-flags',
  'host-reboot',
  'executor-crash',
  'master-crash',
  'master-restart',
  'drop-messages',
  'agent-pause',
  'corrupt-record',
  'recovery-timeout',
  'disk-fill',
  'disk-free',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number] | 'kill-9';

/** How often each kind is drawn. `disk-fill` and `disk-free` share one weight: the disk is filled when empty and freed when full. */
const WEIGHTS: Readonly<Record<Exclude<FaultKind, 'disk-free' | 'kill-9'>, number>> = {
  'agent-crash': 12,
  'agent-crash-mid-checkpoint': 8,
  'agent-crash-mid-recovery': 5,
  'agent-restart-flags': 4,
  'host-reboot': 3,
  'executor-crash': 10,
  'master-crash': 5,
  'master-restart': 3,
  'drop-messages': 24,
  'agent-pause': 3,
  'corrupt-record': 3,
  'recovery-timeout': 2,
  'disk-fill': 8,
};

/**
 * Messages whose loss the cluster is built to heal (resends, retries, timeouts, reconciliation).
 * Not among them, on purpose: `agent.run_task` (the master then holds the task as staging until
 * the agent reregisters, as Mesos does), `agent.executor_update` (an executor hands its updates
 * over on the same thread pair and resends them only when its agent asks), `scheduler.registered`
 * (a framework's subscription to a new master then times out).
 */
export const DROPPABLE = [
  'master.status_update',
  'scheduler.update',
  'master.acknowledge',
  'agent.status_update_ack',
  'executor.ack',
  'agent.kill_task',
  'launcher.launch',
  'agent.register_executor',
  'agent.reregister_executor',
  'executor.reconnect',
  'master.agent_recovering',
  'agent.reregistered',
] as const;

/** Flag changes of `agent-restart-flags` (`strict` is not among them: a record left corrupt would then stop the agent, as it should). */
export const FLAG_CHANGES: readonly AgentFlags[] = [
  {},
  { statusUpdateRetry: { initialMs: 100, maxMs: 1_000 } },
  { statusUpdateRetry: { initialMs: 400, maxMs: 2_000 } },
  { executorReregistrationTimeoutMs: 5_000 },
  { executorReregistrationTimeoutMs: 3_000 },
  { executorReregistrationRetryIntervalMs: 250 },
  { executorShutdownGracePeriodMs: 200 },
  { executorShutdownGracePeriodMs: 1_000 },
  { gcDelayMs: 500 },
  { gcDelayMs: 5_000 },
];

/** Which record `corrupt-record` damages, and how. */
export const CORRUPTIBLE = ['task.updates', 'task.info', 'pid', 'executor.info', 'framework.info'] as const;
export type Corruptible = (typeof CORRUPTIBLE)[number];

/**
 * One fault of the schedule. It fires once the run has seen `at` task completions (the sum of
 * the gaps before it, so a subset of a schedule keeps each fault's moment) and the fault
 * before it is done. `target` is an agent by index; `pick` chooses among what is there when the
 * fault fires (an executor, a record); the rest are the kind's own choices.
 */
export interface Fault {
  readonly index: number;
  readonly kind: FaultKind;
  readonly at: number;
  readonly target: number;
  readonly pick: number;
  /** drop-messages */
  readonly message?: (typeof DROPPABLE)[number];
  readonly count?: number;
  /** agent-restart-flags */
  readonly flags?: AgentFlags;
  /** agent-crash-mid-checkpoint: crash on the agent's next launch, or on its next update at a framework */
  readonly during?: 'launch' | 'update';
  /** agent-crash-mid-recovery: how long after the supervisor restarted the agent; master-crash: how long the master is down */
  readonly delayMs?: number;
  /** corrupt-record */
  readonly record?: Corruptible;
  readonly damage?: 'flip' | 'truncate';
}

export interface ScheduleOptions {
  readonly seed: number;
  readonly faults: number;
  readonly agents: number;
  /** Kinds left out of the schedule (named switches, each documented in RELIABILITY.md). */
  readonly without?: readonly FaultKind[];
  /** Only these kinds (to reproduce one fault's effect). */
  readonly only?: readonly FaultKind[];
  /** Most task completions between two faults. */
  readonly maxGap?: number;
}

/** The schedule of a seed: the same seed and options give the same faults, targets and gaps. */
export function schedule(options: ScheduleOptions): Fault[] {
  const prng = new Prng(options.seed, 'schedule');
  const weights: Record<string, number> = { ...WEIGHTS };
  const weightOf = (kind: FaultKind) => (kind === 'disk-free' ? 'disk-fill' : kind);
  for (const kind of options.without ?? []) weights[weightOf(kind)] = 0;
  if (options.only !== undefined) for (const kind of Object.keys(weights)) if (!options.only.some((k) => weightOf(k) === kind)) weights[kind] = 0;
  const faults: Fault[] = [];
  let at = 0;
  let diskFull = false;
  for (let index = 0; index < options.faults; index++) {
    at += prng.int(0, options.maxGap ?? 2);
    let kind = prng.weighted(weights) as FaultKind;
    if (kind === 'disk-fill' && diskFull) kind = 'disk-free';
    if (kind === 'disk-fill' || kind === 'disk-free') diskFull = kind === 'disk-fill';
    const base = { index, kind, at, target: prng.int(0, options.agents - 1), pick: prng.int(0, 1_000_000) };
    faults.push({ ...base, ...details(kind, prng) });
  }
  return faults;
}

function details(kind: FaultKind, prng: Prng): Partial<Fault> {
  switch (kind) {
    case 'drop-messages':
      return { message: prng.pick(DROPPABLE), count: prng.int(1, 3) };
    case 'agent-restart-flags':
      return { flags: prng.pick(FLAG_CHANGES) };
    case 'agent-crash-mid-checkpoint':
      return { during: prng.pick(['launch', 'update'] as const) };
    case 'agent-crash-mid-recovery':
      return { delayMs: prng.pick([0, 5, 20, 60, 150]) };
    case 'master-crash':
      return { delayMs: prng.pick([0, 50, 200, 500]) };
    case 'agent-pause':
      // Fewer pings than the master's limit: missed pings only; as many or more: unreachable.
      return { count: prng.int(2, 5) };
    case 'corrupt-record':
      return { record: prng.weighted<Corruptible>({ 'task.updates': 4, 'task.info': 3, pid: 1, 'executor.info': 1, 'framework.info': 1 }), damage: prng.pick(['flip', 'truncate'] as const) };
    default:
      return {};
  }
}

/** A fault as one line, for the shortest failing sequence. */
export function describeFault(fault: Fault): string {
  const extra = [
    fault.message && `${fault.message}×${fault.count}`,
    fault.kind === 'agent-pause' && `${fault.count} pings`,
    fault.flags && JSON.stringify(fault.flags),
    fault.during && `during ${fault.during}`,
    fault.delayMs !== undefined && `${fault.delayMs} ms`,
    fault.record && `${fault.record} ${fault.damage}`,
  ].filter(Boolean);
  return `#${fault.index} ${fault.kind} agent[${fault.target}] at ${fault.at} completions${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
}
