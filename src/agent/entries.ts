import type { ActorRef } from '../actor/index.js';
import type { AgentId, ExecutorId, FrameworkId, RunId, RunPath, TaskPath, TaskStateName } from '../checkpoint/index.js';
import type { TaskDescription } from '../cluster/types.js';
import type { ExecutorMsg } from '../executor/messages.js';

/** An executor as its agent knows it. */
export interface ExecutorEntry {
  readonly frameworkId: FrameworkId;
  readonly executorId: ExecutorId;
  readonly runId: RunId;
  readonly commandExecutor: boolean;
  /** Where the launcher started it; null until it answers (or when never recorded). */
  address: string | null;
  ref: ActorRef<ExecutorMsg> | null;
  /** Tasks waiting for the executor to register. */
  readonly queued: TaskDescription[];
  readonly taskKeys: Set<string>;
}

/** A task as its agent knows it. */
export interface TaskEntry {
  readonly frameworkId: FrameworkId;
  readonly executorKey: string;
  /** Where the task's records live in the checkpoint. */
  readonly path: TaskPath;
  readonly task: TaskDescription;
  state: TaskStateName;
}

/** Task and executor ids are unique per framework only. */
export const keyOf = (frameworkId: FrameworkId, id: string): string => `${frameworkId}/${id}`;

/** Where an executor run's records live in the checkpoint. */
export const runPathOf = (agentId: AgentId, ex: ExecutorEntry): RunPath => ({ agentId, frameworkId: ex.frameworkId, executorId: ex.executorId, runId: ex.runId });
