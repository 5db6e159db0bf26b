import type { AgentId, ExecutorId, FrameworkId, RunId, TaskId } from './ids.js';
import type { AgentInfo, ExecutorInfo, ExecutorPid, FrameworkInfo, Reservations, StatusUpdate, TaskInfo } from './records.js';

/**
 * The recovered checkpoint as a tree, like Mesos's slave/state.hpp:
 * State → Agent → Framework → Executor → Run → Task. An `info` that is undefined was missing
 * from disk (a warning says when and why that can happen); `errors` counts records skipped as
 * corrupt (only with `strict: false`; with `strict: true` the first one throws).
 */
export interface CheckpointState {
  readonly bootId: string | undefined;
  /** The agent's checkpointed resources: its reservations; they outlive a reboot. */
  readonly reservations: Reservations | undefined;
  readonly agent: AgentState | undefined;
  /** Records read, including skipped ones. */
  readonly records: number;
  readonly errors: number;
  /**
   * With `strict: false`: the key prefixes of what was skipped (a skipped record's task, run,
   * executor, framework or agent directory, or the record alone). They stay on disk until
   * removed (`CheckpointStore.removeSkipped`), which the agent does before it registers: else a
   * later write (a framework's info written again by its next launch) would bring them back.
   */
  readonly skipped: readonly string[];
  readonly warnings: readonly string[];
}

export interface AgentState {
  readonly id: AgentId;
  readonly info: AgentInfo | undefined;
  readonly frameworks: ReadonlyMap<FrameworkId, FrameworkState>;
}

export interface FrameworkState {
  readonly id: FrameworkId;
  readonly info: FrameworkInfo | undefined;
  readonly schedulerAddress: string | undefined;
  readonly executors: ReadonlyMap<ExecutorId, ExecutorState>;
}

export interface ExecutorState {
  readonly id: ExecutorId;
  readonly info: ExecutorInfo | undefined;
  /** The run `runs/latest` names, if it has records; undefined if dangling or missing. */
  readonly latestRunId: RunId | undefined;
  readonly runs: ReadonlyMap<RunId, RunState>;
}

export interface RunState {
  readonly id: RunId;
  /** The executor's worker; null if the run was checkpointed before the worker started. */
  readonly pid: ExecutorPid | null | undefined;
  /** The executor.sentinel exists: the executor terminated and the agent knew it. */
  readonly completed: boolean;
  readonly tasks: ReadonlyMap<TaskId, TaskState>;
}

export interface TaskState {
  readonly id: TaskId;
  readonly info: TaskInfo | undefined;
  /** Updates in stream order. */
  readonly updates: readonly StatusUpdate[];
  /** uuids of acknowledged updates. */
  readonly acks: ReadonlySet<string>;
  /** The sequence number the stream's next record takes. */
  readonly nextSeq: number;
}
