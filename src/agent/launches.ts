import { randomUUID } from 'node:crypto';
import type { ActorRef, Timers } from '../actor/index.js';
import { type AgentId, type CheckpointRecord, type ExecutorId, type FrameworkId, type FrameworkInfo, type RunId, TERMINAL_STATES, type TaskStateName } from '../checkpoint/index.js';
import type { LauncherMsg } from '../cluster/launcher-messages.js';
import { type TaskDescription, toTaskInfo } from '../cluster/types.js';
import type { ExecutorMsg } from '../executor/messages.js';
import type { PoolSize } from '../executor/pool-protocol.js';
import { type ExecutorEntry, type TaskEntry, keyOf, runPathOf } from './entries.js';
import type { AgentMsg } from './messages.js';

/** What launching needs from its agent. */
export interface LaunchDeps {
  readonly self: ActorRef;
  readonly hostId: string;
  readonly launcher: ActorRef<LauncherMsg>;
  readonly executors: Map<string, ExecutorEntry>;
  readonly tasks: Map<string, TaskEntry>;
  readonly frameworks: Map<FrameworkId, FrameworkInfo>;
  readonly timers: Timers<AgentMsg>;
  readonly pool: PoolSize;
  readonly recoveryTimeoutMs: number;
  readonly registrationTimeoutMs: number;
  agentId(): AgentId;
  checkpointing(frameworkId: FrameworkId): boolean;
  /** Durable when it resolves. */
  persist(records: CheckpointRecord[]): Promise<void>;
  watch(ref: ActorRef): void;
  taskUpdate(entry: TaskEntry, state: TaskStateName, reason: string, message: string): void;
  executorGone(ex: ExecutorEntry, reason: string, why: string): void;
}

/** How long the host's launcher may take to answer a launch (start a worker, spawn the executor). */
const LAUNCH_ANSWER_TIMEOUT_MS = 60_000;

type RegisterExecutor = Extract<AgentMsg, { type: 'agent.register_executor' }>;
type RegistrationTimeout = Extract<AgentMsg, { type: 'agent.executor_registration_timeout' }>;

/**
 * Task launch on an agent (Mesos: Slave::run → launchExecutor): the executor is started through
 * the host's launcher, tasks wait for it to register, then are handed over. For a checkpointing
 * framework the framework, executor, run and task records are durable *before* the executor is
 * started or given the task, so an agent that dies at any point restarts knowing every executor
 * and task that may exist. An executor that does not register in time is destroyed.
 */
export class Launches {
  constructor(private readonly deps: LaunchDeps) {}

  runTask(frameworkId: FrameworkId, framework: FrameworkInfo, task: TaskDescription): void {
    const { executors, tasks, frameworks } = this.deps;
    frameworks.set(frameworkId, framework);
    const executorId = task.executor?.executorId ?? (`command-${task.taskId}` as ExecutorId);
    const exKey = keyOf(frameworkId, executorId);
    const records: CheckpointRecord[] = [];
    let ex = executors.get(exKey);
    const isNew = ex === undefined;
    if (ex === undefined) {
      ex = { frameworkId, executorId, runId: randomUUID() as RunId, commandExecutor: task.executor === undefined, address: null, ref: null, queued: [], taskKeys: new Set() };
      executors.set(exKey, ex);
      records.push(
        { type: 'framework', agentId: this.deps.agentId(), frameworkId, info: framework },
        { type: 'executor', agentId: this.deps.agentId(), frameworkId, executorId, info: { name: executorId, isolation: task.executor?.isolation ?? 'worker' } },
        { type: 'run', run: runPathOf(this.deps.agentId(), ex), pid: null },
      );
    }
    const key = keyOf(frameworkId, task.taskId);
    const entry: TaskEntry = { frameworkId, executorKey: exKey, path: { ...runPathOf(this.deps.agentId(), ex), taskId: task.taskId }, task, state: 'TASK_STAGING' };
    tasks.set(key, entry);
    ex.taskKeys.add(key);
    records.push({ type: 'task', task: entry.path, info: toTaskInfo(task) });
    const executor = ex;
    const proceed = () => {
      if (isNew) this.launch(executor, task);
      // Killed while its records were being written: it never reaches the executor.
      if (TERMINAL_STATES.has(entry.state)) return;
      if (executor.ref !== null) executor.ref.tell({ type: 'executor.run_task', task });
      else executor.queued.push(task);
    };
    if (!this.deps.checkpointing(frameworkId)) return proceed();
    this.deps.persist(records).then(proceed, (error: unknown) => {
      if (isNew) executors.delete(exKey);
      this.deps.taskUpdate(entry, 'TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', `the task could not be checkpointed: ${String(error)}`);
    });
  }

  /** An executor started by `launch` says it is up. */
  registered(message: RegisterExecutor): void {
    const exKey = keyOf(message.frameworkId, message.executorId);
    const ex = this.deps.executors.get(exKey);
    if (ex === undefined || ex.runId !== message.runId) {
      message.executor.tell({ type: 'executor.shutdown' } satisfies ExecutorMsg);
      return;
    }
    this.deps.timers.cancel(`registration:${exKey}`);
    ex.ref = message.executor as ActorRef<ExecutorMsg>;
    this.deps.watch(ex.ref);
    ex.ref.tell({ type: 'executor.registered' });
    for (const task of ex.queued.splice(0)) ex.ref.tell({ type: 'executor.run_task', task });
  }

  /** Mesos --executor_registration_timeout: an executor still not registered is destroyed. */
  registrationTimeout(message: RegistrationTimeout): void {
    const ex = this.deps.executors.get(keyOf(message.frameworkId, message.executorId));
    if (ex === undefined || ex.runId !== message.runId || ex.ref !== null) return;
    if (ex.address !== null) this.deps.launcher.tell({ type: 'launcher.destroy', address: ex.address });
    this.deps.executorGone(ex, 'REASON_EXECUTOR_REGISTRATION_TIMEOUT', `executor ${ex.executorId} did not register within ${this.deps.registrationTimeoutMs} ms`);
  }

  private launch(ex: ExecutorEntry, task: TaskDescription): void {
    const { frameworkId, executorId, runId } = ex;
    const exKey = keyOf(frameworkId, executorId);
    const checkpoint = this.deps.checkpointing(frameworkId);
    this.deps.timers.once(`registration:${exKey}`, this.deps.registrationTimeoutMs, { type: 'agent.executor_registration_timeout', frameworkId, executorId, runId });
    this.deps.launcher
      .ask<string>(
        {
          type: 'launcher.launch',
          hostId: this.deps.hostId,
          isolation: task.executor?.isolation ?? 'worker',
          args: { agent: this.deps.self, frameworkId, executorId, runId, pool: this.deps.pool, checkpoint, recoveryTimeoutMs: this.deps.recoveryTimeoutMs },
        },
        // Its answer must not be missed even after the registration timeout: it names a worker to end.
        { timeoutMs: Math.max(LAUNCH_ANSWER_TIMEOUT_MS, this.deps.registrationTimeoutMs) },
      )
      .then(
        (address) => {
          // Given up on (registration timeout) or shut down while it was being started: end it.
          if (this.deps.executors.get(exKey) !== ex) {
            this.deps.launcher.tell({ type: 'launcher.destroy', address });
            return;
          }
          ex.address = address;
          if (!checkpoint) return;
          const workerId = address.slice(address.lastIndexOf('@') + 1);
          void this.deps.persist([{ type: 'run', run: runPathOf(this.deps.agentId(), ex), pid: { workerId, startedAt: Date.now(), address } }]).catch(() => undefined);
        },
        (error: unknown) => {
          if (this.deps.executors.get(exKey) !== ex) return;
          this.deps.timers.cancel(`registration:${exKey}`);
          this.deps.executorGone(ex, 'REASON_CONTAINER_LAUNCH_FAILED', `the executor could not be started: ${String(error)}`);
        },
      );
  }
}
