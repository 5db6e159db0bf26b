import * as v from 'valibot';
import type { Timers } from '../actor/index.js';
import {
  type AgentId,
  type AgentInfo,
  type ClusterEvent,
  type FrameworkId,
  type FrameworkInfo,
  type MasterMsg,
  type MasterSelfMsg,
  type MasterState,
  NO_RESOURCES,
  type OfferId,
  type Peer,
  type Reason,
  type Reservations,
  type Resources,
  type StorageFailure,
  TaskDescriptionSchema,
  type TaskId,
  type TaskStateName,
  type TaskStatus,
  isTerminal,
  isValidId,
  subtract,
} from '../protocol/index.js';
import { AgentResources, sumOf } from './agent-resources.js';
import { CompletedTasks } from './completed-tasks.js';
import { type AgentEntry, type CompletedFramework, type FrameworkEntry, type TaskEntry, type UnreachableAgent, roleOf, taskKey } from './entries.js';
import { Offers } from './offers.js';
import type { MasterOptions } from './options.js';
import { answerForUnknownTask, unreachableToPrune } from './unknown-tasks.js';

/** Where the master keeps what it admitted (the registry), as the master uses it. */
export interface RegistryWriter {
  admitAgent(id: AgentId, info: AgentInfo): Promise<void>;
  updateAgent(id: AgentId, info: AgentInfo): Promise<void>;
  markAgentUnreachable(id: AgentId, info: AgentInfo, time: number): Promise<void>;
  markAgentReachable(id: AgentId, info: AgentInfo): Promise<void>;
  removeAgent(id: AgentId): Promise<void>;
  pruneUnreachable(ids: readonly AgentId[]): Promise<void>;
  admitFramework(id: FrameworkId, info: FrameworkInfo): Promise<void>;
  removeFramework(id: FrameworkId): Promise<void>;
}

/** What an earlier master admitted. */
export interface Admitted {
  readonly agents: ReadonlyMap<AgentId, AgentInfo>;
  readonly unreachable: ReadonlyMap<AgentId, UnreachableAgent>;
  readonly frameworks: ReadonlyMap<FrameworkId, FrameworkInfo>;
  readonly lastAgent: number;
  readonly lastFramework: number;
}

const NOTHING_ADMITTED: Admitted = { agents: new Map(), unreachable: new Map(), frameworks: new Map(), lastAgent: 0, lastFramework: 0 };

/** What the master needs from its actor: time, ids, timers, watches, its event stream and its registry. */
export interface MasterEnv {
  readonly timers: Timers<MasterSelfMsg>;
  now(): number;
  newOfferId(): OfferId;
  toSelf(message: MasterSelfMsg): void;
  watch(peer: { readonly address: string }): void;
  unwatch(peer: { readonly address: string }): void;
  publish(event: ClusterEvent): void;
  readonly registry: RegistryWriter | null;
  /** Why a registry write failed, for events and `state()`. */
  describeFailure(error: unknown): StorageFailure;
}

/** Who sent a message, when it came from an actor. */
export type Sender = { readonly address: string } | undefined;

type Reregistration = Extract<MasterMsg, { type: 'master.reregister_agent' }>;

/**
 * The master's logic, apart from its actor: admits agents and frameworks, offers each agent's
 * free resources to frameworks in turn, validates and routes launches, forwards status updates
 * and their acknowledgements, answers reconciliation, and follows each agent through
 * disconnection, unreachability, removal and reregistration as Mesos's master does — the
 * registry written first, memory changed once it is (`master.registry_done`).
 */
export class Master {
  /** Registered agents, connected or not (Mesos slaves.registered). */
  private readonly agents = new Map<AgentId, AgentEntry>();
  /** Agents of the registry not reregistered since this master started (Mesos slaves.recovered). */
  private readonly recovered = new Map<AgentId, AgentInfo>();
  private readonly unreachable = new Map<AgentId, UnreachableAgent>();
  /** Agents removed since this master started: their updates are dropped. */
  private readonly removed = new Set<AgentId>();
  /** Registrations (by agent address) and reregistrations (by id) waiting for their registry write. */
  private readonly registering = new Set<string>();
  private readonly reregistering = new Set<AgentId>();
  private readonly frameworks = new Map<FrameworkId, FrameworkEntry>();
  private readonly tasks = new Map<string, TaskEntry>();
  /** Every framework admitted and not torn down, connected or not (after a master failover, or waiting for its scheduler). */
  private readonly admitted: Map<FrameworkId, FrameworkInfo>;
  private readonly completedFrameworks: CompletedFramework[] = [];
  private readonly completedTasks: CompletedTasks;
  private readonly offers: Offers;
  /** Registry operations in flight: what to do once each is written (or not). */
  private readonly pendingOps = new Map<number, (written: boolean) => void>();
  private nextOp = 0;
  private nextAgent: number;
  private nextFramework: number;
  private registryFailure: { failure: StorageFailure; since: number } | undefined;
  /** The agent totals schedulers were last told (`scheduler.agents`), as a key. */
  private announcedTotals = '';
  /** After this long without a ping an agent knows the master has given it up: the window and one interval more. */
  private readonly agentSilenceMs: number;

  constructor(
    private readonly options: MasterOptions,
    private readonly env: MasterEnv,
    admitted: Admitted = NOTHING_ADMITTED,
  ) {
    this.admitted = new Map(admitted.frameworks);
    for (const [id, info] of admitted.agents) this.recovered.set(id, info);
    for (const [id, entry] of admitted.unreachable) this.unreachable.set(id, entry);
    this.nextAgent = admitted.lastAgent;
    this.nextFramework = admitted.lastFramework;
    this.agentSilenceMs = options.agentPingTimeoutMs * (options.maxAgentPingTimeouts + 1);
    this.completedTasks = new CompletedTasks(options.maxCompletedTasksPerFramework, options.completedTaskRetentionMs, (key) => {
      if (this.tasks.get(key)?.phase === 'completed') this.tasks.delete(key);
    });
    this.offers = new Offers({
      agents: this.agents,
      frameworks: this.frameworks,
      timers: env.timers,
      offerTimeoutMs: options.offerTimeoutMs,
      now: () => env.now(),
      newOfferId: () => env.newOfferId(),
      publish: (event) => env.publish(event),
    });
    env.timers.repeat('ping', options.agentPingTimeoutMs, { type: 'master.ping_all' });
    env.timers.repeat('registry-gc', options.registryGcIntervalMs, { type: 'master.registry_gc' });
    // Mesos: agents of the registry that do not come back within the reregistration timeout are marked unreachable.
    if (this.recovered.size > 0) env.timers.once('recovered-agents', options.agentReregisterTimeoutMs, { type: 'master.recovered_agents_timeout' });
  }

  receive(message: MasterMsg | MasterSelfMsg, sender: Sender): unknown {
    switch (message.type) {
      case 'master.register_agent':
        return this.registerAgent(message.agent, message.info, message.reservations);
      case 'master.unregister_agent':
        return this.unregisterAgent(message.agentId, sender);
      case 'master.agent_recovering':
        return this.agentRecovering(message.agentId, message.agent);
      case 'master.reregister_agent':
        return this.reregisterAgent(message);
      case 'master.register_framework':
        return this.registerFramework(message.scheduler, message.info, message.frameworkId);
      case 'master.accept':
        return this.fromScheduler(message.frameworkId, sender, (framework) => this.accept(framework, message.offerId, message.tasks));
      case 'master.decline':
        return this.fromScheduler(message.frameworkId, sender, () => this.offers.decline(message.frameworkId, message.offerId, message.refuseMs ?? 5_000));
      case 'master.revive':
        return this.fromScheduler(message.frameworkId, sender, () => this.offers.revive(message.frameworkId));
      case 'master.teardown':
        return this.fromScheduler(message.frameworkId, sender, () => this.teardown(message.frameworkId, 'the framework tore itself down'));
      case 'master.reserve':
      case 'master.unreserve':
        return this.fromScheduler(message.frameworkId, sender, () => this.offers.changeReservation(message), `framework ${message.frameworkId} is not registered with this scheduler`);
      case 'master.status_update':
        return this.statusUpdate(message.agentId, message.status, sender);
      case 'master.acknowledge':
        return this.acknowledge(message.frameworkId, message.taskId, message.uuid, message.agentId);
      case 'master.kill_task':
        return this.fromScheduler(message.frameworkId, sender, (framework) => this.kill(framework, message.taskId, message.agentId));
      case 'master.reconcile':
        return this.fromScheduler(message.frameworkId, sender, (framework) => this.reconcile(framework, message.tasks));
      case 'master.state':
        return this.state();
      case 'master.offer_timeout':
        return this.offers.rescind(message.offerId);
      case 'master.failover_timeout':
        return this.failoverTimeout(message.frameworkId);
      case 'master.allocate':
        return this.offers.allocate();
      case 'master.ping_all':
        this.completedTasks.expire(this.env.now());
        return this.pingAll();
      case 'master.ping_result':
        return this.pingResult(message.agentId, message.ok);
      case 'master.registry_done':
        return this.registryDone(message.op, message.ok);
      case 'master.reregister_timeout':
        return this.reregisterTimeout(message.agentId, message.since);
      case 'master.recovered_agents_timeout':
        return this.recoveredAgentsTimeout();
      case 'master.registry_gc':
        return this.registryGc();
    }
  }

  /** A watched actor is gone: an agent (disconnected) or a scheduler (its framework waits for a failover). */
  down(address: string, shutdown: boolean): void {
    for (const agent of this.agents.values()) if (agent.ref.address === address && agent.connected) this.disconnected(agent);
    // A scheduler stopped by the system's own shutdown has nothing to fail over to.
    if (shutdown) return;
    for (const framework of this.frameworks.values()) if (framework.connected && framework.scheduler.address === address) this.schedulerGone(framework);
  }

  // ---- registration ---------------------------------------------------------------------

  /**
   * Mesos Master::registerSlave. A registration from an agent already registered and connected
   * at that address (it retried: the answer was lost) gets its id again. One from the address
   * of a disconnected agent — or its host: a restarted worker has a new address, where a Mesos
   * agent keeps its ip:port — means that agent starts over: the old one is removed. Otherwise
   * the agent is admitted, in the registry first.
   */
  private registerAgent(ref: Peer<'agent'>, info: AgentInfo, reservations: Reservations): void {
    if (this.registering.has(ref.address)) return;
    const existing = [...this.agents.values()].find((a) => a.ref.address === ref.address || (!a.connected && a.info.hostname === info.hostname));
    if (existing !== undefined && existing.connected) {
      ref.tell({ type: 'agent.registered', agentId: existing.id, pingTimeoutMs: this.agentSilenceMs });
      return;
    }
    if (existing !== undefined) this.removeAgent(existing, 'a new agent registered at the same address');
    const id = `agent-${++this.nextAgent}` as AgentId;
    this.registering.add(ref.address);
    this.persist(
      (registry) => registry.admitAgent(id, info),
      (written) => {
        this.registering.delete(ref.address);
        // Not written: the agent is not admitted; it registers again after its backoff.
        if (!written) return;
        this.admit(id, ref, info, reservations);
        ref.tell({ type: 'agent.registered', agentId: id, pingTimeoutMs: this.agentSilenceMs });
        this.env.publish({ type: 'master.agent_registered', agentId: id, hostname: info.hostname });
        this.offers.soon();
      },
    );
  }

  private admit(id: AgentId, ref: Peer<'agent'>, info: AgentInfo, reservations: Reservations): AgentEntry {
    const entry: AgentEntry = { id, ref, info, resources: new AgentResources(info.resources, reservations), missedPings: 0, connected: true, killedTasks: new Set(), registeredAt: this.env.now() };
    this.agents.set(id, entry);
    this.env.watch(ref);
    this.announceAgents();
    return entry;
  }

  /** Tells every scheduler the agents' totals when they change, so that `launch()` can refuse a task no agent could run. */
  private announceAgents(to?: Peer<'scheduler'>): void {
    const totals = this.agentTotals();
    const key = JSON.stringify(totals);
    if (to !== undefined) return to.tell({ type: 'scheduler.agents', totals });
    if (key === this.announcedTotals) return;
    this.announcedTotals = key;
    for (const framework of this.frameworks.values()) if (framework.connected) framework.scheduler.tell({ type: 'scheduler.agents', totals });
  }

  private agentTotals(): Resources[] {
    const distinct = new Map<string, Resources>();
    for (const agent of this.agents.values()) distinct.set(`${agent.info.resources.cpus}/${agent.info.resources.mem}`, { cpus: agent.info.resources.cpus, mem: agent.info.resources.mem });
    return [...distinct.values()];
  }

  /** A restarted agent is recovering at a new address: pings go there (it is still disconnected until it reregisters). */
  private agentRecovering(agentId: AgentId, ref: Peer<'agent'>): void {
    const entry = this.agents.get(agentId);
    if (entry === undefined) return;
    entry.ref = ref;
    entry.missedPings = 0;
    this.env.watch(ref);
  }

  /**
   * Mesos Master::reregisterSlave. A registered agent (connected or not) is reconciled with
   * what it reports (`reconcileKnown`), after an UpdateSlave if its info changed. Any other —
   * recovered from the registry, unreachable, removed or unknown — is readmitted from its report
   * (`readmit`) after MarkSlaveReachable (UpdateSlave for a recovered one whose info changed).
   * Ignored while a registry operation on that agent is pending.
   */
  private reregisterAgent(message: Reregistration): void {
    const id = message.agentId;
    if (this.reregistering.has(id)) return;
    const known = this.agents.get(id);
    if (known?.busy !== undefined) return;
    const recovered = this.recovered.get(id);
    const before = known?.info ?? recovered;
    const changed = before === undefined || !sameInfo(before, message.info);
    const apply = () => (known !== undefined ? this.reconcileKnown(known, message) : this.readmit(message, recovered !== undefined));
    if (before !== undefined && !changed) return apply();
    this.reregistering.add(id);
    this.persist(
      (registry) => (before !== undefined ? registry.updateAgent(id, message.info) : registry.markAgentReachable(id, message.info)),
      (written) => {
        this.reregistering.delete(id);
        if (!written) return;
        // Removed (or marked unreachable) meanwhile: the agent reregisters again.
        if (known !== undefined && this.agents.get(id) !== known) return;
        apply();
      },
    );
  }

  /**
   * Mesos reconcileKnownSlave: a registered agent reregisters. The master makes up no updates:
   * tasks it has there that the agent did not report are reconciled through the agent (which
   * answers for those it really does not know), kills asked for meanwhile are sent again, and
   * frameworks torn down meanwhile are shut down there.
   */
  private reconcileKnown(agent: AgentEntry, message: Reregistration): void {
    agent.ref = message.agent;
    agent.info = message.info;
    agent.connected = true;
    agent.missedPings = 0;
    agent.reregisteredAt = this.env.now();
    delete agent.disconnectedAt;
    this.env.timers.cancel(`reregister:${agent.id}`);
    this.env.watch(agent.ref);
    const reported = new Map(message.tasks.map((t) => [taskKey(t.frameworkId, t.taskId), t]));
    const live = this.tasksOn(agent.id).filter((task) => !isTerminal(task.state));
    agent.resources.reset(message.info.resources, live.map((task) => task.allocation));
    this.announceAgents();
    const missing = new Map<FrameworkId, TaskId[]>();
    for (const task of this.tasksOn(agent.id)) {
      if (reported.has(taskKey(task.frameworkId, task.taskId))) continue;
      // Ended here and no longer on the agent: its acknowledgement reached the agent, not (yet) this master.
      if (isTerminal(task.state)) {
        this.complete(task);
        continue;
      }
      const list = missing.get(task.frameworkId) ?? [];
      list.push(task.taskId);
      missing.set(task.frameworkId, list);
    }
    const reconcile = [...missing].flatMap(([frameworkId, taskIds]) => {
      const framework = this.frameworkInfo(frameworkId);
      return framework === undefined ? [] : [{ frameworkId, framework, taskIds }];
    });
    agent.ref.tell({ type: 'agent.reregistered', agentId: agent.id, pingTimeoutMs: this.agentSilenceMs, ...(reconcile.length === 0 ? {} : { reconcile }) });
    for (const [key, task] of reported) {
      if (!isTerminal(task.state) && agent.killedTasks.has(key)) agent.ref.tell({ type: 'agent.kill_task', frameworkId: task.frameworkId, taskId: task.taskId });
    }
    this.shutDownRemovedFrameworks(agent, message);
    this.updateAgentFrameworks(agent, message);
    agent.ref.tell({ type: 'agent.checkpoint_resources', reservations: agent.resources.reservations() });
    this.env.publish({ type: 'master.agent_reregistered', agentId: agent.id, tasks: message.tasks.length });
    this.offers.soon();
  }

  /**
   * Mesos __reregisterSlave: an agent the master does not hold as registered is admitted again
   * with the tasks it reports (those of torn-down frameworks aside). Unless it was recovered
   * from the registry (a master failover), each framework is told its tasks' states, from the
   * master, REASON_AGENT_REREGISTERED; tasks the master held as unreachable there that the
   * agent does not report are forgotten without an update.
   */
  private readmit(message: Reregistration, wasRecovered: boolean): void {
    const id = message.agentId;
    this.recovered.delete(id);
    this.unreachable.delete(id);
    this.removed.delete(id);
    const wasUnreachable = [...this.tasks.values()].some((t) => t.agentId === id && t.phase === 'unreachable');
    for (const [key, task] of this.tasks) if (task.agentId === id && task.phase === 'unreachable') this.tasks.delete(key);
    const agent = this.admit(id, message.agent, message.info, message.reservations);
    agent.reregisteredAt = this.env.now();
    for (const t of message.tasks) {
      if (!this.admitted.has(t.frameworkId)) continue;
      const key = taskKey(t.frameworkId, t.taskId);
      const role = roleOf(this.frameworkInfo(t.frameworkId));
      const allocation = isTerminal(t.state) ? { role, reserved: NO_RESOURCES, unreserved: t.resources } : agent.resources.charge(role, t.resources);
      const task: TaskEntry = {
        taskId: t.taskId,
        frameworkId: t.frameworkId,
        agentId: id,
        name: this.tasks.get(key)?.name ?? t.taskId,
        allocation,
        state: t.state,
        ...(t.statusUpdateState === undefined ? {} : { statusUpdateState: t.statusUpdateState }),
        phase: 'active',
        updatedAt: this.env.now(),
      };
      this.tasks.set(key, task);
      this.frameworks.get(t.frameworkId)?.agents.add(id);
      if (!wasRecovered) {
        const why = wasUnreachable ? 'unreachable agent reregistered' : 'unknown agent reregistered';
        this.toScheduler(t.frameworkId, this.statusOf(task, t.state, 'REASON_AGENT_REREGISTERED', `${why}: ${id}`));
      }
    }
    agent.ref.tell({ type: 'agent.reregistered', agentId: id, pingTimeoutMs: this.agentSilenceMs });
    this.shutDownRemovedFrameworks(agent, message);
    this.updateAgentFrameworks(agent, message);
    this.env.publish({ type: 'master.agent_reregistered', agentId: id, tasks: message.tasks.length });
    this.offers.soon();
  }

  /** Frameworks the master tore down while the agent was away: the agent shuts them down (Mesos ShutdownFrameworkMessage). */
  private shutDownRemovedFrameworks(agent: AgentEntry, message: Reregistration): void {
    const reported = new Set([...message.tasks.map((t) => t.frameworkId), ...message.frameworks.map((f) => f.frameworkId)]);
    for (const frameworkId of reported) if (!this.admitted.has(frameworkId)) agent.ref.tell({ type: 'agent.shutdown_framework', frameworkId });
  }

  /** Mesos updateSlaveFrameworks: the agent is told which of its frameworks have a scheduler now, and resends their pending updates. */
  private updateAgentFrameworks(agent: AgentEntry, message: Reregistration): void {
    for (const { frameworkId } of message.frameworks) {
      const framework = this.frameworks.get(frameworkId);
      if (framework?.connected === true) agent.ref.tell({ type: 'agent.update_framework', frameworkId, framework: framework.info });
    }
  }

  // ---- agents that go away --------------------------------------------------------------

  /**
   * The agent's actor is gone (Mesos Master::exited). Tasks of frameworks that do not
   * checkpoint cannot survive it (their executors end with the agent): TASK_LOST now. The rest
   * wait for the agent to reregister: within `agentReregisterTimeoutMs`, or it is marked
   * unreachable (so it is too if it misses its pings first).
   */
  private disconnected(agent: AgentEntry): void {
    agent.connected = false;
    agent.disconnectedAt = this.env.now();
    this.offers.rescindAgent(agent);
    for (const task of this.tasksOn(agent.id)) {
      if (isTerminal(task.state) || this.frameworkInfo(task.frameworkId)?.checkpoint === true) continue;
      this.endTask(task, 'TASK_LOST', 'REASON_AGENT_DISCONNECTED', `agent ${agent.id} disconnected`);
    }
    this.env.timers.once(`reregister:${agent.id}`, this.options.agentReregisterTimeoutMs, { type: 'master.reregister_timeout', agentId: agent.id, since: agent.disconnectedAt });
    this.env.publish({ type: 'master.agent_disconnected', agentId: agent.id });
  }

  private reregisterTimeout(agentId: AgentId, since: number): void {
    const agent = this.agents.get(agentId);
    if (agent === undefined || agent.connected || agent.disconnectedAt !== since) return;
    this.markUnreachable(agent, `it did not reregister within ${this.options.agentReregisterTimeoutMs} ms (agentReregisterTimeoutMs)`);
  }

  /**
   * Mesos markUnreachable: the registry first (MarkSlaveUnreachable), then the agent leaves the
   * registered agents; each of its tasks is TASK_UNREACHABLE (partition-aware frameworks) or
   * TASK_LOST, from the master, REASON_AGENT_REMOVED, with the time — a task that had ended
   * keeps its terminal state but the framework is still told — and every framework hears the
   * agent is lost. Refused while another registry operation on the agent is pending.
   */
  private markUnreachable(agent: AgentEntry, cause: string): void {
    if (agent.busy !== undefined || this.reregistering.has(agent.id)) return;
    agent.busy = 'unreachable';
    const time = this.env.now();
    this.persist(
      (registry) => registry.markAgentUnreachable(agent.id, agent.info, time),
      (written) => {
        delete agent.busy;
        if (!written || this.agents.get(agent.id) !== agent) return;
        this.forgetAgent(agent);
        this.unreachable.set(agent.id, { info: agent.info, time });
        for (const task of this.tasksOn(agent.id)) {
          const state = this.partitionAware(task.frameworkId) ? 'TASK_UNREACHABLE' : 'TASK_LOST';
          const status = { ...this.statusOf(task, state, 'REASON_AGENT_REMOVED', `agent ${agent.id} is unreachable: ${cause}`), unreachableTime: time };
          this.updateTask(task, state, 'REASON_AGENT_REMOVED');
          task.phase = 'unreachable';
          this.toScheduler(task.frameworkId, status);
        }
        this.agentLost(agent.id);
        this.env.publish({ type: 'master.agent_unreachable', agentId: agent.id, missedPings: agent.missedPings, cause });
      },
    );
  }

  /** After a master failover, agents of the registry that did not reregister in time are marked unreachable (they have no tasks here). */
  private recoveredAgentsTimeout(): void {
    for (const [id, info] of this.recovered) {
      if (this.reregistering.has(id)) continue;
      const time = this.env.now();
      this.reregistering.add(id);
      this.persist(
        (registry) => registry.markAgentUnreachable(id, info, time),
        (written) => {
          this.reregistering.delete(id);
          if (!written || !this.recovered.delete(id)) return;
          this.unreachable.set(id, { info, time });
          this.agentLost(id);
          this.env.publish({ type: 'master.agent_unreachable', agentId: id, missedPings: 0, cause: 'it did not reregister after the master failed over' });
        },
      );
    }
  }

  private unregisterAgent(agentId: AgentId, sender: Sender): void {
    const agent = this.agents.get(agentId);
    if (agent === undefined || (sender !== undefined && sender.address !== agent.ref.address)) return;
    this.removeAgent(agent, 'the agent was shut down');
  }

  /**
   * Mesos removeSlave: the registry first (RemoveSlave), then the agent is forgotten and each of
   * its tasks is TASK_LOST, from the master, REASON_AGENT_REMOVED (partition-aware or not).
   */
  private removeAgent(agent: AgentEntry, why: string): void {
    if (agent.busy !== undefined) return;
    agent.busy = 'removing';
    this.persist(
      (registry) => registry.removeAgent(agent.id),
      (written) => {
        delete agent.busy;
        if (!written || this.agents.get(agent.id) !== agent) return;
        this.forgetAgent(agent);
        this.removed.add(agent.id);
        for (const task of this.tasksOn(agent.id)) this.endTask(task, 'TASK_LOST', 'REASON_AGENT_REMOVED', `agent ${agent.id} removed: ${why}`);
        this.agentLost(agent.id);
        this.env.publish({ type: 'master.agent_removed', agentId: agent.id, reason: why });
      },
    );
  }

  /** The agent leaves the registered agents: no more pings, offers or kills for it. */
  private forgetAgent(agent: AgentEntry): void {
    this.agents.delete(agent.id);
    this.env.unwatch(agent.ref);
    this.env.timers.cancel(`reregister:${agent.id}`);
    this.offers.rescindAgent(agent);
    this.announceAgents();
  }

  /** Mesos's slaveLost, to every framework with a scheduler. */
  private agentLost(agentId: AgentId): void {
    for (const framework of this.frameworks.values()) if (framework.connected) framework.scheduler.tell({ type: 'scheduler.agent_lost', agentId });
  }

  private pingAll(): void {
    for (const agent of this.agents.values()) {
      if (agent.busy !== undefined) continue;
      const agentId = agent.id;
      agent.ref.ask({ type: 'agent.ping', connected: agent.connected }, { timeoutMs: this.options.agentPingTimeoutMs }).then(
        () => this.env.toSelf({ type: 'master.ping_result', agentId, ok: true }),
        () => this.env.toSelf({ type: 'master.ping_result', agentId, ok: false }),
      );
    }
  }

  private pingResult(agentId: AgentId, ok: boolean): void {
    const agent = this.agents.get(agentId);
    if (agent === undefined || agent.busy !== undefined) return;
    agent.missedPings = ok ? 0 : agent.missedPings + 1;
    if (agent.missedPings >= this.options.maxAgentPingTimeouts) this.markUnreachable(agent, `it missed ${agent.missedPings} pings`);
  }

  /** Mesos doRegistryGc: unreachable agents too old, or beyond the count, are pruned from the registry. */
  private registryGc(): void {
    const ids = unreachableToPrune(this.unreachable, this.env.now(), this.options.registryMaxAgentAgeMs, this.options.registryMaxAgentCount);
    if (ids.length === 0) return;
    this.persist(
      (registry) => registry.pruneUnreachable(ids),
      (written) => {
        if (!written) return;
        for (const id of ids) this.unreachable.delete(id);
        this.env.publish({ type: 'master.agents_pruned', agentIds: ids });
      },
    );
  }

  // ---- frameworks -----------------------------------------------------------------------

  private registerFramework(scheduler: Peer<'scheduler'>, info: FrameworkInfo, frameworkId: FrameworkId | undefined): void {
    if (frameworkId === undefined) {
      const id = `framework-${++this.nextFramework}` as FrameworkId;
      this.persist(
        (registry) => registry.admitFramework(id, info),
        (written) => {
          if (!written) {
            scheduler.tell({ type: 'scheduler.error', code: 'ERR_REGISTRY_UNAVAILABLE', message: `the master cannot record framework ${info.name}: ${this.registryFailure?.failure.message ?? 'its registry write failed'}` });
            return;
          }
          this.admitted.set(id, info);
          this.subscribe(id, info, scheduler);
          this.env.publish({ type: 'master.framework_registered', frameworkId: id, frameworkName: info.name });
        },
      );
      return;
    }
    const existing = this.frameworks.get(frameworkId);
    if (existing !== undefined) {
      // Scheduler failover: the framework, its tasks and its update streams stay; the old
      // scheduler is told, and everything now goes to the new one.
      if (existing.connected && !existing.scheduler.equals(scheduler)) existing.scheduler.tell({ type: 'scheduler.error', code: 'ERR_FRAMEWORK_FAILED_OVER', message: 'Framework failed over' });
      this.offers.closeFramework(existing.id);
      this.attachScheduler(existing, scheduler);
      scheduler.tell({ type: 'scheduler.registered', frameworkId });
      this.announceAgents(scheduler);
      this.tellAgentsOf(existing);
      this.offers.soon();
      return;
    }
    if (!this.admitted.has(frameworkId)) {
      scheduler.tell({ type: 'scheduler.error', code: 'ERR_FRAMEWORK_UNKNOWN', message: `framework ${frameworkId} is not registered (it may have been torn down)` });
      return;
    }
    // Admitted by an earlier master: it subscribes again after a master failover.
    this.tellAgentsOf(this.subscribe(frameworkId, info, scheduler));
  }

  private subscribe(id: FrameworkId, info: FrameworkInfo, scheduler: Peer<'scheduler'>): FrameworkEntry {
    const framework: FrameworkEntry = { id, info, scheduler, connected: false, refused: new Map(), agents: new Set(), formerSchedulers: new Set(), registeredAt: this.env.now() };
    for (const task of this.tasks.values()) if (task.frameworkId === id && task.phase === 'active') framework.agents.add(task.agentId);
    this.frameworks.set(id, framework);
    this.attachScheduler(framework, scheduler);
    scheduler.tell({ type: 'scheduler.registered', frameworkId: id });
    this.announceAgents(scheduler);
    this.offers.soon();
    return framework;
  }

  /** A framework has a (new) scheduler: the agents that run it resend its pending updates now (Mesos UpdateFrameworkMessage). */
  private tellAgentsOf(framework: FrameworkEntry): void {
    for (const agentId of framework.agents) {
      const agent = this.agents.get(agentId);
      if (agent?.connected === true) agent.ref.tell({ type: 'agent.update_framework', frameworkId: framework.id, framework: framework.info });
    }
  }

  /** A scheduler is this framework's from now on (a new framework, a failover, or back after a master failover). */
  private attachScheduler(framework: FrameworkEntry, scheduler: Peer<'scheduler'>): void {
    if (!framework.scheduler.equals(scheduler)) {
      if (framework.connected) this.env.unwatch(framework.scheduler);
      framework.formerSchedulers.add(framework.scheduler.address);
      framework.formerSchedulers.delete(scheduler.address);
    }
    framework.scheduler = scheduler;
    framework.connected = true;
    this.env.timers.cancel(`failover:${framework.id}`);
    this.env.watch(scheduler);
  }

  /**
   * A call that names a framework is refused from a scheduler that framework failed over from
   * (Mesos drops calls from any pid but the framework's current one), so that an old scheduler
   * still running cannot launch, kill or decline for it.
   */
  private fromScheduler(frameworkId: FrameworkId, sender: Sender, act: (framework: FrameworkEntry) => unknown, refused: unknown = undefined): unknown {
    const framework = this.frameworks.get(frameworkId);
    if (framework === undefined) return refused;
    if (sender !== undefined && framework.formerSchedulers.has(sender.address)) return refused;
    return act(framework);
  }

  /**
   * The framework's scheduler is gone (Mesos: the scheduler disconnected). Its offers are
   * rescinded and it gets none until a scheduler fails over to it; after the framework's
   * `failoverTimeoutMs` (default 0, as in Mesos) it is torn down. Its tasks keep running meanwhile.
   */
  private schedulerGone(framework: FrameworkEntry): void {
    framework.connected = false;
    this.offers.closeFramework(framework.id);
    const failoverTimeoutMs = framework.info.failoverTimeoutMs ?? 0;
    if (failoverTimeoutMs !== Infinity) this.env.timers.once(`failover:${framework.id}`, failoverTimeoutMs, { type: 'master.failover_timeout', frameworkId: framework.id });
    this.env.publish({ type: 'master.framework_disconnected', frameworkId: framework.id, failoverTimeoutMs });
  }

  private failoverTimeout(frameworkId: FrameworkId): void {
    const framework = this.frameworks.get(frameworkId);
    if (framework === undefined || framework.connected) return;
    this.teardown(framework.id, 'its scheduler did not fail over within failoverTimeoutMs');
  }

  /**
   * Mesos removeFramework: no more offers; its tasks (unreachable ones too) are TASK_KILLED,
   * REASON_FRAMEWORK_REMOVED, as the master records them (nobody is left to hear it), and every
   * registered agent is told to shut it down; one that is away is told when it reregisters.
   */
  private teardown(frameworkId: FrameworkId, why: string): boolean {
    const framework = this.frameworks.get(frameworkId);
    if (framework === undefined) return false;
    this.frameworks.delete(frameworkId);
    this.admitted.delete(frameworkId);
    this.env.timers.cancel(`failover:${frameworkId}`);
    if (framework.connected) this.env.unwatch(framework.scheduler);
    this.persist(
      (registry) => registry.removeFramework(frameworkId),
      () => undefined,
    );
    this.offers.closeFramework(frameworkId);
    for (const task of this.tasks.values()) {
      if (task.frameworkId !== frameworkId || task.phase === 'completed') continue;
      if (!isTerminal(task.state) && task.phase === 'active') this.agents.get(task.agentId)?.resources.unuse(task.allocation);
      this.updateTask(task, 'TASK_KILLED', 'REASON_FRAMEWORK_REMOVED');
      this.complete(task);
    }
    for (const agent of this.agents.values()) if (agent.connected) agent.ref.tell({ type: 'agent.shutdown_framework', frameworkId });
    this.completedFrameworks.push({ frameworkId, name: framework.info.name, removedAt: this.env.now(), reason: why });
    if (this.completedFrameworks.length > this.options.maxCompletedFrameworks) this.completedFrameworks.shift();
    this.env.publish({ type: 'master.framework_removed', frameworkId, reason: why });
    this.offers.soon();
    return true;
  }

  // ---- tasks ----------------------------------------------------------------------------

  private accept(framework: FrameworkEntry, offerId: OfferId, launches: readonly unknown[]): void {
    const offer = this.offers.of(framework.id, offerId);
    this.offers.close(offerId);
    const agent = offer === undefined ? undefined : this.agents.get(offer.agentId);
    const partitionAware = framework.info.partitionAware === true;
    let remaining = offer?.allocation;
    for (const raw of launches) {
      const parsed = v.safeParse(TaskDescriptionSchema, raw);
      if (!parsed.success) {
        this.invalidTask(framework, raw, parsed.issues);
        continue;
      }
      const task = parsed.output;
      const reject = (state: TaskStateName, reason: Reason, why: string) => this.toScheduler(framework.id, this.unknownStatus(framework.id, task.taskId, offer?.agentId, state, reason, why));
      if (offer === undefined || remaining === undefined) {
        reject(partitionAware ? 'TASK_DROPPED' : 'TASK_LOST', 'REASON_INVALID_OFFERS', `offer ${offerId} is no longer valid`);
        continue;
      }
      if (agent === undefined || !agent.connected) {
        reject(partitionAware ? 'TASK_DROPPED' : 'TASK_LOST', agent === undefined ? 'REASON_AGENT_REMOVED' : 'REASON_AGENT_DISCONNECTED', `the offer's agent ${offer.agentId} is ${agent === undefined ? 'gone' : 'disconnected'}`);
        continue;
      }
      if (this.tasks.has(taskKey(framework.id, task.taskId))) {
        reject('TASK_ERROR', 'REASON_TASK_INVALID', `task id ${task.taskId} is already in use`);
        continue;
      }
      const carved = agent.resources.carve(task.resources, remaining);
      if (carved === null) {
        const left = sumOf(remaining);
        reject('TASK_ERROR', 'REASON_TASK_INVALID', `task needs cpus ${task.resources.cpus}, mem ${task.resources.mem}; the offer has cpus ${left.cpus}, mem ${left.mem} left`);
        continue;
      }
      remaining = { role: remaining.role, reserved: subtract(remaining.reserved, carved.reserved), unreserved: subtract(remaining.unreserved, carved.unreserved) };
      agent.resources.use(carved);
      this.tasks.set(taskKey(framework.id, task.taskId), {
        taskId: task.taskId,
        frameworkId: framework.id,
        agentId: agent.id,
        name: task.name ?? task.taskId,
        ...(task.executor === undefined ? {} : { executorId: task.executor.executorId }),
        allocation: carved,
        state: 'TASK_STAGING',
        phase: 'active',
        updatedAt: this.env.now(),
      });
      framework.agents.add(agent.id);
      agent.ref.tell({ type: 'agent.run_task', frameworkId: framework.id, framework: framework.info, task });
      this.env.publish({ type: 'master.task_launched', frameworkId: framework.id, taskId: task.taskId, agentId: agent.id });
    }
    this.offers.soon();
  }

  /** A task that does not pass validation: TASK_ERROR if it has a usable id, a scheduler error otherwise. */
  private invalidTask(framework: FrameworkEntry, raw: unknown, issues: readonly v.BaseIssue<unknown>[]): void {
    const why = issues.map((issue) => `${v.getDotPath(issue) ?? 'task'}: ${issue.message}`).join('; ');
    const taskId = (raw as { taskId?: unknown } | null)?.taskId;
    if (isValidId(taskId)) {
      this.toScheduler(framework.id, this.unknownStatus(framework.id, taskId as TaskId, undefined, 'TASK_ERROR', 'REASON_TASK_INVALID', why));
    } else {
      framework.scheduler.tell({ type: 'scheduler.error', code: 'ERR_INVALID_TASK', message: `a task in an accept was refused: ${why}` });
    }
  }

  /**
   * Mesos Master::statusUpdate: an update from an agent that was removed, is not registered
   * (unreachable, unknown) or is not the sender is dropped. Otherwise it is forwarded to the
   * framework if its scheduler is there, and updates the master's task.
   */
  private statusUpdate(agentId: AgentId, status: TaskStatus, sender: Sender): void {
    const agent = this.agents.get(agentId);
    if (this.removed.has(agentId) || agent === undefined || sender?.address !== agent.ref.address) return;
    const key = taskKey(status.frameworkId, status.taskId);
    if (!this.admitted.has(status.frameworkId)) {
      // Torn down (or never admitted): nobody is left to acknowledge it. The master does, so
      // the agent's stream drains, and tells the agent to end what is left of the framework.
      agent.ref.tell({ type: 'agent.status_update_ack', frameworkId: status.frameworkId, taskId: status.taskId, uuid: status.uuid });
      if (!this.tasks.has(key)) agent.ref.tell({ type: 'agent.shutdown_framework', frameworkId: status.frameworkId });
      return;
    }
    const task = this.tasks.get(key);
    if (task !== undefined && task.agentId === agentId && task.phase === 'active') {
      const wasTerminal = isTerminal(task.state);
      this.updateTask(task, status.state, status.reason, status.source);
      task.statusUpdateState = status.state;
      task.statusUpdateUuid = status.uuid;
      if (status.executorId !== undefined) task.executorId = status.executorId;
      if (!wasTerminal && isTerminal(task.state)) {
        agent.resources.unuse(task.allocation);
        this.offers.soon();
      }
    }
    this.toScheduler(status.frameworkId, { ...status, agentId });
  }

  /** Sent on to the agent; a terminal update acknowledged moves its task to the completed ones. */
  private acknowledge(frameworkId: FrameworkId, taskId: TaskId, uuid: string, agentId: AgentId | undefined): void {
    if (uuid === '') return;
    const task = this.tasks.get(taskKey(frameworkId, taskId));
    const via = agentId ?? task?.agentId;
    if (via === undefined) return;
    this.agents.get(via)?.ref.tell({ type: 'agent.status_update_ack', frameworkId, taskId, uuid });
    if (task?.phase === 'active' && task.agentId === via && task.statusUpdateUuid === uuid && isTerminal(task.state)) this.complete(task);
  }

  /**
   * Mesos Master::kill: a task the master does not hold as active is answered as an explicit
   * reconciliation of it. Otherwise the kill is remembered for its agent (sent again if the
   * agent reregisters with the task still running) and sent now if the agent is connected.
   */
  private kill(framework: FrameworkEntry, taskId: TaskId, agentId: AgentId | undefined): void {
    const task = this.activeTask(framework.id, taskId);
    if (task === undefined) return void this.reconcile(framework, [{ taskId, ...(agentId === undefined ? {} : { agentId }) }]);
    if (agentId !== undefined && agentId !== task.agentId) return;
    const agent = this.agents.get(task.agentId);
    if (agent === undefined) return;
    agent.killedTasks.add(taskKey(framework.id, taskId));
    if (agent.connected) agent.ref.tell({ type: 'agent.kill_task', frameworkId: framework.id, taskId });
  }

  /**
   * Mesos Master::reconcile. Implicit (no tasks): every active task of the framework (not
   * unreachable ones, not acknowledged terminal ones). Explicit: a known task's state as last
   * forwarded; an unknown one as `answerForUnknownTask` decides, or nothing.
   */
  private reconcile(framework: FrameworkEntry, asked: readonly { readonly taskId: TaskId; readonly agentId?: AgentId }[]): number {
    const latest = (task: TaskEntry) => this.statusOf(task, task.statusUpdateState ?? task.state, 'REASON_RECONCILIATION', 'Reconciliation: latest task state');
    const answers: TaskStatus[] = [];
    if (asked.length === 0) {
      for (const task of this.tasks.values()) if (task.frameworkId === framework.id && task.phase === 'active') answers.push(latest(task));
    }
    const view = { registered: this.agents, recovered: this.recovered, unreachable: this.unreachable };
    for (const { taskId, agentId } of asked) {
      const task = this.activeTask(framework.id, taskId);
      if (task !== undefined) {
        answers.push(latest(task));
        continue;
      }
      const answer = answerForUnknownTask(agentId, view, framework.info.partitionAware === true);
      if (answer === null) continue;
      const status = this.unknownStatus(framework.id, taskId, agentId, answer.state, answer.reason, answer.message);
      answers.push(answer.unreachableTime === undefined ? status : { ...status, unreachableTime: answer.unreachableTime });
    }
    for (const status of answers) this.toScheduler(framework.id, status);
    return answers.length;
  }

  // ---- helpers --------------------------------------------------------------------------

  /** The tasks the master holds as active on an agent (Mesos slave->tasks). */
  private tasksOn(agentId: AgentId): TaskEntry[] {
    return [...this.tasks.values()].filter((task) => task.agentId === agentId && task.phase === 'active');
  }

  private activeTask(frameworkId: FrameworkId, taskId: TaskId): TaskEntry | undefined {
    const task = this.tasks.get(taskKey(frameworkId, taskId));
    return task?.phase === 'active' ? task : undefined;
  }

  private frameworkInfo(frameworkId: FrameworkId): FrameworkInfo | undefined {
    return this.frameworks.get(frameworkId)?.info ?? this.admitted.get(frameworkId);
  }

  private partitionAware(frameworkId: FrameworkId): boolean {
    return this.frameworkInfo(frameworkId)?.partitionAware === true;
  }

  /** The master ends a task itself (Mesos: a master-generated terminal update, then removeTask). */
  private endTask(task: TaskEntry, state: TaskStateName, reason: Reason, message: string): void {
    const status = this.statusOf(task, state, reason, message);
    if (!isTerminal(task.state)) this.agents.get(task.agentId)?.resources.unuse(task.allocation);
    this.updateTask(task, state, reason);
    this.complete(task);
    this.toScheduler(task.frameworkId, status);
  }

  private complete(task: TaskEntry): void {
    if (task.phase === 'completed') return;
    task.phase = 'completed';
    this.completedTasks.add(task.frameworkId, taskKey(task.frameworkId, task.taskId), this.env.now());
  }

  /** A task's new state (Mesos updateTask): a terminal state is never overwritten. */
  private updateTask(task: TaskEntry, state: TaskStateName, reason: Reason | undefined, source: TaskStatus['source'] = 'SOURCE_MASTER'): void {
    const wasTerminal = isTerminal(task.state);
    if (wasTerminal) return;
    task.state = state;
    task.reason = reason;
    task.source = source;
    task.updatedAt = this.env.now();
    if (!wasTerminal && isTerminal(state)) {
      this.env.publish({ type: 'master.task_ended', frameworkId: task.frameworkId, taskId: task.taskId, agentId: task.agentId, state, ...(reason === undefined ? {} : { reason }) });
    }
  }

  /** To the framework's scheduler, if it has one (Mesos: an update for a disconnected framework is not forwarded). */
  private toScheduler(frameworkId: FrameworkId, status: TaskStatus): void {
    const framework = this.frameworks.get(frameworkId);
    if (framework?.connected === true) framework.scheduler.tell({ type: 'scheduler.update', status });
  }

  /** An update the master makes up about a task it knows, from its agent. */
  private statusOf(task: TaskEntry, state: TaskStateName, reason: Reason | undefined, message: string): TaskStatus {
    const status = this.unknownStatus(task.frameworkId, task.taskId, task.agentId, state, reason, message);
    return task.executorId === undefined ? status : { ...status, executorId: task.executorId };
  }

  /** An update the master makes up (not acknowledged: no uuid). */
  private unknownStatus(frameworkId: FrameworkId, taskId: TaskId, agentId: AgentId | undefined, state: TaskStateName, reason: Reason | undefined, message: string): TaskStatus {
    return {
      taskId,
      frameworkId,
      ...(agentId === undefined ? {} : { agentId }),
      uuid: '',
      state,
      timestamp: this.env.now(),
      source: 'SOURCE_MASTER',
      ...(reason === undefined ? {} : { reason }),
      message,
    };
  }

  /**
   * A registry operation: `then` runs once it is written (or failed), as the master's own
   * message `master.registry_done`, so that it is ordered with everything else the master does
   * (and a test can hold it, as Mesos's tests hold the registrar). A failure is reported once
   * (event and `state()`) until a write succeeds again; the master keeps serving what needs no write.
   */
  private persist(write: (registry: RegistryWriter) => Promise<void>, then: (written: boolean) => void): void {
    const op = ++this.nextOp;
    this.pendingOps.set(op, then);
    const done = (ok: boolean) => this.env.toSelf({ type: 'master.registry_done', op, ok });
    if (this.env.registry === null) return done(true);
    write(this.env.registry).then(
      () => done(true),
      (error: unknown) => {
        if (this.registryFailure === undefined) {
          this.registryFailure = { failure: this.env.describeFailure(error), since: this.env.now() };
          this.env.publish({ type: 'master.registry_failed', failure: this.registryFailure.failure });
        }
        done(false);
      },
    );
  }

  private registryDone(op: number, ok: boolean): void {
    const then = this.pendingOps.get(op);
    if (then === undefined) return;
    this.pendingOps.delete(op);
    if (ok && this.registryFailure !== undefined) {
      this.env.publish({ type: 'master.registry_recovered', failedForMs: this.env.now() - this.registryFailure.since });
      this.registryFailure = undefined;
    }
    then(ok);
  }

  state(): MasterState {
    const framework = (id: FrameworkId, info: FrameworkInfo, entry: FrameworkEntry | undefined) => ({
      frameworkId: id,
      name: info.name,
      ...(info.role === undefined ? {} : { role: info.role }),
      checkpoint: info.checkpoint,
      partitionAware: info.partitionAware === true,
      connected: entry?.connected === true,
      recovered: entry === undefined,
      registeredAt: entry?.registeredAt ?? 0,
    });
    return {
      agents: [...this.agents.values()].map((a) => ({
        agentId: a.id,
        hostname: a.info.hostname,
        attributes: a.info.attributes,
        status: a.connected ? 'active' : 'disconnected',
        total: a.info.resources,
        used: a.resources.usedResources(),
        free: a.resources.free(),
        reserved: a.resources.reservations(),
        registeredAt: a.registeredAt,
        ...(a.reregisteredAt === undefined ? {} : { reregisteredAt: a.reregisteredAt }),
      })),
      recoveredAgents: [...this.recovered].map(([agentId, info]) => ({ agentId, hostname: info.hostname })),
      unreachableAgents: [...this.unreachable].map(([agentId, { info, time }]) => ({ agentId, hostname: info.hostname, unreachableAt: time })),
      frameworks: [
        ...[...this.frameworks.values()].map((f) => framework(f.id, f.info, f)),
        ...[...this.admitted].filter(([id]) => !this.frameworks.has(id)).map(([id, info]) => framework(id, info, undefined)),
      ],
      completedFrameworks: [...this.completedFrameworks],
      tasks: [...this.tasks.values()].map((t) => ({
        taskId: t.taskId,
        frameworkId: t.frameworkId,
        agentId: t.agentId,
        ...(t.executorId === undefined ? {} : { executorId: t.executorId }),
        name: t.name,
        state: t.state,
        ...(t.reason === undefined ? {} : { reason: t.reason }),
        ...(t.source === undefined ? {} : { source: t.source }),
        resources: sumOf(t.allocation),
        updatedAt: t.updatedAt,
      })),
      ...(this.registryFailure === undefined ? {} : { registryFailure: this.registryFailure.failure }),
    };
  }
}

/** Whether a reregistering agent's info is what the master has: no registry write if so (Mesos: UpdateSlave only on change). */
function sameInfo(a: AgentInfo, b: AgentInfo): boolean {
  const attributes = (info: AgentInfo) => JSON.stringify(Object.entries(info.attributes).sort(([x], [y]) => (x < y ? -1 : 1)));
  const { cpus, mem, disk } = a.resources;
  return a.hostname === b.hostname && cpus === b.resources.cpus && mem === b.resources.mem && disk === b.resources.disk && attributes(a) === attributes(b);
}
