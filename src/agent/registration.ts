import type { CheckpointRecord } from '../checkpoint/index.js';
import type { AgentId, AgentInfo, AgentMsg, AgentSnapshot, FrameworkId, FrameworkInfo, MasterMsg, Peer, Reservations, TaskStatus } from '../protocol/index.js';
import type { CheckpointRetries } from './checkpoint-retries.js';
import type { AgentCore, AgentSetup } from './core.js';

/** Tasks the master has on this agent that its reregistration did not report. */
type Reconciliation = NonNullable<Extract<AgentMsg, { type: 'agent.reregistered' }>['reconcile']>;

/**
 * The agent's standing with the master (Mesos Slave::registered, reregistered, ping): it
 * registers, or reregisters with what runs here, until the master answers; then expects the
 * master's pings, and reregisters when they stop, when the master pings it as disconnected, or
 * with a new master. It holds what the master knows the agent by (its id, info and checkpointed
 * resources), and forwards status updates only while admitted.
 */
export class Registration {
  private readonly info: AgentInfo;
  private agentId: AgentId | undefined;
  private master: Peer<'master'>;
  private registration: AgentSnapshot['registration'] = 'registering';
  private reservations: Reservations;
  private registrationBackoffMs: number;
  /** The master's ping window, once admitted; pings restart it. */
  private pingTimeoutMs: number | undefined;

  constructor(
    private readonly agent: AgentCore,
    private readonly retries: CheckpointRetries,
    setup: AgentSetup,
    /** The master answered a reregistration: announce it. */
    private readonly announceReregistration: () => void,
  ) {
    const { host } = setup;
    this.info = { hostname: host.hostname, resources: host.resources, attributes: host.attributes };
    this.master = setup.master;
    this.reservations = setup.reservations;
    this.registrationBackoffMs = setup.options.registrationRetryMs;
  }

  /** Known once the master admitted this agent, or from the checkpoint of a restarted one. */
  get id(): AgentId | undefined {
    return this.agentId;
  }

  get state(): AgentSnapshot['registration'] {
    return this.registration;
  }

  register(): void {
    this.registration = 'registering';
    this.toMaster({ type: 'master.register_agent', agent: this.agent.effects.self, info: this.info, reservations: this.reservations });
    this.retryRegistrationLater();
  }

  /** To the master, as this agent (also from a promise's callback, where no actor is running). */
  private toMaster(message: MasterMsg): void {
    this.master.tell(message, this.agent.effects.self);
  }

  /** Tells the master who we are and what runs here (after recovery, or to a new master). */
  reregister(): void {
    const { book, updates } = this.agent;
    this.registration = 'reregistering';
    this.toMaster({
      type: 'master.reregister_agent',
      agentId: this.agentId!,
      agent: this.agent.effects.self,
      info: this.info,
      reservations: this.reservations,
      tasks: [...book.tasks()].map((t) => {
        const forwarding = updates.unacknowledged(t.frameworkId, t.task.taskId)[0]?.state;
        return { frameworkId: t.frameworkId, taskId: t.task.taskId, state: this.retries.reportedState(t), ...(forwarding === undefined ? {} : { statusUpdateState: forwarding }), resources: t.task.resources };
      }),
      frameworks: [...book.frameworks()].map(([frameworkId, info]) => ({ frameworkId, info })),
    });
    this.retryRegistrationLater();
  }

  /** `agent.register_retry`: the master has not answered yet. */
  retry(): void {
    if (this.registration === 'registering') this.register();
    else if (this.registration === 'reregistering') this.reregister();
  }

  private retryRegistrationLater(): void {
    this.agent.effects.timers.once('register', this.registrationBackoffMs, { type: 'agent.register_retry' });
    this.registrationBackoffMs = Math.min(60_000, this.registrationBackoffMs * 2);
  }

  registered(agentId: AgentId, pingTimeoutMs: number): void {
    if (this.registration !== 'registering') return;
    this.admitted(pingTimeoutMs);
    this.agentId = agentId;
    // Reported once its id is durable (Mesos checkpoints the slave info on registration): a
    // crash after this point restarts as this agent.
    const record: CheckpointRecord = { type: 'agent', agentId, info: this.info };
    const announce = () => this.agent.effects.publish({ type: 'agent.registered', agentId, hostId: this.agent.hostId });
    this.agent.persist([record]).then(announce, () => {
      void this.retries.onceWritable([record]);
      announce();
    });
  }

  /** A restarted agent resumes as `agentId`, and waits for its executors before it reregisters. */
  recovering(agentId: AgentId): void {
    this.registration = 'recovering';
    this.agentId = agentId;
    // Pings must reach this worker while it waits for its executors.
    this.toMaster({ type: 'master.agent_recovering', agentId, agent: this.agent.effects.self });
    // A compatible reconfiguration (policy `additive`) becomes the agent's recorded info.
    void this.agent.durably([{ type: 'agent', agentId, info: this.info }]);
  }

  reregistered(pingTimeoutMs: number, reconcile: Reconciliation): void {
    if (this.registration !== 'reregistering') return;
    this.admitted(pingTimeoutMs);
    this.agent.updates.resendAll();
    this.reconcile(reconcile);
    this.announceReregistration();
  }

  /**
   * Mesos Slave::reregistered: the master has tasks here that this agent did not report (its
   * launch was lost, or raced the report). For each the agent really does not know, it says so
   * itself — TASK_DROPPED (partition-aware) or TASK_LOST, REASON_RECONCILIATION — reliably,
   * through its status update manager; for one it knows (a launch in flight), nothing.
   */
  private reconcile(reconcile: Reconciliation): void {
    const { book, effects } = this.agent;
    for (const { frameworkId, framework, taskIds } of reconcile) {
      for (const taskId of taskIds) {
        if (book.task(frameworkId, taskId) !== undefined) continue;
        this.retries.submit(
          {
            taskId,
            frameworkId,
            agentId: this.agentId!,
            uuid: effects.newUuid(),
            state: framework.partitionAware === true ? 'TASK_DROPPED' : 'TASK_LOST',
            timestamp: effects.now(),
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
    this.registrationBackoffMs = this.agent.options.registrationRetryMs;
    this.agent.effects.timers.cancel('register');
    this.expectPings(pingTimeoutMs);
  }

  private expectPings(windowMs: number): void {
    this.pingTimeoutMs = windowMs;
    this.agent.effects.timers.once('master-pings', windowMs, { type: 'agent.master_silent' });
  }

  /** Master failover: the new master learns this agent and its tasks from it. */
  masterChanged(master: Peer<'master'>): void {
    this.master = master;
    if (this.registration === 'recovering' || this.registration === 'shut-down') return;
    if (this.agentId === undefined) this.register();
    else this.reregister();
  }

  /**
   * Mesos Slave::ping: each ping restarts the agent's window. A master that pings this agent as
   * disconnected while it believes itself admitted has lost its link to it (a one-way partition):
   * it reregisters.
   */
  ping(connected: boolean | undefined): string {
    if (this.pingTimeoutMs !== undefined) this.expectPings(this.pingTimeoutMs);
    if (connected === false && this.registration === 'admitted') this.reregister();
    return 'pong';
  }

  /** Mesos Slave::updateFramework: the framework's scheduler is back; its updates not yet acknowledged are resent now. */
  updateFramework(frameworkId: FrameworkId, info: FrameworkInfo): void {
    const { book } = this.agent;
    if (this.registration !== 'admitted' || book.framework(frameworkId) === undefined) return;
    book.addFramework(frameworkId, info);
    if (info.checkpoint) void this.agent.durably([{ type: 'framework', agentId: this.agentId!, frameworkId, info }]);
    this.agent.updates.resendAll(frameworkId);
  }

  /**
   * No ping for the master's whole window: it has marked this agent unreachable (a partition,
   * or this worker was paused). Reregister, as a Mesos agent does.
   */
  masterSilent(): void {
    if (this.registration !== 'admitted') return;
    this.agent.effects.publish({ type: 'agent.master_lost', agentId: this.agentId!, hostId: this.agent.hostId, silentMs: this.pingTimeoutMs ?? 0 });
    this.reregister();
  }

  /** The status update manager's forwarding: updates reach the master while this agent is admitted. */
  forward(status: TaskStatus): void {
    if (this.registration === 'admitted') this.toMaster({ type: 'master.status_update', agentId: this.agentId!, status });
  }

  /** The agent is shutting down: the master is told (if it knows this agent), and nothing more is sent to it. */
  unregister(): void {
    if (this.agentId !== undefined) this.toMaster({ type: 'master.unregister_agent', agentId: this.agentId });
    this.registration = 'shut-down';
    this.agent.effects.timers.cancel('master-pings');
    this.agent.effects.timers.cancel('register');
  }

  checkpointResources(reservations: Reservations): Promise<void> {
    this.reservations = reservations;
    const checkpointed = () => this.agent.effects.publish({ type: 'agent.resources_checkpointed', hostId: this.agent.hostId, reservations });
    return this.agent.persist([{ type: 'resources', reservations }]).then(checkpointed, () => {
      // Not waited for: the master's reservation stands; the event says when the agent's copy does.
      void this.retries.onceWritable([{ type: 'resources', reservations }]).then(checkpointed);
    });
  }
}
