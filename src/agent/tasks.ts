import type { CheckpointGc } from '../checkpoint/index.js';
import { type ExecutorId, type FrameworkId, type Peer, type Reason, type TaskId, type TaskStateName, type TaskStatus, isTerminal } from '../protocol/index.js';
import { type ExecutorEntry, type TaskEntry, addressOf, hasEnded } from './book.js';
import type { CheckpointRetries } from './checkpoint-retries.js';
import type { AgentCore, UpdateOptions } from './core.js';
import type { Registration } from './registration.js';

/**
 * Tasks and executors once launched: the agent's own updates and its executors', the
 * framework's acknowledgements (a task acknowledged as ended is forgotten, an executor left with
 * nothing to run is ended), kills, executors that end or go away, and frameworks shut down.
 */
export class Tasks {
  constructor(
    private readonly agent: AgentCore,
    private readonly registration: Registration,
    private readonly retries: CheckpointRetries,
    private readonly gc: CheckpointGc,
  ) {}

  taskUpdate(entry: TaskEntry, state: TaskStateName, reason: Reason, message: string, options: UpdateOptions = {}): void {
    const { book, effects } = this.agent;
    const status: TaskStatus = {
      taskId: entry.task.taskId,
      frameworkId: entry.frameworkId,
      executorId: entry.path.executorId,
      uuid: effects.newUuid(),
      state,
      timestamp: effects.now(),
      source: 'SOURCE_AGENT',
      reason,
      message,
    };
    const before = entry.state;
    entry.state = state;
    if (isTerminal(state)) entry.terminalUuid = status.uuid;
    this.retries.submit(status, options.checkpoint !== false && book.checkpointing(entry.frameworkId), before);
  }

  executorGone(ex: ExecutorEntry, reason: Reason, why: string): void {
    const { book } = this.agent;
    const checkpointing = book.checkpointing(ex.frameworkId);
    book.removeExecutor(ex);
    for (const entry of book.tasksOf(ex)) if (!hasEnded(entry)) this.taskUpdate(entry, 'TASK_FAILED', reason, why);
    this.executorEnded(ex, checkpointing);
  }

  executorEnded(ex: ExecutorEntry, checkpointing: boolean): void {
    this.agent.effects.timers.cancel(`idle:${ex.key}`);
    if (checkpointing && this.registration.id !== undefined) void this.agent.durably([{ type: 'sentinel', run: this.agent.runPath(ex) }]);
  }

  executorUpdate(executorId: ExecutorId, status: TaskStatus): void {
    const { book } = this.agent;
    const entry = book.task(status.frameworkId, status.taskId);
    const ex = book.executor(status.frameworkId, executorId);
    const executor = ex?.phase.kind === 'registered' ? ex.phase.ref : undefined;
    if (entry === undefined || (hasEnded(entry) && status.uuid !== entry.terminalUuid)) {
      // A task this agent does not run (its framework was shut down, or it was acknowledged
      // already), or one that has ended (killed before launch, or the executor's own end): the
      // executor's word is not news. A resend of the terminal update itself goes on to the status
      // update manager, which acknowledges it only once durable: its first write may have failed.
      executor?.tell({ type: 'executor.ack', taskId: status.taskId, uuid: status.uuid });
      return;
    }
    this.acceptExecutorUpdate(entry, status, executor);
  }

  /**
   * An executor's update, to its task's stream. Not acknowledged to the executor unless durable:
   * if the write fails, the executor keeps the update and sends it again when the agent asks
   * (`executor.resend`). Nor is it the task's state before then: that is what a reregistration
   * reports to the master, and an update lost with its executor (a reboot while the disk was
   * full) must not have been reported.
   */
  acceptExecutorUpdate(entry: TaskEntry | undefined, status: TaskStatus, executor: Peer<'executor'> | undefined): void {
    if (entry !== undefined && isTerminal(status.state)) entry.terminalUuid ??= status.uuid;
    this.agent.updates.update(status, this.agent.book.checkpointing(status.frameworkId)).then(
      () => {
        if (entry !== undefined && !isTerminal(entry.state)) entry.state = status.state;
        executor?.tell({ type: 'executor.ack', taskId: status.taskId, uuid: status.uuid });
      },
      () => undefined,
    );
  }

  acknowledged(frameworkId: FrameworkId, taskId: TaskId, uuid: string): void {
    const { book, effects, options, updates } = this.agent;
    const entry = book.task(frameworkId, taskId);
    updates.acknowledge(frameworkId, taskId, uuid).then((acked) => {
      if (acked === null || !isTerminal(acked.state)) return;
      updates.remove(frameworkId, taskId);
      // A task the agent answered a reconciliation for has no entry here.
      if (entry === undefined) return;
      book.removeTask(entry);
      const ex = book.executorOf(entry);
      // A long-lived executor's finished task leaves the checkpoint now, so that recovery reads
      // only what it needs (an executor of its own goes with its whole run, after gcDelayMs).
      if (ex !== undefined && ex.kind !== 'task' && book.checkpointing(frameworkId)) this.retries.removeFinishedTask(entry.path);
      if (ex === undefined || ex.taskKeys.size > 0) return;
      if (ex.kind === 'task') this.endExecutor(ex);
      else if (ex.kind === 'default') effects.timers.once(`idle:${ex.key}`, options.executorIdleTimeoutMs, { type: 'agent.executor_idle', frameworkId, executorId: ex.executorId, runId: ex.runId });
    }, () => undefined);
  }

  executorIdle(frameworkId: FrameworkId, executorId: ExecutorEntry['executorId'], runId: string): void {
    const ex = this.agent.book.executor(frameworkId, executorId);
    if (ex === undefined || ex.runId !== runId || ex.taskKeys.size > 0) return;
    this.endExecutor(ex);
  }

  /** An executor with nothing left to run is shut down; its run is complete and garbage-collected after `gcDelayMs`. */
  private endExecutor(ex: ExecutorEntry): void {
    const { book, effects } = this.agent;
    const checkpointing = book.checkpointing(ex.frameworkId);
    book.removeExecutor(ex);
    if (ex.phase.kind === 'registered') {
      effects.unwatch(ex.phase.ref);
      ex.phase.ref.tell({ type: 'executor.shutdown' });
    }
    if (!checkpointing) return;
    const run = this.agent.runPath(ex);
    void this.agent.durably([{ type: 'sentinel', run }]).then(() => this.gc.schedule(run));
  }

  kill(frameworkId: FrameworkId, taskId: string): void {
    const entry = this.agent.book.task(frameworkId, taskId);
    if (entry === undefined || hasEnded(entry)) return;
    const ex = this.agent.book.executorOf(entry);
    const queuedAt = ex?.queued.findIndex((t) => t.taskId === taskId) ?? -1;
    if (ex?.phase.kind === 'registered' && queuedAt < 0) {
      ex.phase.ref.tell({ type: 'executor.kill_task', taskId: entry.task.taskId, gracePeriodMs: this.agent.options.executorShutdownGracePeriodMs });
      return;
    }
    if (queuedAt >= 0) ex!.queued.splice(queuedAt, 1);
    this.taskUpdate(entry, 'TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH', 'killed before it reached its executor');
  }

  /**
   * Mesos Slave::shutdownFramework: ends the executors of the frameworks `which` selects and
   * forgets their tasks, with no update of its own (the framework is going away: the master
   * records its tasks' end); resolves once the runs' ends are checkpointed or their first write
   * failed (they are then written again once writes succeed).
   */
  endFrameworks(which: (frameworkId: FrameworkId) => boolean): Promise<unknown> {
    const { book, effects, updates } = this.agent;
    for (const entry of [...book.tasks()]) {
      if (!which(entry.frameworkId)) continue;
      updates.remove(entry.frameworkId, entry.task.taskId);
      book.removeTask(entry);
    }
    const written: Promise<unknown>[] = [];
    for (const ex of [...book.executors()]) {
      if (!which(ex.frameworkId)) continue;
      // Asked first: a framework's last executor takes the framework with it.
      const checkpointing = book.checkpointing(ex.frameworkId);
      book.removeExecutor(ex);
      effects.timers.cancel(`idle:${ex.key}`);
      if (ex.phase.kind === 'registered' || ex.phase.kind === 'reconnecting') {
        effects.unwatch(ex.phase.ref);
        ex.phase.ref.tell({ type: 'executor.shutdown' });
      } else {
        const address = addressOf(ex);
        if (address !== undefined) effects.launcher.tell({ type: 'launcher.destroy', address });
      }
      if (checkpointing && this.registration.id !== undefined) {
        // Waited for once (an agent shutting down must not wait for a full disk), written again until it lands.
        const sentinel = [{ type: 'sentinel', run: this.agent.runPath(ex) }] as const;
        written.push(this.agent.persist(sentinel).catch(() => void this.retries.onceWritable(sentinel)));
      }
    }
    return Promise.all(written);
  }
}
