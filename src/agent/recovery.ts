import { type CheckpointState, type ExecutorKind, type ExecutorPid, type ExecutorState, type StatusUpdate, type TaskInfo, isTaskFinished } from '../checkpoint/index.js';
import {
  type AgentId,
  type AgentInfo,
  type ExecutorId,
  type FrameworkId,
  type FrameworkInfo,
  type Reservations,
  type Resources,
  type RunId,
  type TaskDescription,
  type TaskPath,
  type TaskStateName,
  type TaskStatus,
  TaskStateSchema,
  reasonFromCheckpoint,
} from '../protocol/index.js';

/** What a restarted agent takes back from its checkpoint (Mesos: slave/state.hpp → Slave::recover). */
export interface RecoveredAgent {
  readonly agentId: AgentId;
  /** The host rebooted since the checkpoint: every executor is gone; none is reconnected. */
  readonly rebooted: boolean;
  readonly frameworks: ReadonlyMap<FrameworkId, FrameworkInfo>;
  readonly executors: readonly RecoveredExecutor[];
  /** Executors with no `latest` run (it was deleted, or names a run with no records): they cannot be resumed, and are garbage-collected. */
  readonly orphans: readonly { readonly frameworkId: FrameworkId; readonly executorId: ExecutorId }[];
}

export interface RecoveredExecutor {
  readonly frameworkId: FrameworkId;
  readonly executorId: ExecutorId;
  readonly runId: RunId;
  readonly kind: ExecutorKind;
  /** Where to reconnect; undefined if the executor cannot be reached (`gone` says why). */
  readonly address: string | undefined;
  readonly gone: string;
  /** The run ended before the checkpoint (its sentinel exists): only its unacknowledged updates matter. */
  readonly completed: boolean;
  readonly tasks: readonly RecoveredTask[];
}

export interface RecoveredTask {
  readonly path: TaskPath;
  readonly task: TaskDescription;
  readonly state: TaskStateName;
  readonly updates: readonly TaskStatus[];
  readonly acks: ReadonlySet<string>;
  readonly nextSeq: number;
}

export type ReconfigurationPolicy = 'equal' | 'additive';

export type RecoveryDecision =
  /** `startOver`: the checkpoint holds an agent this host must not resume (rebooted with incompatible info); it is forgotten first. */
  | { readonly kind: 'fresh'; readonly why: string; readonly startOver?: boolean }
  | { readonly kind: 'recover'; readonly agent: RecoveredAgent };

/** Why a restarted agent refuses to start: its checkpoint and its configuration disagree. */
export class IncompatibleAgentError extends Error {
  readonly code = 'ERR_AGENT_INCOMPATIBLE';
  constructor(message: string) {
    super(message);
    this.name = 'IncompatibleAgentError';
  }
}

/**
 * What changed between the checkpointed agent info and the configured one that the policy does
 * not allow; empty when compatible. `equal`: nothing may change. `additive` (Mesos's
 * reconfiguration_policy): resources may only grow and attributes may only be added.
 */
export function incompatibilities(before: AgentInfo, now: AgentInfo, policy: ReconfigurationPolicy): string[] {
  const problems: string[] = [];
  for (const key of ['cpus', 'mem'] as const) {
    const was = before.resources[key];
    const is = now.resources[key];
    if (is === was) continue;
    if (policy === 'equal' || is < was) problems.push(`${key} ${was} → ${is}`);
  }
  for (const [name, value] of Object.entries(before.attributes)) {
    if (now.attributes[name] !== value) problems.push(`attribute ${name}: ${value} → ${now.attributes[name] ?? '(removed)'}`);
  }
  if (policy === 'equal') {
    for (const name of Object.keys(now.attributes)) if (!(name in before.attributes)) problems.push(`attribute ${name} added`);
  }
  return problems;
}

/**
 * Why a recorded executor cannot be reconnected to, or undefined if it may still be there. After
 * a reboot its recorded address may name another actor now (Mesos: a reused pid), so it is not contacted.
 */
function whyGone(rebooted: boolean, completed: boolean, pid: ExecutorPid | null | undefined): string | undefined {
  if (rebooted) return 'the host rebooted: the executor is gone';
  if (completed) return 'the executor had terminated';
  if (pid?.address === undefined) return 'the executor was never recorded as started';
  return undefined;
}

/**
 * Decides from a checkpoint whether the agent resumes as itself and what it resumes
 * (DESIGN.md §3). No agent in the checkpoint: a fresh host. Agent info changed beyond the
 * policy: after a reboot the agent starts as a new agent; without one, recovery fails (the
 * operator must drain the agent and remove its work dir). A reboot with compatible info keeps
 * the agent id but no executor. Executors without a `latest` run cannot be resumed (`orphans`,
 * garbage-collected); a completed run is kept only while it has updates not yet acknowledged
 * (they are resent).
 */
export function decideRecovery(state: CheckpointState, bootId: string, info: AgentInfo, policy: ReconfigurationPolicy): RecoveryDecision {
  checkReservations(state.reservations ?? {}, info.resources);
  if (state.agent === undefined) return { kind: 'fresh', why: 'no agent in the checkpoint' };
  const rebooted = state.bootId !== undefined && state.bootId !== bootId;
  const problems = state.agent.info === undefined ? [] : incompatibilities(state.agent.info, info, policy);
  if (problems.length > 0) {
    if (rebooted) return { kind: 'fresh', why: `the host rebooted with an incompatible agent info (${problems.join(', ')})`, startOver: true };
    throw new IncompatibleAgentError(
      `agent ${state.agent.id} cannot recover: its configuration changed incompatibly under the '${policy}' reconfiguration policy (${problems.join(', ')}). ` +
        `Drain the agent (kill or move its tasks), then delete its work dir to start it as a new agent, or restart it with its previous configuration.`,
    );
  }
  const frameworks = new Map<FrameworkId, FrameworkInfo>();
  const executors: RecoveredExecutor[] = [];
  const orphans: RecoveredAgent['orphans'][number][] = [];
  for (const framework of state.agent.frameworks.values()) {
    if (framework.info === undefined) continue;
    frameworks.set(framework.id, framework.info);
    for (const executor of framework.executors.values()) {
      const run = executor.latestRunId === undefined ? undefined : executor.runs.get(executor.latestRunId);
      if (run === undefined) {
        orphans.push({ frameworkId: framework.id, executorId: executor.id });
        continue;
      }
      const tasks: RecoveredTask[] = [];
      for (const task of run.tasks.values()) {
        if (task.info === undefined) continue;
        const path = { agentId: state.agent.id, frameworkId: framework.id, executorId: executor.id, runId: run.id, taskId: task.id };
        const updates = task.updates.flatMap((update) => statusFromCheckpoint(update, path));
        tasks.push({
          path,
          task: describe(task.id, task.info, executor.id, kindOf(executor)),
          state: updates.at(-1)?.state ?? 'TASK_STAGING',
          updates,
          acks: task.acks,
          nextSeq: task.nextSeq,
        });
      }
      // A completed run is recovered only for what it still owes the framework: a task not
      // finished (its terminal update missing or not acknowledged) is ended again.
      if (run.completed && [...run.tasks.values()].every(isTaskFinished)) continue;
      const gone = whyGone(rebooted, run.completed, run.pid);
      executors.push({
        frameworkId: framework.id,
        executorId: executor.id,
        runId: run.id,
        kind: kindOf(executor),
        address: gone === undefined ? run.pid?.address : undefined,
        gone: gone ?? '',
        completed: run.completed,
        tasks,
      });
    }
  }
  return { kind: 'recover', agent: { agentId: state.agent.id, rebooted, frameworks, executors, orphans } };
}

/**
 * Checkpointed resources (reservations) must fit the configured resources, reboot or not
 * (Mesos: incompatible checkpointed resources fail recovery; there is no fallback to a new agent).
 */
function checkReservations(reservations: Reservations, configured: Resources): void {
  let needed: Resources = { cpus: 0, mem: 0 };
  for (const reserved of Object.values(reservations)) needed = { cpus: needed.cpus + reserved.cpus, mem: needed.mem + reserved.mem };
  if (needed.cpus <= configured.cpus + 1e-9 && needed.mem <= configured.mem + 1e-9) return;
  const listed = Object.entries(reservations).map(([role, r]) => `${role}: cpus ${r.cpus}, mem ${r.mem}`).join('; ');
  throw new IncompatibleAgentError(
    `the agent's checkpointed resources do not fit its configured resources: reservations (${listed}) need cpus ${needed.cpus}, mem ${needed.mem}; ` +
      `configured are cpus ${configured.cpus}, mem ${configured.mem}. Reservations outlive a reboot. Restart the agent with enough resources and unreserve, ` +
      `or delete its work dir to start it as a new agent without them.`,
  );
}

/** Executor infos written before `kind` existed: a `command-` id was a task's own executor. */
function kindOf(executor: ExecutorState): ExecutorKind {
  return executor.info?.kind ?? (executor.id.startsWith('command-') ? 'task' : 'custom');
}

/** A stored update as a status: its ids from its key, v0 reason names read as v1; one with a state this build does not know is dropped. */
function statusFromCheckpoint(update: StatusUpdate, path: TaskPath): TaskStatus[] {
  if (!TaskStateSchema.options.includes(update.state)) return [];
  const reason = reasonFromCheckpoint(update.reason);
  const executorId = (update as { executorId?: unknown }).executorId;
  return [
    {
      taskId: path.taskId,
      frameworkId: path.frameworkId,
      executorId: typeof executorId === 'string' ? (executorId as ExecutorId) : path.executorId,
      uuid: update.uuid,
      state: update.state,
      timestamp: update.timestamp,
      ...(update.source === undefined ? {} : { source: update.source }),
      ...(reason === undefined ? {} : { reason }),
      ...(update.message === undefined ? {} : { message: update.message }),
      ...(update.data === undefined ? {} : { data: update.data }),
    },
  ];
}

function describe(taskId: TaskPath['taskId'], info: TaskInfo, executorId: ExecutorId, kind: ExecutorKind): TaskDescription {
  const run: TaskDescription['run'] =
    info.run !== undefined ? { kind: 'js', module: info.run.module, export: info.run.export, args: info.run.args } : { kind: 'command', command: info.command ?? 'true' };
  const executor = kind === 'default' ? {} : kind === 'task' ? { executor: {} } : { executor: { executorId } };
  return { taskId, name: info.name, resources: info.resources as TaskDescription['resources'], run, ...executor };
}
