import type { CheckpointRecord } from '../checkpoint/index.js';
import type { AgentId, AgentMsg, AgentSelfMsg, AgentSnapshot, Peer, Reason, RunPath, StorageFailure, TaskStateName, TaskStatus } from '../protocol/index.js';
import { AgentBook, type ExecutorEntry, type TaskEntry, addressOf } from './book.js';
import { CheckpointRetries } from './checkpoint-retries.js';
import type { AgentCore, AgentEffects, AgentSetup, UpdateOptions } from './core.js';
import { Launches } from './launches.js';
import type { AgentOptions } from './options.js';
import { Reconnection } from './reconnection.js';
import { Registration } from './registration.js';
import { Startup } from './startup.js';
import { StatusUpdateManager } from './status-update-manager.js';
import { Tasks } from './tasks.js';

export type { AgentSetup } from './core.js';

/**
 * The agent of one host: registers with the master, starts executors through the host's
 * launcher (so they outlive this worker), hands them tasks, watches them, and runs the status
 * update manager. For frameworks with `checkpoint: true` it writes what recovery needs.
 */
export class Agent implements AgentCore {
  readonly book = new AgentBook();
  readonly updates: StatusUpdateManager;
  readonly effects: AgentEffects;
  readonly options: AgentOptions;
  readonly hostId: string;
  private readonly retries: CheckpointRetries;
  private readonly registration: Registration;
  private readonly tasks: Tasks;
  private readonly launches: Launches;
  private readonly reconnection: Reconnection;
  private readonly startup: Startup;

  constructor(private readonly setup: AgentSetup) {
    const { host, options, effects } = setup;
    this.effects = effects;
    this.options = options;
    this.hostId = host.hostId;
    this.updates = new StatusUpdateManager(
      {
        checkpoint: (status, entry, seq) => {
          const path = this.book.task(status.frameworkId, status.taskId)?.path;
          if (path === undefined) return Promise.resolve();
          return this.setup.writer.write(entry === 'update' ? { type: 'update', task: path, seq, update: status } : { type: 'ack', task: path, seq, uuid: status.uuid });
        },
        forward: (status) => this.registration.forward(status),
        durable: (frameworkId, taskId) => {
          const path = this.book.task(frameworkId, taskId)?.path;
          const stream = path === undefined ? [] : setup.store.durableStream(path);
          const updates = stream.flatMap((e) => (e.kind === 'update' ? [e.update as TaskStatus] : []));
          const acks = new Set(stream.flatMap((e) => (e.kind === 'ack' ? [e.uuid] : [])));
          return { updates, acks, length: stream.length };
        },
      },
      options.statusUpdateRetry,
      effects.now,
    );
    this.retries = new CheckpointRetries(this, setup.store);
    this.registration = new Registration(this, this.retries, setup, () => this.startup.announceReregistration());
    this.tasks = new Tasks(this, this.registration, this.retries, setup.gc);
    this.launches = new Launches(this);
    this.reconnection = new Reconnection(this, () => this.startup.finishRecovery());
    this.startup = new Startup(this, setup, this.registration, this.reconnection);
  }

  start(): boolean {
    return this.startup.start();
  }

  agentId(): AgentId {
    return this.registration.id!;
  }

  runPath(ex: ExecutorEntry): RunPath {
    return { agentId: this.registration.id!, frameworkId: ex.frameworkId, executorId: ex.executorId, runId: ex.runId };
  }

  persist(records: readonly CheckpointRecord[]): Promise<void> {
    return this.setup.writer.write(records);
  }

  durably(records: readonly CheckpointRecord[]): Promise<void> {
    return this.retries.durably(records);
  }

  checkpointFailure(): StorageFailure | undefined {
    return this.setup.writer.lastFailure;
  }

  receive(message: AgentMsg | AgentSelfMsg): unknown {
    switch (message.type) {
      case 'agent.registered':
        return this.registration.registered(message.agentId, message.pingTimeoutMs);
      case 'agent.reregistered':
        return this.registration.reregistered(message.pingTimeoutMs, message.reconcile ?? []);
      case 'agent.register_retry':
        return this.registration.retry();
      case 'agent.master_changed':
        return this.registration.masterChanged(message.master);
      case 'agent.ping':
        return this.registration.ping(message.connected);
      case 'agent.update_framework':
        return this.registration.updateFramework(message.frameworkId, message.framework);
      case 'agent.gc_executor':
        return this.startup.gcExecutor(message.frameworkId, message.executorId);
      case 'agent.master_silent':
        return this.registration.masterSilent();
      case 'agent.run_task':
        return this.launches.runTask(message.frameworkId, message.framework, message.task);
      case 'agent.register_executor':
        return this.launches.registered(message);
      case 'agent.executor_registration_timeout':
        return this.launches.registrationTimeout(message.frameworkId, message.executorId, message.runId);
      case 'agent.reregister_executor':
        return this.reconnection.reregistered(message);
      case 'agent.reconnect_retry':
        return this.reconnection.retry();
      case 'agent.reregistration_timeout':
        return this.reconnection.timeout();
      case 'agent.executor_update':
        return this.tasks.executorUpdate(message.executorId, message.status);
      case 'agent.status_update_ack':
        return this.tasks.acknowledged(message.frameworkId, message.taskId, message.uuid);
      case 'agent.kill_task':
        return this.tasks.kill(message.frameworkId, message.taskId);
      case 'agent.shutdown_framework':
        return void this.tasks.endFrameworks((id) => id === message.frameworkId);
      case 'agent.shutdown':
        return this.shutdown();
      case 'agent.checkpoint_resources':
        return this.registration.checkpointResources(message.reservations);
      case 'agent.resend_due':
        this.updates.resendDue();
        return undefined;
      case 'agent.checkpoint_retry':
        return this.setup.writer.probe().then(() => undefined);
      case 'agent.executor_idle':
        return this.tasks.executorIdle(message.frameworkId, message.executorId, message.runId);
      case 'agent.state':
        return this.state();
    }
  }

  /** A watched actor is gone: one of its executors. */
  down(address: string, why: string): void {
    const ex = this.book.executorAt(address);
    if (ex === undefined || this.reconnection.executorDown(ex)) return;
    this.executorGone(ex, 'REASON_EXECUTOR_TERMINATED', `executor ${ex.executorId} terminated (${why})`);
  }

  checkpointFailed(failure: StorageFailure): void {
    this.retries.failed(failure);
  }

  checkpointRecovered(failedForMs: number): void {
    this.retries.recovered(failedForMs);
  }

  taskUpdate(entry: TaskEntry, state: TaskStateName, reason: Reason, message: string, options?: UpdateOptions): void {
    this.tasks.taskUpdate(entry, state, reason, message, options);
  }

  executorGone(ex: ExecutorEntry, reason: Reason, why: string): void {
    this.tasks.executorGone(ex, reason, why);
  }

  executorEnded(ex: ExecutorEntry, checkpointing: boolean): void {
    this.tasks.executorEnded(ex, checkpointing);
  }

  acceptExecutorUpdate(entry: TaskEntry | undefined, status: TaskStatus, executor: Peer<'executor'> | undefined): void {
    this.tasks.acceptExecutorUpdate(entry, status, executor);
  }

  /**
   * Mesos Slave::shutdown: an agent told to shut down (not a crash, not an upgrade) unregisters
   * first, then ends its executors with no update of its own; the master removes it and reports
   * its tasks TASK_LOST, REASON_AGENT_REMOVED.
   */
  private shutdown(): Promise<boolean> {
    this.registration.unregister();
    return this.tasks.endFrameworks(() => true).then(() => true);
  }

  state(): AgentSnapshot {
    const tasksByState: Record<string, number> = {};
    for (const task of this.book.tasks()) tasksByState[task.state] = (tasksByState[task.state] ?? 0) + 1;
    const failure = this.setup.writer.lastFailure;
    const agentId = this.registration.id;
    return {
      hostId: this.hostId,
      ...(agentId === undefined ? {} : { agentId }),
      registration: this.registration.state,
      executors: [...this.book.executors()].map((ex) => {
        const address = addressOf(ex);
        return { frameworkId: ex.frameworkId, executorId: ex.executorId, kind: ex.kind, phase: ex.phase.kind, ...(address === undefined ? {} : { address }), tasks: ex.taskKeys.size };
      }),
      tasksByState,
      unacknowledgedUpdates: this.updates.pendingCount(),
      checkpoint: { healthy: failure === undefined, ...(failure === undefined ? {} : { failure }), failedWrites: this.setup.writer.failedWrites, writes: this.setup.writer.latency() },
    };
  }
}
