import type {
  AgentId,
  CheckpointState,
  ExecutorId,
  FrameworkId,
  FrameworkInfo,
  RunId,
  TaskInfo,
  TaskPath,
  TaskStateName,
} from '../checkpoint/index.js';
import type { TaskDescription, TaskStatus } from '../cluster/types.js';

/** What a restarted agent takes back from its checkpoint (Mesos: slave/state.hpp → Slave::recover). */
export interface RecoveredAgent {
  readonly agentId: AgentId;
  readonly frameworks: ReadonlyMap<FrameworkId, FrameworkInfo>;
  readonly executors: readonly RecoveredExecutor[];
}

export interface RecoveredExecutor {
  readonly frameworkId: FrameworkId;
  readonly executorId: ExecutorId;
  readonly runId: RunId;
  /** Where to reconnect; undefined if the executor's worker was never recorded as started. */
  readonly address: string | undefined;
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

export type RecoveryDecision =
  | { readonly kind: 'fresh'; readonly why: string }
  | { readonly kind: 'recover'; readonly agent: RecoveredAgent };

/**
 * Decides from a checkpoint whether the agent resumes as itself and what it resumes. A host
 * that rebooted (boot id changed) has no executors left; a checkpoint without an agent is a
 * fresh host. Executors whose latest run completed, or that have no `latest` run, are skipped.
 */
export function decideRecovery(state: CheckpointState, bootId: string): RecoveryDecision {
  if (state.agent === undefined) return { kind: 'fresh', why: 'no agent in the checkpoint' };
  if (state.bootId !== undefined && state.bootId !== bootId) return { kind: 'fresh', why: 'the host rebooted' };
  const frameworks = new Map<FrameworkId, FrameworkInfo>();
  const executors: RecoveredExecutor[] = [];
  for (const framework of state.agent.frameworks.values()) {
    if (framework.info === undefined) continue;
    frameworks.set(framework.id, framework.info);
    for (const executor of framework.executors.values()) {
      const run = executor.latestRunId === undefined ? undefined : executor.runs.get(executor.latestRunId);
      if (run === undefined || run.completed) continue;
      const tasks: RecoveredTask[] = [];
      for (const task of run.tasks.values()) {
        if (task.info === undefined) continue;
        const updates = task.updates as TaskStatus[];
        tasks.push({
          path: { agentId: state.agent.id, frameworkId: framework.id, executorId: executor.id, runId: run.id, taskId: task.id },
          task: describe(task.id, task.info, executor.id),
          state: updates.at(-1)?.state ?? 'TASK_STAGING',
          updates,
          acks: task.acks,
          nextSeq: task.nextSeq,
        });
      }
      executors.push({ frameworkId: framework.id, executorId: executor.id, runId: run.id, address: run.pid?.address, tasks });
    }
  }
  return { kind: 'recover', agent: { agentId: state.agent.id, frameworks, executors } };
}

function describe(taskId: TaskPath['taskId'], info: TaskInfo, executorId: ExecutorId): TaskDescription {
  const run: TaskDescription['run'] =
    info.run !== undefined ? { kind: 'js', module: info.run.module, export: info.run.export, args: info.run.args } : { kind: 'command', command: info.command ?? 'true' };
  return {
    taskId,
    name: info.name,
    resources: info.resources,
    run,
    ...(executorId.startsWith('command-') ? {} : { executor: { executorId } }),
  };
}
