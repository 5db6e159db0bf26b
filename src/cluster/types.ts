import type { ActorRef } from '../actor/index.js';
import type {
  AgentId,
  ExecutorId,
  FrameworkId,
  FrameworkInfo,
  Resources,
  StatusUpdate,
  TaskId,
  TaskInfo,
} from '../checkpoint/index.js';

/** What a task runs: an exported function of a module (on the executor's piscina pool), or a shell command. */
export type TaskRun =
  | { readonly kind: 'js'; readonly module: string; readonly export: string; readonly args?: unknown }
  | { readonly kind: 'command'; readonly command: string };

/** A task as a framework describes it in `accept`. */
export interface TaskDescription {
  readonly taskId: TaskId;
  readonly name?: string;
  readonly resources: Resources;
  readonly run: TaskRun;
  /** Tasks naming the same executor share it (one worker, one pool); default: an executor of its own. */
  readonly executor?: { readonly executorId: ExecutorId; readonly isolation?: 'worker' | 'shared' };
}

/** A status update as it travels from an executor to the framework. */
export interface TaskStatus extends StatusUpdate {
  readonly taskId: TaskId;
  readonly frameworkId: FrameworkId;
  readonly agentId?: AgentId;
  readonly executorId?: ExecutorId;
}

export interface Offer {
  readonly offerId: string;
  readonly agentId: AgentId;
  readonly hostname: string;
  readonly resources: Resources;
  /** The part of `resources` reserved to the framework's role (none: all unreserved). */
  readonly reserved?: Resources;
}

export interface FrameworkRegistration {
  readonly info: FrameworkInfo;
  readonly scheduler: ActorRef;
}

export function toTaskInfo(task: TaskDescription): TaskInfo {
  const base = { name: task.name ?? task.taskId, resources: task.resources };
  return task.run.kind === 'js'
    ? { ...base, run: { module: task.run.module, export: task.run.export, args: task.run.args } }
    : { ...base, command: task.run.command };
}

export function fits(need: Resources, free: Resources): boolean {
  return need.cpus <= free.cpus + 1e-9 && need.mem <= free.mem + 1e-9;
}

export function subtract(a: Resources, b: Resources): Resources {
  return { cpus: round(a.cpus - b.cpus), mem: round(a.mem - b.mem) };
}

export function add(a: Resources, b: Resources): Resources {
  return { cpus: round(a.cpus + b.cpus), mem: round(a.mem + b.mem) };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
