import * as v from 'valibot';

/** States a task does not leave. */
const ENDED = [
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
] as const;

/**
 * Task states, as Mesos's v1 API names them: live ones, ended ones, and the two a task is in
 * while nobody can tell (UNREACHABLE, UNKNOWN): not terminal, since its agent may come back.
 */
export const TASK_STATES = ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', ...ENDED, 'TASK_UNREACHABLE', 'TASK_UNKNOWN'] as const;
export const TaskStateSchema = v.picklist(TASK_STATES);
export type TaskStateName = v.InferOutput<typeof TaskStateSchema>;

export const TERMINAL_STATES: ReadonlySet<TaskStateName> = new Set<TaskStateName>(ENDED);

export const isTerminal = (state: TaskStateName): boolean => TERMINAL_STATES.has(state);

/** Who produced a status update (Mesos v1 TaskStatus.Source). */
export const SourceSchema = v.picklist(['SOURCE_MASTER', 'SOURCE_AGENT', 'SOURCE_EXECUTOR']);
export type Source = v.InferOutput<typeof SourceSchema>;

/**
 * Why a task is in its state (Mesos v1 TaskStatus.Reason), the ones mesolith produces. v0's
 * REASON_SLAVE_* names are v1's REASON_AGENT_*; the old names are read back from checkpoints
 * written before the rename (`reasonFromCheckpoint`) and accepted nowhere else.
 */
export const REASONS = [
  'REASON_AGENT_DISCONNECTED',
  'REASON_AGENT_REMOVED',
  'REASON_AGENT_REMOVED_BY_OPERATOR',
  'REASON_AGENT_REREGISTERED',
  'REASON_AGENT_RESTARTED',
  'REASON_AGENT_UNKNOWN',
  'REASON_COMMAND_EXECUTOR_FAILED',
  'REASON_CONTAINER_LAUNCH_FAILED',
  'REASON_EXECUTOR_REGISTRATION_TIMEOUT',
  'REASON_EXECUTOR_REREGISTRATION_TIMEOUT',
  'REASON_EXECUTOR_TERMINATED',
  'REASON_EXECUTOR_UNREGISTERED',
  'REASON_FRAMEWORK_REMOVED',
  'REASON_INVALID_FRAMEWORKID',
  'REASON_INVALID_OFFERS',
  'REASON_MASTER_DISCONNECTED',
  'REASON_RECONCILIATION',
  'REASON_RESOURCES_UNKNOWN',
  'REASON_TASK_INVALID',
  'REASON_TASK_KILLED_DURING_LAUNCH',
  'REASON_TASK_UNKNOWN',
] as const;
export const ReasonSchema = v.picklist(REASONS);
export type Reason = v.InferOutput<typeof ReasonSchema>;

const V0_NAMES: Readonly<Record<string, Reason>> = {
  REASON_SLAVE_DISCONNECTED: 'REASON_AGENT_DISCONNECTED',
  REASON_SLAVE_REMOVED: 'REASON_AGENT_REMOVED',
  REASON_SLAVE_REMOVED_BY_OPERATOR: 'REASON_AGENT_REMOVED_BY_OPERATOR',
  REASON_SLAVE_REREGISTERED: 'REASON_AGENT_REREGISTERED',
  REASON_SLAVE_RESTARTED: 'REASON_AGENT_RESTARTED',
  REASON_SLAVE_UNKNOWN: 'REASON_AGENT_UNKNOWN',
};

/** A reason as stored by any version: v0 names become v1 names; one this build does not know is dropped. */
export function reasonFromCheckpoint(stored: unknown): Reason | undefined {
  if (typeof stored !== 'string') return undefined;
  if ((REASONS as readonly string[]).includes(stored)) return stored as Reason;
  return V0_NAMES[stored];
}
