import type { CheckpointRecord, ExecutorKind, TaskInfo } from '../checkpoint/index.js';
import { type AgentMsg, type ExecutorId, type FrameworkId, type FrameworkInfo, type Isolation, type TaskDescription } from '../protocol/index.js';
import type { AgentCore } from './core.js';
import { type ExecutorEntry, addressOf, hasEnded } from './book.js';

/** How long the host's launcher may take to answer a launch (start a worker, spawn the executor). */
const LAUNCH_ANSWER_TIMEOUT_MS = 60_000;

/** The framework's default executor on an agent: every task launched without `executor` runs there. */
export const DEFAULT_EXECUTOR_ID = 'default' as ExecutorId;

type RegisterExecutor = Extract<AgentMsg, { type: 'agent.register_executor' }>;

/** Which executor a task goes to, and how that executor is placed. */
export function executorFor(task: TaskDescription): { readonly executorId: ExecutorId; readonly kind: ExecutorKind; readonly isolation: Isolation } {
  if (task.executor === undefined) return { executorId: DEFAULT_EXECUTOR_ID, kind: 'default', isolation: 'shared' };
  if (task.executor.executorId === undefined) return { executorId: task.taskId as string as ExecutorId, kind: 'task', isolation: task.executor.isolation ?? 'worker' };
  return { executorId: task.executor.executorId, kind: 'custom', isolation: task.executor.isolation ?? 'worker' };
}

export function toTaskInfo(task: TaskDescription): TaskInfo {
  const base = { name: task.name ?? task.taskId, resources: task.resources };
  return task.run.kind === 'js' ? { ...base, run: { module: task.run.module, export: task.run.export, args: task.run.args } } : { ...base, command: task.run.command };
}

/**
 * Task launch on an agent (Mesos: Slave::run → launchExecutor): the executor is started through
 * the host's launcher, tasks wait for it to register, then are handed over. For a checkpointing
 * framework the framework, executor, run and task records are durable *before* the executor is
 * started or given the task, so an agent that dies at any point restarts knowing every executor
 * and task that may exist. An executor that does not register in time is destroyed. While
 * checkpoint writes fail (a full disk), a checkpointing framework's launch fails at once.
 */
export class Launches {
  constructor(private readonly agent: AgentCore) {}

  runTask(frameworkId: FrameworkId, framework: FrameworkInfo, task: TaskDescription): void {
    const { book, effects } = this.agent;
    book.addFramework(frameworkId, framework);
    const placement = executorFor(task);
    const records: CheckpointRecord[] = [];
    let ex = book.executor(frameworkId, placement.executorId);
    const isNew = ex === undefined;
    if (ex === undefined) {
      ex = book.addExecutor({ frameworkId, executorId: placement.executorId, runId: effects.newRunId(), kind: placement.kind, phase: { kind: 'launching' } });
      const agentId = this.agent.agentId();
      records.push(
        { type: 'framework', agentId, frameworkId, info: framework },
        { type: 'executor', agentId, frameworkId, executorId: ex.executorId, info: { name: ex.executorId, isolation: placement.isolation, kind: placement.kind } },
        { type: 'run', run: this.agent.runPath(ex), pid: null },
      );
    }
    effects.timers.cancel(`idle:${ex.key}`);
    const entry = book.addTask(ex, { path: { ...this.agent.runPath(ex), taskId: task.taskId }, task, state: 'TASK_STAGING' });
    records.push({ type: 'task', task: entry.path, info: toTaskInfo(task) });
    const executor = ex;
    const proceed = () => {
      if (isNew && book.executor(frameworkId, executor.executorId) === executor) this.launch(executor, placement.isolation);
      // Killed, or its framework shut down, while its records were being written: it never reaches the executor.
      if (hasEnded(entry) || book.task(frameworkId, task.taskId) !== entry) return;
      if (executor.phase.kind === 'registered') executor.phase.ref.tell({ type: 'executor.run_task', task });
      else executor.queued.push(task);
    };
    if (!book.checkpointing(frameworkId)) return proceed();
    const refuse = (why: string) => {
      if (isNew) book.removeExecutor(executor);
      this.agent.taskUpdate(entry, 'TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', why, { checkpoint: false });
    };
    const failure = this.agent.checkpointFailure();
    if (failure !== undefined) return refuse(`the agent cannot checkpoint the task: ${failure.message}`);
    this.agent.persist(records).then(proceed, (error: unknown) => refuse(`the task could not be checkpointed: ${String((error as Error)?.message ?? error)}`));
  }

  /** An executor started by `launch` says it is up. */
  registered(message: RegisterExecutor): void {
    const { book, effects } = this.agent;
    const ex = book.executor(message.frameworkId, message.executorId);
    if (ex === undefined || ex.runId !== message.runId) {
      message.executor.tell({ type: 'executor.shutdown' });
      return;
    }
    effects.timers.cancel(`registration:${ex.key}`);
    effects.watch(message.executor);
    const admit = () => {
      if (book.executor(message.frameworkId, message.executorId) !== ex || ex.phase.kind === 'registered') return;
      book.setPhase(ex, { kind: 'registered', ref: message.executor });
      message.executor.tell({ type: 'executor.registered' });
      for (const task of ex.queued.splice(0)) message.executor.tell({ type: 'executor.run_task', task });
    };
    if (!book.checkpointing(message.frameworkId)) return admit();
    // Mesos Slave::registerExecutor: the executor's pid is durable before it gets its tasks, so
    // that an agent restarted meanwhile reconnects to it rather than give it up. On a full disk
    // its tasks wait (staging) until the write goes through.
    const address = message.executor.address;
    const workerId = address.slice(address.lastIndexOf('@') + 1);
    void this.agent.durably([{ type: 'run', run: this.agent.runPath(ex), pid: { workerId, startedAt: effects.now(), address } }]).then(admit);
  }

  /** Mesos --executor_registration_timeout: an executor still not registered is destroyed. */
  registrationTimeout(frameworkId: FrameworkId, executorId: ExecutorId, runId: string): void {
    const ex = this.agent.book.executor(frameworkId, executorId);
    if (ex === undefined || ex.runId !== runId || ex.phase.kind === 'registered' || ex.phase.kind === 'reconnecting') return;
    const address = addressOf(ex);
    if (address !== undefined) this.agent.effects.launcher.tell({ type: 'launcher.destroy', address });
    this.agent.executorGone(ex, 'REASON_EXECUTOR_REGISTRATION_TIMEOUT', `executor ${ex.executorId} did not register within ${this.agent.options.executorRegistrationTimeoutMs} ms`);
  }

  private launch(ex: ExecutorEntry, isolation: Isolation): void {
    const { book, effects, options } = this.agent;
    const { frameworkId, executorId, runId } = ex;
    const checkpoint = book.checkpointing(frameworkId);
    effects.timers.once(`registration:${ex.key}`, options.executorRegistrationTimeoutMs, { type: 'agent.executor_registration_timeout', frameworkId, executorId, runId });
    effects.launcher
      .ask<string>(
        {
          type: 'launcher.launch',
          hostId: this.agent.hostId,
          isolation,
          args: {
            agent: effects.self,
            frameworkId,
            executorId,
            runId,
            pool: { threads: options.executorPoolThreads, tasksPerThread: options.executorTasksPerThread },
            checkpoint,
            recoveryTimeoutMs: options.recoveryTimeoutMs,
          },
        },
        // Its answer must not be missed even after the registration timeout: it names a worker to end.
        { timeoutMs: Math.max(LAUNCH_ANSWER_TIMEOUT_MS, options.executorRegistrationTimeoutMs) },
      )
      .then(
        (address) => {
          // Given up on (registration timeout) or shut down while it was being started: end it.
          if (book.executor(frameworkId, executorId) !== ex) {
            effects.launcher.tell({ type: 'launcher.destroy', address });
            return;
          }
          if (ex.phase.kind === 'launching') book.setPhase(ex, { kind: 'started', address });
          if (!checkpoint) return;
          const workerId = address.slice(address.lastIndexOf('@') + 1);
          void this.agent.persist([{ type: 'run', run: this.agent.runPath(ex), pid: { workerId, startedAt: effects.now(), address } }]).then(
            () => effects.publish({ type: 'agent.executor_started', hostId: this.agent.hostId, agentId: this.agent.agentId(), frameworkId, executorId, address }),
            () => undefined,
          );
        },
        (error: unknown) => {
          if (book.executor(frameworkId, executorId) !== ex) return;
          effects.timers.cancel(`registration:${ex.key}`);
          this.agent.executorGone(ex, 'REASON_CONTAINER_LAUNCH_FAILED', `the executor could not be started: ${String((error as Error)?.message ?? error)}`);
        },
      );
  }
}
