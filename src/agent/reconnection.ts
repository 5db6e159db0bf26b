import type { ActorRef, Timers } from '../actor/index.js';
import { type FrameworkId, TERMINAL_STATES, type TaskStateName } from '../checkpoint/index.js';
import type { ExecutorMsg } from '../executor/messages.js';
import type { ExecutorEntry, TaskEntry } from './entries.js';
import { keyOf } from './entries.js';
import type { AgentMsg } from './messages.js';
import type { RecoveredAgent } from './recovery.js';
import type { StatusUpdateManager } from './status-update-manager.js';

/** What the reconnection needs from its agent. */
export interface ReconnectionDeps {
  readonly self: ActorRef;
  readonly executors: Map<string, ExecutorEntry>;
  readonly tasks: Map<string, TaskEntry>;
  readonly updates: StatusUpdateManager;
  readonly timers: Timers<AgentMsg>;
  readonly reregistrationTimeoutMs: number;
  readonly retryIntervalMs: number | undefined;
  watch(ref: ActorRef): void;
  unwatch(ref: ActorRef): void;
  refFor(address: string): ActorRef<ExecutorMsg>;
  executorGone(ex: ExecutorEntry, why: string): void;
  taskUpdate(entry: TaskEntry, state: TaskStateName, reason: string, message: string): void;
  checkpointing(frameworkId: FrameworkId): boolean;
  partitionAware(frameworkId: FrameworkId): boolean;
  /** Ends an executor that did not come back in time (as a containerizer destroys a container). */
  destroy(address: string): void;
  /** Every executor is back or given up on: the agent reregisters. */
  done(): void;
}

/**
 * The reconnect phase of a restarted agent (Mesos: the RECOVERING state): executors are asked
 * to reregister, each answers with its tasks and unacknowledged updates, which are replayed;
 * tasks an executor never saw are lost; executors already dead are failed at once, silent ones
 * are destroyed after the reregistration timeout. Then `done()`.
 */
export class Reconnection {
  /** What it did, for the `agent.recovered` report. */
  readonly report = { reconnected: 0, destroyed: 0, lost: 0, reconnectRetries: 0 };
  /** Executors asked to reregister and not back yet. */
  private readonly awaiting = new Set<string>();

  constructor(private readonly deps: ReconnectionDeps) {}

  get active(): boolean {
    return this.awaiting.size > 0;
  }

  /** Installs what the checkpoint recovered and asks every live executor to reregister. */
  begin(recovered: RecoveredAgent): void {
    const { executors, tasks, updates } = this.deps;
    for (const rex of recovered.executors) {
      const ex: ExecutorEntry = {
        frameworkId: rex.frameworkId,
        executorId: rex.executorId,
        runId: rex.runId,
        commandExecutor: rex.executorId.startsWith('command-'),
        address: rex.address ?? null,
        ref: null,
        queued: [],
        taskKeys: new Set(),
      };
      const exKey = keyOf(rex.frameworkId, rex.executorId);
      executors.set(exKey, ex);
      for (const rt of rex.tasks) {
        const key = keyOf(rex.frameworkId, rt.task.taskId);
        tasks.set(key, { frameworkId: rex.frameworkId, executorKey: exKey, path: rt.path, task: rt.task, state: rt.state });
        ex.taskKeys.add(key);
        updates.recover(rex.frameworkId, rt.task.taskId, rt.updates, rt.acks, rt.nextSeq);
      }
      if (rex.address === undefined) continue;
      const ref = this.deps.refFor(rex.address);
      this.awaiting.add(exKey);
      // Watching first: an executor already dead answers Down(noproc) at once.
      this.deps.watch(ref);
      ex.ref = ref;
      ref.tell({ type: 'executor.reconnect', agent: this.deps.self });
    }
    for (const [exKey, ex] of executors) {
      if (this.awaiting.has(exKey)) continue;
      const rex = recovered.executors.find((r) => keyOf(r.frameworkId, r.executorId) === exKey);
      const why = recovered.rebooted ? 'the host rebooted: the executor is gone' : rex?.completed ? 'the executor had terminated' : 'the executor was never recorded as started';
      this.deps.executorGone(ex, why);
    }
    if (this.awaiting.size === 0) {
      this.finish();
      return;
    }
    this.deps.timers.once('reregistration', this.deps.reregistrationTimeoutMs, { type: 'agent.reregistration_timeout' });
    if (this.deps.retryIntervalMs !== undefined) {
      this.deps.timers.repeat('reconnect-retry', this.deps.retryIntervalMs, { type: 'agent.reconnect_retry' });
    }
  }

  /** An executor answered the reconnect. */
  reregistered(message: Extract<AgentMsg, { type: 'agent.reregister_executor' }>): void {
    const { executors, tasks, updates } = this.deps;
    const exKey = keyOf(message.frameworkId, message.executorId);
    const ex = executors.get(exKey);
    if (ex === undefined || ex.runId !== message.runId || !this.awaiting.delete(exKey)) {
      // Unknown, or already reconnected: a duplicate is ignored (Mesos: not answered with shutdown).
      if (ex === undefined || ex.runId !== message.runId) message.executor.tell({ type: 'executor.shutdown' } satisfies ExecutorMsg);
      return;
    }
    this.report.reconnected++;
    const executorRef = message.executor as ActorRef<ExecutorMsg>;
    ex.ref = executorRef;
    executorRef.tell({ type: 'executor.registered' });
    const known = new Set(message.tasks.map((t) => t.taskId as string));
    for (const status of message.updates) {
      known.add(status.taskId);
      const entry = tasks.get(keyOf(status.frameworkId, status.taskId));
      if (entry !== undefined) entry.state = status.state;
      void updates.update(status, this.deps.checkpointing(status.frameworkId)).then(
        () => executorRef.tell({ type: 'executor.ack', taskId: status.taskId, uuid: status.uuid }),
        () => undefined,
      );
    }
    for (const key of ex.taskKeys) {
      const entry = tasks.get(key);
      if (entry === undefined || TERMINAL_STATES.has(entry.state) || known.has(entry.task.taskId)) continue;
      // Launched here but never seen by the executor (Mesos: REASON_SLAVE_RESTARTED).
      this.report.lost++;
      const state = this.deps.partitionAware(entry.frameworkId) ? 'TASK_DROPPED' : 'TASK_LOST';
      this.deps.taskUpdate(entry, state, 'REASON_SLAVE_RESTARTED', 'the task never reached its executor before the agent restarted');
    }
    if (this.awaiting.size === 0) this.finish();
  }

  /** A watched executor is gone: during recovery there is nothing to wait for from it. */
  executorDown(exKey: string): void {
    if (this.awaiting.delete(exKey) && this.awaiting.size === 0) this.finish();
  }

  /** A reconnect (or its answer) may have been lost: ask the missing executors again. */
  retry(): void {
    for (const exKey of this.awaiting) this.deps.executors.get(exKey)?.ref?.tell({ type: 'executor.reconnect', agent: this.deps.self });
    this.report.reconnectRetries++;
  }

  /** The reregistration timeout: executors still silent are destroyed, their tasks lost. */
  timeout(): void {
    const { executors, tasks } = this.deps;
    for (const exKey of this.awaiting) {
      const ex = executors.get(exKey);
      if (ex === undefined) continue;
      this.report.destroyed++;
      if (ex.ref !== null) {
        this.deps.unwatch(ex.ref);
        this.deps.destroy(ex.ref.address);
      }
      executors.delete(exKey);
      for (const key of ex.taskKeys) {
        const entry = tasks.get(key);
        if (entry === undefined || TERMINAL_STATES.has(entry.state)) continue;
        const state = this.deps.partitionAware(entry.frameworkId) ? 'TASK_GONE' : 'TASK_LOST';
        this.deps.taskUpdate(entry, state, 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT', `executor ${ex.executorId} did not reregister in time`);
      }
    }
    this.awaiting.clear();
    this.finish();
  }

  private finish(): void {
    this.deps.timers.cancel('reregistration');
    this.deps.timers.cancel('reconnect-retry');
    this.deps.done();
  }
}
