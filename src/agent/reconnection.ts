import type { AgentMsg } from '../protocol/index.js';
import { type ExecutorEntry, hasEnded } from './book.js';
import type { AgentCore } from './core.js';
import type { RecoveredAgent } from './recovery.js';

/**
 * The reconnect phase of a restarted agent (Mesos: the RECOVERING state): executors are asked
 * to reregister, each answers with its tasks and unacknowledged updates, which are replayed;
 * tasks an executor never saw are lost. An executor that cannot come back — dead (noticed at
 * once, where Mesos waits the timeout: MESOS-7539), or silent past the reregistration timeout
 * (then destroyed) — has its tasks TASK_LOST (TASK_GONE for partition-aware frameworks),
 * REASON_EXECUTOR_REREGISTRATION_TIMEOUT, as Mesos's agent reports them. Executors never
 * started, already ended, or gone with a reboot fail their tasks, REASON_EXECUTOR_TERMINATED.
 * Then `done()` — as soon as every executor is accounted for (Mesos waits the whole timeout).
 */
export class Reconnection {
  /** What it did, for the `agent.recovered` report. */
  readonly report = { reconnected: 0, destroyed: 0, lost: 0, reconnectRetries: 0 };
  /** Executors asked to reregister and not back yet. */
  private readonly awaiting = new Set<ExecutorEntry>();

  constructor(
    private readonly agent: AgentCore,
    private readonly done: () => void,
  ) {}

  get active(): boolean {
    return this.awaiting.size > 0;
  }

  /** Installs what the checkpoint recovered and asks every live executor to reregister. */
  begin(recovered: RecoveredAgent): void {
    const { book, effects, updates, options } = this.agent;
    const gone: { ex: ExecutorEntry; why: string }[] = [];
    for (const rex of recovered.executors) {
      const ex = book.addExecutor({ frameworkId: rex.frameworkId, executorId: rex.executorId, runId: rex.runId, kind: rex.kind, phase: { kind: 'launching' } });
      for (const rt of rex.tasks) {
        book.addTask(ex, { path: rt.path, task: rt.task, state: rt.state });
        updates.recover(rex.frameworkId, rt.task.taskId, rt.updates, rt.acks, rt.nextSeq);
      }
      if (rex.address === undefined) {
        gone.push({ ex, why: rex.gone });
        continue;
      }
      const ref = effects.refFor(rex.address);
      this.awaiting.add(ex);
      book.setPhase(ex, { kind: 'reconnecting', ref });
      // Watching first: an executor already dead answers Down(noproc) at once.
      effects.watch(ref);
      ref.tell({ type: 'executor.reconnect', agent: effects.self });
    }
    for (const { ex, why } of gone) this.agent.executorGone(ex, 'REASON_EXECUTOR_TERMINATED', why);
    if (this.awaiting.size === 0) {
      this.finish();
      return;
    }
    effects.timers.once('reregistration', options.executorReregistrationTimeoutMs, { type: 'agent.reregistration_timeout' });
    if (options.executorReregistrationRetryIntervalMs !== undefined) {
      effects.timers.repeat('reconnect-retry', options.executorReregistrationRetryIntervalMs, { type: 'agent.reconnect_retry' });
    }
  }

  /** An executor answered the reconnect. */
  reregistered(message: Extract<AgentMsg, { type: 'agent.reregister_executor' }>): void {
    const { book } = this.agent;
    const ex = book.executor(message.frameworkId, message.executorId);
    if (ex === undefined || ex.runId !== message.runId) {
      message.executor.tell({ type: 'executor.shutdown' });
      return;
    }
    // Already reconnected: a duplicate is ignored (Mesos: not answered with shutdown).
    if (!this.awaiting.delete(ex)) return;
    this.report.reconnected++;
    const executor = message.executor;
    book.setPhase(ex, { kind: 'registered', ref: executor });
    executor.tell({ type: 'executor.registered' });
    const known = new Set<string>(message.tasks.map((t) => t.taskId));
    for (const status of message.updates) {
      known.add(status.taskId);
      this.agent.acceptExecutorUpdate(book.task(status.frameworkId, status.taskId), status, executor);
    }
    for (const entry of book.tasksOf(ex)) {
      if (hasEnded(entry) || known.has(entry.task.taskId)) continue;
      // Launched here but never seen by the executor (Mesos: REASON_AGENT_RESTARTED).
      this.report.lost++;
      this.agent.taskUpdate(entry, book.partitionAware(entry.frameworkId) ? 'TASK_DROPPED' : 'TASK_LOST', 'REASON_AGENT_RESTARTED', 'the task never reached its executor before the agent restarted');
    }
    if (this.awaiting.size === 0) this.finish();
  }

  /** A watched executor is gone; true if it was one this recovery waited for (its tasks are then reported here). */
  executorDown(ex: ExecutorEntry): boolean {
    if (!this.awaiting.delete(ex)) return false;
    this.giveUp(ex, `executor ${ex.executorId} had terminated when the agent restarted`);
    if (this.awaiting.size === 0) this.finish();
    return true;
  }

  /** A reconnect (or its answer) may have been lost: ask the missing executors again. */
  retry(): void {
    for (const ex of this.awaiting) if (ex.phase.kind === 'reconnecting') ex.phase.ref.tell({ type: 'executor.reconnect', agent: this.agent.effects.self });
    this.report.reconnectRetries++;
  }

  /** The reregistration timeout: executors still silent are destroyed, their tasks lost. */
  timeout(): void {
    const { effects } = this.agent;
    for (const ex of this.awaiting) {
      this.report.destroyed++;
      if (ex.phase.kind === 'reconnecting') {
        effects.unwatch(ex.phase.ref);
        effects.launcher.tell({ type: 'launcher.destroy', address: ex.phase.ref.address });
      }
      this.giveUp(ex, `executor ${ex.executorId} did not reregister within ${this.agent.options.executorReregistrationTimeoutMs} ms`);
    }
    this.awaiting.clear();
    this.finish();
  }

  /** An executor that will not come back: forgotten, its unfinished tasks lost (Mesos reregisterExecutorTimeout). */
  private giveUp(ex: ExecutorEntry, why: string): void {
    const { book } = this.agent;
    const checkpointing = book.checkpointing(ex.frameworkId);
    book.removeExecutor(ex);
    for (const entry of book.tasksOf(ex)) {
      if (hasEnded(entry)) continue;
      this.agent.taskUpdate(entry, book.partitionAware(entry.frameworkId) ? 'TASK_GONE' : 'TASK_LOST', 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT', why);
    }
    this.agent.executorEnded(ex, checkpointing);
  }

  private finish(): void {
    this.agent.effects.timers.cancel('reregistration');
    this.agent.effects.timers.cancel('reconnect-retry');
    this.done();
  }
}
