import type { ExecutorKind } from '../checkpoint/index.js';
import { type ExecutorId, type FrameworkId, type FrameworkInfo, type Peer, type RunId, type TaskDescription, type TaskPath, type TaskStateName, isTerminal } from '../protocol/index.js';

/**
 * Where an executor is in its life, as its agent sees it. Tasks given to it before it registers
 * wait in `queued`.
 * - `launching`: the host's launcher was asked to start it and has not answered;
 * - `started`: the launcher started it at `address`; it has not registered yet;
 * - `registered`: it registered (or reregistered after a recovery): tasks go straight to it;
 * - `reconnecting`: recovered from the checkpoint at a recorded address, asked to reregister.
 */
export type ExecutorPhase =
  | { readonly kind: 'launching' }
  | { readonly kind: 'started'; readonly address: string }
  | { readonly kind: 'registered'; readonly ref: Peer<'executor'> }
  | { readonly kind: 'reconnecting'; readonly ref: Peer<'executor'> };

export type { ExecutorKind } from '../checkpoint/index.js';

/** An executor as its agent knows it. */
export interface ExecutorEntry {
  readonly key: string;
  readonly frameworkId: FrameworkId;
  readonly executorId: ExecutorId;
  readonly runId: RunId;
  readonly kind: ExecutorKind;
  /** Changed only through `AgentBook.setPhase`, which keeps the address index. */
  readonly phase: ExecutorPhase;
  readonly queued: TaskDescription[];
  readonly taskKeys: Set<string>;
}

/** A task as its agent knows it. */
export interface TaskEntry {
  readonly key: string;
  readonly frameworkId: FrameworkId;
  readonly executorKey: string;
  /** Where the task's records live in the checkpoint. */
  readonly path: TaskPath;
  readonly task: TaskDescription;
  state: TaskStateName;
  /** The uuid of its terminal update, from the agent or the executor: a resend of it is the only later word that is news. */
  terminalUuid?: string;
}

/** The task has ended, or its terminal update is being made durable: nothing may end it again. */
export const hasEnded = (entry: TaskEntry): boolean => entry.terminalUuid !== undefined || isTerminal(entry.state);

/** Task and executor ids are unique per framework only. */
export const keyOf = (frameworkId: FrameworkId, id: string): string => `${frameworkId}/${id}`;

/** The address the executor has or will have, if known. */
export function addressOf(ex: ExecutorEntry): string | undefined {
  return ex.phase.kind === 'launching' ? undefined : ex.phase.kind === 'started' ? ex.phase.address : ex.phase.ref.address;
}

/**
 * The agent's book of frameworks, executors and tasks: the one place they are added and
 * removed, so that an executor's task set and the task table never disagree.
 */
export class AgentBook {
  private readonly frameworkInfos = new Map<FrameworkId, FrameworkInfo>();
  private readonly executorsByKey = new Map<string, ExecutorEntry>();
  private readonly tasksByKey = new Map<string, TaskEntry>();
  /** Executors registered or being reconnected, by the address they are reached at. */
  private readonly byAddress = new Map<string, ExecutorEntry>();
  /** Executors and tasks each framework has here; at zero the framework is forgotten. */
  private readonly holdings = new Map<FrameworkId, number>();

  addFramework(frameworkId: FrameworkId, info: FrameworkInfo): void {
    this.frameworkInfos.set(frameworkId, info);
  }

  framework(frameworkId: FrameworkId): FrameworkInfo | undefined {
    return this.frameworkInfos.get(frameworkId);
  }

  frameworks(): IterableIterator<[FrameworkId, FrameworkInfo]> {
    return this.frameworkInfos.entries();
  }

  checkpointing(frameworkId: FrameworkId): boolean {
    return this.frameworkInfos.get(frameworkId)?.checkpoint === true;
  }

  partitionAware(frameworkId: FrameworkId): boolean {
    return this.frameworkInfos.get(frameworkId)?.partitionAware === true;
  }

  addExecutor(ex: Omit<ExecutorEntry, 'key' | 'queued' | 'taskKeys'>): ExecutorEntry {
    const entry: ExecutorEntry = { ...ex, key: keyOf(ex.frameworkId, ex.executorId), queued: [], taskKeys: new Set() };
    this.executorsByKey.set(entry.key, entry);
    this.hold(ex.frameworkId, 1);
    this.index(entry);
    return entry;
  }

  setPhase(ex: ExecutorEntry, phase: ExecutorPhase): void {
    this.unindex(ex);
    (ex as { phase: ExecutorPhase }).phase = phase;
    if (this.executorsByKey.get(ex.key) === ex) this.index(ex);
  }

  executor(frameworkId: FrameworkId, executorId: ExecutorId): ExecutorEntry | undefined {
    return this.executorsByKey.get(keyOf(frameworkId, executorId));
  }

  executorByKey(key: string): ExecutorEntry | undefined {
    return this.executorsByKey.get(key);
  }

  /** The executor now reached at `address` (registered or being reconnected). */
  executorAt(address: string): ExecutorEntry | undefined {
    return this.byAddress.get(address);
  }

  executors(): IterableIterator<ExecutorEntry> {
    return this.executorsByKey.values();
  }

  /** Forgets an executor (its tasks stay until their updates are acknowledged). A framework with nothing left here is forgotten too. */
  removeExecutor(ex: ExecutorEntry): void {
    if (this.executorsByKey.get(ex.key) !== ex) return;
    this.executorsByKey.delete(ex.key);
    this.unindex(ex);
    this.hold(ex.frameworkId, -1);
  }

  addTask(ex: ExecutorEntry, task: Omit<TaskEntry, 'key' | 'executorKey' | 'frameworkId'>): TaskEntry {
    const entry: TaskEntry = { ...task, key: keyOf(ex.frameworkId, task.task.taskId), frameworkId: ex.frameworkId, executorKey: ex.key };
    this.tasksByKey.set(entry.key, entry);
    ex.taskKeys.add(entry.key);
    this.hold(ex.frameworkId, 1);
    return entry;
  }

  task(frameworkId: FrameworkId, taskId: string): TaskEntry | undefined {
    return this.tasksByKey.get(keyOf(frameworkId, taskId));
  }

  tasks(): IterableIterator<TaskEntry> {
    return this.tasksByKey.values();
  }

  tasksOf(ex: ExecutorEntry): TaskEntry[] {
    return [...ex.taskKeys].flatMap((key) => {
      const task = this.tasksByKey.get(key);
      return task === undefined ? [] : [task];
    });
  }

  executorOf(task: TaskEntry): ExecutorEntry | undefined {
    return this.executorsByKey.get(task.executorKey);
  }

  /** Forgets a task whose terminal update was acknowledged. */
  removeTask(task: TaskEntry): void {
    if (this.tasksByKey.get(task.key) !== task) return;
    this.tasksByKey.delete(task.key);
    this.executorsByKey.get(task.executorKey)?.taskKeys.delete(task.key);
    this.hold(task.frameworkId, -1);
  }

  get taskCount(): number {
    return this.tasksByKey.size;
  }

  private hold(frameworkId: FrameworkId, change: number): void {
    const left = (this.holdings.get(frameworkId) ?? 0) + change;
    if (left > 0) {
      this.holdings.set(frameworkId, left);
      return;
    }
    this.holdings.delete(frameworkId);
    this.frameworkInfos.delete(frameworkId);
  }

  private index(ex: ExecutorEntry): void {
    if (ex.phase.kind === 'registered' || ex.phase.kind === 'reconnecting') this.byAddress.set(ex.phase.ref.address, ex);
  }

  private unindex(ex: ExecutorEntry): void {
    const address = ex.phase.kind === 'registered' || ex.phase.kind === 'reconnecting' ? ex.phase.ref.address : undefined;
    if (address !== undefined && this.byAddress.get(address) === ex) this.byAddress.delete(address);
  }
}
