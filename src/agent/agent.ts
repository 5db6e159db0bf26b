import type { CheckpointGc, CheckpointRecord, CheckpointStore } from '../checkpoint/index.js';
import {
  type AgentId,
  type AgentInfo,
  type AgentMsg,
  type AgentSelfMsg,
  type AgentSnapshot,
  type ExecutorId,
  type FrameworkId,
  type FrameworkInfo,
  type MasterMsg,
  type Peer,
  type Reason,
  type Reservations,
  type RunPath,
  type StorageFailure,
  type TaskId,
  type TaskStateName,
  type TaskStatus,
  isTerminal,
} from '../protocol/index.js';

/** Tasks the master has on this agent that its reregistration did not report. */
type Reconciliation = NonNullable<Extract<AgentMsg, { type: 'agent.reregistered' }>['reconcile']>;
import { AgentBook, type ExecutorEntry, type TaskEntry, addressOf, hasEnded } from './book.js';
import type { CheckpointWriter } from './checkpoint-writer.js';
import type { AgentCore, AgentEffects, UpdateOptions } from './core.js';
import { Launches } from './launches.js';
import type { AgentOptions, HostSpec } from './options.js';
import { Reconnection } from './reconnection.js';
import type { RecoveryDecision } from './recovery.js';
import { StatusUpdateManager } from './status-update-manager.js';

/** What the agent's actor hands its logic once the checkpoint is read. */
export interface AgentSetup {
  readonly host: HostSpec;
  readonly options: AgentOptions;
  readonly store: CheckpointStore;
  readonly writer: CheckpointWriter;
  readonly gc: CheckpointGc;
  readonly master: Peer<'master'>;
  readonly effects: AgentEffects;
  readonly decision: RecoveryDecision;
  /** Checkpointed resources (reservations): they outlive reboots; the master sends changes. */
  readonly reservations: Reservations;
  readonly checkpointErrors: number;
  /** When the actor started (performance.now()), and how long reading the checkpoint took. */
  readonly startedAt: number;
  readonly checkpointReadMs: number;
}

type Registration = AgentSnapshot['registration'];

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
  private readonly launches: Launches;
  private readonly reconnection: Reconnection;
  private readonly info: AgentInfo;
  private id: AgentId | undefined;
  private master: Peer<'master'>;
  private registration: Registration = 'registering';
  private reservations: Reservations;
  private registrationBackoffMs: number;
  /** The master's ping window, once admitted; pings restart it. */
  private pingTimeoutMs: number | undefined;
  /** The first reregistration after a restart is the recovery (`agent.recovered`); later ones are not. */
  private recoveryReported = false;
  private phaseMark = 0;
  private readonly phases = { checkpointReadMs: 0, reconnectMs: 0 };
  /** Writes that failed and must be made again once the checkpoint is writable (each is idempotent). */
  private retryDurably: { records: readonly CheckpointRecord[]; resolve: () => void }[] = [];
  /** The agent's own updates that could not be checkpointed: given to the status update manager again then. */
  private retryUpdates: { status: TaskStatus; checkpoint: boolean; before?: TaskStateName }[] = [];
  /** Finished tasks whose records could not be removed. */
  private retryRemovals: TaskEntry['path'][] = [];

  constructor(private readonly setup: AgentSetup) {
    const { host, options, effects } = setup;
    this.effects = effects;
    this.options = options;
    this.hostId = host.hostId;
    this.master = setup.master;
    this.reservations = setup.reservations;
    this.registrationBackoffMs = options.registrationRetryMs;
    this.phases.checkpointReadMs = setup.checkpointReadMs;
    this.info = { hostname: host.hostname, resources: host.resources, attributes: host.attributes };
    this.updates = new StatusUpdateManager(
      {
        checkpoint: (status, entry, seq) => {
          const path = this.book.task(status.frameworkId, status.taskId)?.path;
          if (path === undefined) return Promise.resolve();
          return this.setup.writer.write(entry === 'update' ? { type: 'update', task: path, seq, update: status } : { type: 'ack', task: path, seq, uuid: status.uuid });
        },
        forward: (status) => {
          if (this.registration === 'admitted') this.toMaster({ type: 'master.status_update', agentId: this.id!, status });
        },
        durable: (status) => {
          const path = this.book.task(status.frameworkId, status.taskId)?.path;
          const stream = path === undefined ? [] : setup.store.durableStream(path);
          const updates = stream.flatMap((e) => (e.kind === 'update' ? [e.update as TaskStatus] : []));
          const acks = new Set(stream.flatMap((e) => (e.kind === 'ack' ? [e.uuid] : [])));
          return { updates, acks, length: stream.length };
        },
      },
      options.statusUpdateRetry,
      effects.now,
    );
    this.launches = new Launches(this);
    this.reconnection = new Reconnection(this, () => this.finishRecovery());
  }

  /** Starts what the checkpoint decided: a fresh registration, a recovery, or a cleanup (then the actor stops: false). */
  start(): boolean {
    const { decision } = this.setup;
    this.effects.timers.repeat('resend', this.updates.sweepIntervalMs, { type: 'agent.resend_due' });
    this.effects.launcher.tell({ type: 'launcher.agent_started', hostId: this.hostId, agent: this.effects.self, recoveryTimeoutMs: this.options.recoveryTimeoutMs });
    if (decision.kind === 'recover' && this.options.recover === 'cleanup') {
      // Mesos --recover=cleanup: kill every old executor, do not register, and exit.
      const addresses = decision.agent.executors.flatMap((ex) => (ex.address === undefined ? [] : [ex.address]));
      for (const address of addresses) this.effects.launcher.tell({ type: 'launcher.destroy', address });
      this.recordBootId();
      this.effects.publish({ type: 'agent.cleaned_up', hostId: this.hostId, agentId: decision.agent.agentId, destroyed: addresses.length });
      return false;
    }
    if (decision.kind === 'recover') {
      this.resume(decision.agent);
      return true;
    }
    this.recordBootId();
    this.register();
    return true;
  }

  /** The boot id is checkpointed once recovery is over (Mesos Slave::__recover), so that a crash before then still sees the reboot. */
  private recordBootId(): void {
    void this.durably([{ type: 'boot-id', bootId: this.setup.host.bootId }]);
  }

  agentId(): AgentId {
    return this.id!;
  }

  runPath(ex: ExecutorEntry): RunPath {
    return { agentId: this.id!, frameworkId: ex.frameworkId, executorId: ex.executorId, runId: ex.runId };
  }

  persist(records: readonly CheckpointRecord[]): Promise<void> {
    return this.setup.writer.write(records);
  }

  /** Resolves once `records` are durable: written now, or again each time writes succeed after failing. */
  durably(records: readonly CheckpointRecord[]): Promise<void> {
    return this.persist(records).catch(() => this.onceWritable(records));
  }

  /** Resolves once `records` are durable, written again each time writes succeed after failing. */
  private onceWritable(records: readonly CheckpointRecord[]): Promise<void> {
    return new Promise<void>((resolve) => this.retryDurably.push({ records, resolve }));
  }

  checkpointFailure(): StorageFailure | undefined {
    return this.setup.writer.lastFailure;
  }

  receive(message: AgentMsg | AgentSelfMsg): unknown {
    switch (message.type) {
      case 'agent.registered':
        return this.registered(message.agentId, message.pingTimeoutMs);
      case 'agent.reregistered':
        return this.reregistered(message.pingTimeoutMs, message.reconcile ?? []);
      case 'agent.register_retry':
        if (this.registration === 'registering') this.register();
        else if (this.registration === 'reregistering') this.reregister();
        return undefined;
      case 'agent.master_changed':
        return this.masterChanged(message.master);
      case 'agent.ping':
        return this.ping(message.connected);
      case 'agent.update_framework':
        return this.updateFramework(message.frameworkId, message.framework);
      case 'agent.gc_executor':
        return this.gcExecutor(message.frameworkId, message.executorId);
      case 'agent.master_silent':
        return this.masterSilent();
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
        return this.executorUpdate(message.executorId, message.status);
      case 'agent.status_update_ack':
        return this.acknowledged(message.frameworkId, message.taskId, message.uuid);
      case 'agent.kill_task':
        return this.kill(message.frameworkId, message.taskId);
      case 'agent.shutdown_framework':
        return void this.endFrameworks((id) => id === message.frameworkId);
      case 'agent.shutdown':
        return this.shutdown();
      case 'agent.checkpoint_resources':
        return this.checkpointResources(message.reservations);
      case 'agent.resend_due':
        this.updates.resendDue();
        return undefined;
      case 'agent.checkpoint_retry':
        return this.setup.writer.probe().then(() => undefined);
      case 'agent.executor_idle':
        return this.executorIdle(message.frameworkId, message.executorId, message.runId);
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

  /** Checkpoint writes fail now (reported once): retry them every `checkpointRetryMs` until one succeeds. */
  checkpointFailed(failure: StorageFailure): void {
    this.effects.publish({ type: 'agent.checkpoint_failed', hostId: this.hostId, failure });
    this.effects.timers.repeat('checkpoint-retry', this.options.checkpointRetryMs, { type: 'agent.checkpoint_retry' });
  }

  /** Writes succeed again: make what failed meanwhile durable, and have executors resend what was not acknowledged. */
  checkpointRecovered(failedForMs: number): void {
    this.effects.timers.cancel('checkpoint-retry');
    this.effects.publish({ type: 'agent.checkpoint_recovered', hostId: this.hostId, failedForMs });
    // Records first (agent, framework, run, sentinel…), so that no update is durable before what it is filed under.
    for (const { records: again, resolve } of this.retryDurably.splice(0)) void this.durably(again).then(resolve);
    for (const { status, checkpoint, before } of this.retryUpdates.splice(0)) this.submit(status, checkpoint, before);
    for (const path of this.retryRemovals.splice(0)) this.removeFinishedTask(path);
    for (const ex of this.book.executors()) if (ex.phase.kind === 'registered') ex.phase.ref.tell({ type: 'executor.resend' });
  }

  // ---- registration ---------------------------------------------------------------------

  private register(): void {
    this.registration = 'registering';
    this.toMaster({ type: 'master.register_agent', agent: this.effects.self, info: this.info, reservations: this.reservations });
    this.retryRegistrationLater();
  }

  /** To the master, as this agent (also from a promise's callback, where no actor is running). */
  private toMaster(message: MasterMsg): void {
    this.master.tell(message, this.effects.self);
  }

  /** Tells the master who we are and what runs here (after recovery, or to a new master). */
  private reregister(): void {
    this.registration = 'reregistering';
    this.toMaster({
      type: 'master.reregister_agent',
      agentId: this.id!,
      agent: this.effects.self,
      info: this.info,
      reservations: this.reservations,
      tasks: [...this.book.tasks()].map((t) => {
        const forwarding = this.updates.unacknowledged(t.frameworkId, t.task.taskId)[0]?.state;
        return { frameworkId: t.frameworkId, taskId: t.task.taskId, state: this.reportedState(t), ...(forwarding === undefined ? {} : { statusUpdateState: forwarding }), resources: t.task.resources };
      }),
      frameworks: [...this.book.frameworks()].map(([frameworkId, info]) => ({ frameworkId, info })),
    });
    this.retryRegistrationLater();
  }

  private retryRegistrationLater(): void {
    this.effects.timers.once('register', this.registrationBackoffMs, { type: 'agent.register_retry' });
    this.registrationBackoffMs = Math.min(60_000, this.registrationBackoffMs * 2);
  }

  private registered(agentId: AgentId, pingTimeoutMs: number): void {
    if (this.registration !== 'registering') return;
    this.admitted(pingTimeoutMs);
    this.id = agentId;
    // Reported once its id is durable (Mesos checkpoints the slave info on registration): a
    // crash after this point restarts as this agent.
    const record: CheckpointRecord = { type: 'agent', agentId, info: this.info };
    const announce = () => this.effects.publish({ type: 'agent.registered', agentId, hostId: this.hostId });
    this.persist([record]).then(announce, () => {
      void this.onceWritable([record]);
      announce();
    });
  }

  private resume(recovered: Extract<RecoveryDecision, { kind: 'recover' }>['agent']): void {
    this.registration = 'recovering';
    this.phaseMark = performance.now();
    this.id = recovered.agentId;
    // Pings must reach this worker while it waits for its executors.
    this.toMaster({ type: 'master.agent_recovering', agentId: recovered.agentId, agent: this.effects.self });
    // A compatible reconfiguration (policy `additive`) becomes the agent's recorded info.
    void this.durably([{ type: 'agent', agentId: recovered.agentId, info: this.info }]);
    for (const [frameworkId, info] of recovered.frameworks) this.book.addFramework(frameworkId, info);
    // Mesos schedules the work and meta dirs of an executor it cannot recover for GC.
    for (const { frameworkId, executorId } of recovered.orphans) {
      this.effects.timers.once(`gc-executor:${frameworkId}/${executorId}`, this.options.gcDelayMs, { type: 'agent.gc_executor', frameworkId, executorId });
    }
    this.reconnection.begin(recovered);
  }

  private gcExecutor(frameworkId: FrameworkId, executorId: ExecutorId): Promise<void> {
    const agentId = this.id!;
    return this.setup.store.removeExecutor({ agentId, frameworkId, executorId }).then(
      (records) => this.effects.publish({ type: 'agent.executor_removed', hostId: this.hostId, agentId, frameworkId, executorId, records }),
      () => undefined,
    );
  }

  /** Every executor is back (or was given up on): reregister. */
  private finishRecovery(): void {
    const now = performance.now();
    this.phases.reconnectMs = now - this.phaseMark;
    this.phaseMark = now;
    this.recordBootId();
    this.reregister();
  }

  private reregistered(pingTimeoutMs: number, reconcile: Reconciliation): void {
    if (this.registration !== 'reregistering') return;
    this.admitted(pingTimeoutMs);
    this.updates.resendAll();
    this.reconcile(reconcile);
    if (this.recoveryReported || this.setup.decision.kind !== 'recover') {
      this.effects.publish({ type: 'agent.reregistered', agentId: this.id!, hostId: this.hostId });
      return;
    }
    this.recoveryReported = true;
    const now = performance.now();
    this.effects.publish({
      type: 'agent.recovered',
      agentId: this.id!,
      hostId: this.hostId,
      ...this.reconnection.report,
      checkpointErrors: this.setup.checkpointErrors,
      rebooted: this.setup.decision.agent.rebooted,
      tasks: this.book.taskCount,
      recoveryMs: now - this.setup.startedAt,
      phases: { ...this.phases, reregisterMs: now - this.phaseMark },
    });
  }

  /**
   * Mesos Slave::reregistered: the master has tasks here that this agent did not report (its
   * launch was lost, or raced the report). For each the agent really does not know, it says so
   * itself — TASK_DROPPED (partition-aware) or TASK_LOST, REASON_RECONCILIATION — reliably,
   * through its status update manager; for one it knows (a launch in flight), nothing.
   */
  private reconcile(reconcile: Reconciliation): void {
    for (const { frameworkId, framework, taskIds } of reconcile) {
      for (const taskId of taskIds) {
        if (this.book.task(frameworkId, taskId) !== undefined) continue;
        this.submit(
          {
            taskId,
            frameworkId,
            agentId: this.id!,
            uuid: this.effects.newUuid(),
            state: framework.partitionAware === true ? 'TASK_DROPPED' : 'TASK_LOST',
            timestamp: this.effects.now(),
            source: 'SOURCE_AGENT',
            reason: 'REASON_RECONCILIATION',
            message: 'Reconciliation: task unknown to the agent',
          },
          false,
        );
      }
    }
  }

  private admitted(pingTimeoutMs: number): void {
    this.registration = 'admitted';
    this.registrationBackoffMs = this.options.registrationRetryMs;
    this.effects.timers.cancel('register');
    this.expectPings(pingTimeoutMs);
  }

  private expectPings(windowMs: number): void {
    this.pingTimeoutMs = windowMs;
    this.effects.timers.once('master-pings', windowMs, { type: 'agent.master_silent' });
  }

  /** Master failover: the new master learns this agent and its tasks from it. */
  private masterChanged(master: Peer<'master'>): void {
    this.master = master;
    if (this.registration === 'recovering' || this.registration === 'shut-down') return;
    if (this.id === undefined) this.register();
    else this.reregister();
  }

  /**
   * Mesos Slave::ping: each ping restarts the agent's window. A master that pings this agent as
   * disconnected while it believes itself admitted has lost its link to it (a one-way partition):
   * it reregisters.
   */
  private ping(connected: boolean | undefined): string {
    if (this.pingTimeoutMs !== undefined) this.expectPings(this.pingTimeoutMs);
    if (connected === false && this.registration === 'admitted') this.reregister();
    return 'pong';
  }

  /** Mesos Slave::updateFramework: the framework's scheduler is back; its updates not yet acknowledged are resent now. */
  private updateFramework(frameworkId: FrameworkId, info: FrameworkInfo): void {
    if (this.registration !== 'admitted' || this.book.framework(frameworkId) === undefined) return;
    this.book.addFramework(frameworkId, info);
    if (info.checkpoint) void this.durably([{ type: 'framework', agentId: this.id!, frameworkId, info }]);
    this.updates.resendAll(frameworkId);
  }

  /**
   * No ping for the master's whole window: it has marked this agent unreachable (a partition,
   * or this worker was paused). Reregister, as a Mesos agent does.
   */
  private masterSilent(): void {
    if (this.registration !== 'admitted') return;
    this.effects.publish({ type: 'agent.master_lost', agentId: this.id!, hostId: this.hostId, silentMs: this.pingTimeoutMs ?? 0 });
    this.reregister();
  }

  // ---- tasks and executors --------------------------------------------------------------

  taskUpdate(entry: TaskEntry, state: TaskStateName, reason: Reason, message: string, options: UpdateOptions = {}): void {
    const status: TaskStatus = {
      taskId: entry.task.taskId,
      frameworkId: entry.frameworkId,
      executorId: entry.path.executorId,
      uuid: this.effects.newUuid(),
      state,
      timestamp: this.effects.now(),
      source: 'SOURCE_AGENT',
      reason,
      message,
    };
    const before = entry.state;
    entry.state = state;
    if (isTerminal(state)) entry.terminalUuid = status.uuid;
    this.submit(status, options.checkpoint !== false && this.book.checkpointing(entry.frameworkId), before);
  }

  /** Gives the status update manager an update of the agent's own; one that cannot be checkpointed now is given again once it can. */
  private submit(status: TaskStatus, checkpoint: boolean, before?: TaskStateName): void {
    this.updates.update(status, checkpoint).catch(() => this.retryUpdates.push({ status, checkpoint, ...(before === undefined ? {} : { before }) }));
  }

  /**
   * The state a reregistration reports: the task's latest (Mesos), except an end of the agent's
   * own that it could not write yet. Should the agent restart before that write goes through,
   * the next one decides the task's end again; the master must not have told the framework one
   * that may not stand.
   */
  private reportedState(entry: TaskEntry): TaskStateName {
    const unwritten = this.retryUpdates.find((r) => r.status.uuid === entry.terminalUuid && r.before !== undefined);
    return unwritten?.before ?? entry.state;
  }

  executorGone(ex: ExecutorEntry, reason: Reason, why: string): void {
    this.book.removeExecutor(ex);
    for (const entry of this.book.tasksOf(ex)) if (!hasEnded(entry)) this.taskUpdate(entry, 'TASK_FAILED', reason, why);
    this.executorEnded(ex);
  }

  executorEnded(ex: ExecutorEntry): void {
    this.effects.timers.cancel(`idle:${ex.key}`);
    if (this.book.checkpointing(ex.frameworkId) && this.id !== undefined) void this.durably([{ type: 'sentinel', run: this.runPath(ex) }]);
  }

  private executorUpdate(executorId: ExecutorId, status: TaskStatus): void {
    const entry = this.book.task(status.frameworkId, status.taskId);
    const ex = this.book.executor(status.frameworkId, executorId);
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
    this.updates.update(status, this.book.checkpointing(status.frameworkId)).then(
      () => {
        if (entry !== undefined && !isTerminal(entry.state)) entry.state = status.state;
        executor?.tell({ type: 'executor.ack', taskId: status.taskId, uuid: status.uuid });
      },
      () => undefined,
    );
  }

  private acknowledged(frameworkId: FrameworkId, taskId: TaskId, uuid: string): void {
    const entry = this.book.task(frameworkId, taskId);
    this.updates.acknowledge(frameworkId, taskId, uuid).then((acked) => {
      if (acked === null || !isTerminal(acked.state)) return;
      this.updates.remove(frameworkId, taskId);
      // A task the agent answered a reconciliation for has no entry here.
      if (entry === undefined) return;
      this.book.removeTask(entry);
      const ex = this.book.executorOf(entry);
      // A long-lived executor's finished task leaves the checkpoint now, so that recovery reads
      // only what it needs (an executor of its own goes with its whole run, after gcDelayMs).
      if (ex !== undefined && ex.kind !== 'task' && this.book.checkpointing(frameworkId)) this.removeFinishedTask(entry.path);
      if (ex === undefined || ex.taskKeys.size > 0) return;
      if (ex.kind === 'task') this.endExecutor(ex);
      else if (ex.kind === 'default') this.effects.timers.once(`idle:${ex.key}`, this.options.executorIdleTimeoutMs, { type: 'agent.executor_idle', frameworkId, executorId: ex.executorId, runId: ex.runId });
    }, () => undefined);
  }

  private executorIdle(frameworkId: FrameworkId, executorId: ExecutorEntry['executorId'], runId: string): void {
    const ex = this.book.executor(frameworkId, executorId);
    if (ex === undefined || ex.runId !== runId || ex.taskKeys.size > 0) return;
    this.endExecutor(ex);
  }

  /** An executor with nothing left to run is shut down; its run is complete and garbage-collected after `gcDelayMs`. */
  private endExecutor(ex: ExecutorEntry): void {
    this.book.removeExecutor(ex);
    if (ex.phase.kind === 'registered') {
      this.effects.unwatch(ex.phase.ref);
      ex.phase.ref.tell({ type: 'executor.shutdown' });
    }
    if (!this.book.checkpointing(ex.frameworkId) && this.book.framework(ex.frameworkId) !== undefined) return;
    const run = this.runPath(ex);
    void this.durably([{ type: 'sentinel', run }]).then(() => this.setup.gc.schedule(run));
  }

  private kill(frameworkId: FrameworkId, taskId: string): void {
    const entry = this.book.task(frameworkId, taskId);
    if (entry === undefined || hasEnded(entry)) return;
    const ex = this.book.executorOf(entry);
    const queuedAt = ex?.queued.findIndex((t) => t.taskId === taskId) ?? -1;
    if (ex?.phase.kind === 'registered' && queuedAt < 0) {
      ex.phase.ref.tell({ type: 'executor.kill_task', taskId: entry.task.taskId, gracePeriodMs: this.options.executorShutdownGracePeriodMs });
      return;
    }
    if (queuedAt >= 0) ex!.queued.splice(queuedAt, 1);
    this.taskUpdate(entry, 'TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH', 'killed before it reached its executor');
  }

  /**
   * Mesos Slave::shutdownFramework: ends the executors of the frameworks `which` selects and
   * forgets their tasks, with no update of its own (the framework is going away: the master
   * records its tasks' end); resolves once the runs' ends are checkpointed.
   */
  private endFrameworks(which: (frameworkId: FrameworkId) => boolean): Promise<unknown> {
    for (const entry of [...this.book.tasks()]) {
      if (!which(entry.frameworkId)) continue;
      this.updates.remove(entry.frameworkId, entry.task.taskId);
      this.book.removeTask(entry);
    }
    const written: Promise<unknown>[] = [];
    for (const ex of [...this.book.executors()]) {
      if (!which(ex.frameworkId)) continue;
      this.book.removeExecutor(ex);
      this.effects.timers.cancel(`idle:${ex.key}`);
      if (ex.phase.kind === 'registered' || ex.phase.kind === 'reconnecting') {
        this.effects.unwatch(ex.phase.ref);
        ex.phase.ref.tell({ type: 'executor.shutdown' });
      } else {
        const address = addressOf(ex);
        if (address !== undefined) this.effects.launcher.tell({ type: 'launcher.destroy', address });
      }
      if (this.book.checkpointing(ex.frameworkId) && this.id !== undefined) written.push(this.persist([{ type: 'sentinel', run: this.runPath(ex) }]).catch(() => undefined));
    }
    return Promise.all(written);
  }

  /**
   * Mesos Slave::shutdown: an agent told to shut down (not a crash, not an upgrade) unregisters
   * first, then ends its executors with no update of its own; the master removes it and reports
   * its tasks TASK_LOST, REASON_AGENT_REMOVED.
   */
  private shutdown(): Promise<boolean> {
    if (this.id !== undefined) this.toMaster({ type: 'master.unregister_agent', agentId: this.id });
    this.registration = 'shut-down';
    this.effects.timers.cancel('master-pings');
    this.effects.timers.cancel('register');
    return this.endFrameworks(() => true).then(() => true);
  }

  private checkpointResources(reservations: Reservations): Promise<void> {
    this.reservations = reservations;
    return this.persist([{ type: 'resources', reservations }]).then(
      () => this.effects.publish({ type: 'agent.resources_checkpointed', hostId: this.hostId, reservations }),
      () => void this.onceWritable([{ type: 'resources', reservations }]),
    );
  }

  private removeFinishedTask(path: TaskEntry['path']): void {
    this.setup.store.removeFinishedTask(path).catch(() => this.retryRemovals.push(path));
  }

  state(): AgentSnapshot {
    const tasksByState: Record<string, number> = {};
    for (const task of this.book.tasks()) tasksByState[task.state] = (tasksByState[task.state] ?? 0) + 1;
    const failure = this.setup.writer.lastFailure;
    return {
      hostId: this.hostId,
      ...(this.id === undefined ? {} : { agentId: this.id }),
      registration: this.registration,
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
