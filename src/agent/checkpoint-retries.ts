import type { CheckpointRecord, CheckpointStore } from '../checkpoint/index.js';
import type { StorageFailure, TaskStateName, TaskStatus } from '../protocol/index.js';
import type { TaskEntry } from './book.js';
import type { AgentCore } from './core.js';

/**
 * The agent's retry path for checkpoint writes (a full disk, an I/O error): records, the agent's
 * own updates and finished tasks' removals that could not be written are kept, and made again
 * once writes succeed.
 */
export class CheckpointRetries {
  /** Writes that failed and must be made again once the checkpoint is writable (each is idempotent). */
  private retryDurably: { records: readonly CheckpointRecord[]; resolve: () => void }[] = [];
  /** The agent's own updates that could not be checkpointed: given to the status update manager again then. */
  private retryUpdates: { status: TaskStatus; checkpoint: boolean; before?: TaskStateName }[] = [];
  /** Finished tasks whose records could not be removed. */
  private retryRemovals: TaskEntry['path'][] = [];

  constructor(
    private readonly agent: AgentCore,
    private readonly store: CheckpointStore,
  ) {}

  /** Resolves once `records` are durable: written now, or again each time writes succeed after failing. */
  durably(records: readonly CheckpointRecord[]): Promise<void> {
    return this.agent.persist(records).catch(() => this.onceWritable(records));
  }

  /** Resolves once `records` are durable, written again each time writes succeed after failing. */
  onceWritable(records: readonly CheckpointRecord[]): Promise<void> {
    return new Promise<void>((resolve) => this.retryDurably.push({ records, resolve }));
  }

  /** Checkpoint writes fail now (reported once): retry them every `checkpointRetryMs` until one succeeds. */
  failed(failure: StorageFailure): void {
    const { effects, hostId, options } = this.agent;
    effects.publish({ type: 'agent.checkpoint_failed', hostId, failure });
    effects.timers.repeat('checkpoint-retry', options.checkpointRetryMs, { type: 'agent.checkpoint_retry' });
  }

  /** Writes succeed again: make what failed meanwhile durable, and have executors resend what was not acknowledged. */
  recovered(failedForMs: number): void {
    const { effects, hostId, book } = this.agent;
    effects.timers.cancel('checkpoint-retry');
    effects.publish({ type: 'agent.checkpoint_recovered', hostId, failedForMs });
    // Records first (agent, framework, run, sentinel…), so that no update is durable before what it is filed under.
    for (const { records: again, resolve } of this.retryDurably.splice(0)) void this.durably(again).then(resolve);
    for (const { status, checkpoint, before } of this.retryUpdates.splice(0)) this.submit(status, checkpoint, before);
    void this.agent.updates.writeUnwritten();
    for (const path of this.retryRemovals.splice(0)) this.removeFinishedTask(path);
    for (const ex of book.executors()) if (ex.phase.kind === 'registered') ex.phase.ref.tell({ type: 'executor.resend' });
  }

  /** Gives the status update manager an update of the agent's own; one that cannot be checkpointed now is given again once it can. */
  submit(status: TaskStatus, checkpoint: boolean, before?: TaskStateName): void {
    this.agent.updates.update(status, checkpoint).catch(() => this.retryUpdates.push({ status, checkpoint, ...(before === undefined ? {} : { before }) }));
  }

  /**
   * The state a reregistration reports: the task's latest (Mesos), except an end of the agent's
   * own that it could not write yet. Should the agent restart before that write goes through,
   * the next one decides the task's end again; the master must not have told the framework one
   * that may not stand.
   */
  reportedState(entry: TaskEntry): TaskStateName {
    const unwritten = this.retryUpdates.find((r) => r.status.uuid === entry.terminalUuid && r.before !== undefined);
    return unwritten?.before ?? entry.state;
  }

  removeFinishedTask(path: TaskEntry['path']): void {
    this.store.removeFinishedTask(path).catch(() => this.retryRemovals.push(path));
  }
}
