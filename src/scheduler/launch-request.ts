import * as v from 'valibot';
import { canEncode } from '../actor/index.js';
import { cut } from '../actor/errors.js';
import { ProtocolError, type Resources, TaskDescriptionSchema, type TaskDescription, fits } from '../protocol/index.js';

/** A task to launch: its resources, what it runs, and optionally its id, name and executor. */
export interface LaunchRequest {
  readonly cpus: number;
  readonly mem: number;
  readonly run: TaskDescription['run'];
  readonly taskId?: string;
  readonly name?: string;
  /** None: the framework's default executor on the agent (shared by such tasks). See `TaskDescription.executor`. */
  readonly executor?: { readonly executorId?: string; readonly isolation?: 'worker' | 'shared' };
}

let taskCounter = 0;

const LaunchRequestSchema = v.strictObject({
  cpus: v.number(),
  mem: v.number(),
  run: v.unknown(),
  taskId: v.optional(v.unknown()),
  name: v.optional(v.unknown()),
  executor: v.optional(v.unknown()),
});

/**
 * The task a launch request describes, checked as the master will check it, and against the
 * agents' totals (`agentTotals`, none known: not checked): `ERR_INVALID_TASK` naming the field.
 */
export function describeLaunch(request: LaunchRequest, agentTotals: readonly Resources[]): TaskDescription {
  const shape = readSafely(() => v.safeParse(LaunchRequestSchema, request));
  if (!shape.success) throw invalid(shape.issues);
  const { cpus, mem, run, taskId, name, executor } = request;
  const task = {
    taskId: taskId ?? `task-${++taskCounter}`,
    resources: { cpus, mem },
    run,
    ...(name === undefined ? {} : { name }),
    ...(executor === undefined ? {} : { executor }),
  } as TaskDescription;
  checkTask(task);
  if (agentTotals.length > 0 && !agentTotals.some((total) => fits(task.resources, total))) {
    const listed = agentTotals.map((t) => `cpus ${t.cpus}, mem ${t.mem}`).join('; ');
    const field = cpus <= Math.max(...agentTotals.map((t) => t.cpus)) ? 'mem' : 'cpus';
    throw new ProtocolError('ERR_INVALID_TASK', field, `task needs cpus ${cpus}, mem ${mem}: more than any agent has (agents: ${listed})`);
  }
  return task;
}

export function executorIdOf(task: TaskDescription): string {
  if (task.executor === undefined) return 'default';
  return task.executor.executorId ?? task.taskId;
}

/** Checks a task as the master will, and that it can cross to the master's thread: `ERR_INVALID_TASK` naming the field. */
export function checkTask(task: TaskDescription): void {
  const parsed = readSafely(() => v.safeParse(TaskDescriptionSchema, task));
  if (!parsed.success) throw invalid(parsed.issues);
  const encodable = canEncode(task);
  if (encodable !== null) {
    const field = task.run.kind === 'js' && canEncode(task.run.args) !== null ? 'run.args' : 'task';
    throw new ProtocolError('ERR_INVALID_TASK', field, `${field} cannot be sent to another thread: ${encodable.message}`);
  }
}

/** A value whose getters or proxy traps throw is refused like any other bad task, not with its own error. */
function readSafely<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new ProtocolError('ERR_INVALID_TASK', '', `the task cannot be read: ${cut(error instanceof Error ? error.message : String(error))}`);
  }
}

/** A launch field's name as the caller wrote it (`cpus`, not `resources.cpus`). */
function invalid(issues: readonly v.BaseIssue<unknown>[]): ProtocolError {
  const first = issues[0]!;
  const path = (v.getDotPath(first) ?? 'task').replace(/^resources\./, '');
  // An issue quotes the value it is about: cut, so that a huge value cannot make a huge error.
  const detail = issues.slice(0, 10).map((issue) => cut(`${(v.getDotPath(issue) ?? 'task').replace(/^resources\./, '')}: ${issue.message}`)).join('; ');
  return new ProtocolError('ERR_INVALID_TASK', path, `invalid task: ${detail}`);
}
