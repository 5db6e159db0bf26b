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
import { type AgentEntry, type CompletedFramework, type FrameworkEntry, type TaskEntry, roleOf, taskKey } from './entries.js';
import { Offers } from './offers.js';
import type { MasterOptions } from './options.js';

/** Where the master keeps what it admitted (the registry), as the master uses it. */
export interface RegistryWriter {
  admitAgent(id: AgentId, info: AgentInfo): Promise<void>;
  admitFramework(id: FrameworkId, info: FrameworkInfo): Promise<void>;
  removeFramework(id: FrameworkId): Promise<void>;
}

/** What an earlier master admitted. */
export interface Admitted {
  readonly frameworks: ReadonlyMap<FrameworkId, FrameworkInfo>;
  readonly lastAgent: number;
  readonly lastFramework: number;
}

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

/**
 * The master's logic, apart from its actor: admits agents and frameworks, offers each agent's
 * free resources to frameworks in turn, validates and routes launches, forwards status updates
 * and their acknowledgements, answers reconciliation, and marks agents that stop answering
 * pings unreachable. Everything it sends goes to the peers in its tables or to `env`.
 */
export class Master {
  private readonly agents = new Map<AgentId, AgentEntry>();
  private readonly frameworks = new Map<FrameworkId, FrameworkEntry>();
  private readonly tasks = new Map<string, TaskEntry>();
  /** Every framework admitted and not torn down, connected or not (after a master failover, or waiting for its scheduler). */
  private readonly admitted: Map<FrameworkId, FrameworkInfo>;
  private readonly completedFrameworks: CompletedFramework[] = [];
  private readonly completedTasks: CompletedTasks;
  private readonly offers: Offers;
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
    admitted: Admitted = { frameworks: new Map(), lastAgent: 0, lastFramework: 0 },
  ) {
    this.admitted = new Map(admitted.frameworks);
    this.nextAgent = admitted.lastAgent;
    this.nextFramework = admitted.lastFramework;
    this.agentSilenceMs = options.agentPingTimeoutMs * (options.maxAgentPingTimeouts + 1);
    this.completedTasks = new CompletedTasks(options.maxCompletedTasksPerFramework, options.completedTaskRetentionMs, (key) => this.tasks.delete(key));
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
  }

  receive(message: MasterMsg | MasterSelfMsg, sender: Sender): unknown {
    switch (message.type) {
      case 'master.register_agent':
        return this.registerAgent(message.agent, message.info, message.reservations);
      case 'master.unregister_agent':
        return this.removeAgent(message.agentId, 'the agent was shut down', 'REASON_AGENT_REMOVED');
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
        return this.statusUpdate(message.agentId, message.status);
      case 'master.acknowledge':
        return this.acknowledge(message.frameworkId, message.taskId, message.uuid, message.agentId);
      case 'master.kill_task':
        return this.fromScheduler(message.frameworkId, sender, (framework) => this.kill(framework, message.taskId));
      case 'master.reconcile':
        return this.fromScheduler(message.frameworkId, sender, (framework) => this.reconcile(framework, message.taskIds));
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
    }
  }

  /** A watched actor is gone: an agent (disconnected) or a scheduler (its framework waits for a failover). */
  down(address: string, shutdown: boolean): void {
    for (const agent of this.agents.values()) if (agent.ref.address === address && agent.connected) this.disconnected(agent);
    // A scheduler stopped by the system's own shutdown has nothing to fail over to.
    if (shutdown) return;
    for (const framework of this.frameworks.values()) if (framework.connected && framework.scheduler.address === address) this.schedulerGone(framework);
  }

  // ---- agents ---------------------------------------------------------------------------

  private registerAgent(ref: Peer<'agent'>, info: AgentInfo, reservations: Reservations): Promise<AgentId | null> {
    const id = `agent-${++this.nextAgent}` as AgentId;
    // Durable before the agent hears it is admitted (Mesos writes its registry first). If the
    // write fails, the agent is not admitted; it registers again after its backoff.
    return this.persist((registry) => registry.admitAgent(id, info)).then((written) => {
      if (!written) return null;
      this.admit(id, ref, info, reservations);
      ref.tell({ type: 'agent.registered', agentId: id, pingTimeoutMs: this.agentSilenceMs });
      this.env.publish({ type: 'master.agent_registered', agentId: id, hostname: info.hostname });
      this.offers.soon();
      return id;
    });
  }

  private admit(id: AgentId, ref: Peer<'agent'>, info: AgentInfo, reservations: Reservations): AgentEntry {
    const entry: AgentEntry = { id, ref, info, resources: new AgentResources(info.resources, reservations), missedPings: 0, reachable: true, connected: true, registeredAt: this.env.now() };
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

  private agentRecovering(agentId: AgentId, ref: Peer<'agent'>): void {
    const entry = this.agents.get(agentId);
    if (entry === undefined) return;
    entry.ref = ref;
    entry.missedPings = 0;
    this.env.watch(ref);
  }

  /** A recovered agent rejoins: reconcile what it reports with what the master knows. */
  private reregisterAgent(message: Extract<MasterMsg, { type: 'master.reregister_agent' }>): void {
    // An agent this master knows keeps the master's view of its reservations (a change the
    // agent missed is sent again below); after a master failover the agent's report is all there is.
    const entry = this.agents.get(message.agentId) ?? this.admit(message.agentId, message.agent, message.info, message.reservations);
    entry.ref = message.agent;
    entry.info = message.info;
    this.announceAgents();
    entry.missedPings = 0;
    entry.reachable = true;
    entry.connected = true;
    entry.reregisteredAt = this.env.now();
    this.env.watch(entry.ref);
    const reported = new Map(message.tasks.map((t) => [taskKey(t.frameworkId, t.taskId), t]));
    for (const [key, task] of this.tasks) {
      if (task.agentId !== entry.id) continue;
      const fromAgent = reported.get(key);
      if (fromAgent === undefined) {
        if (isTerminal(task.state)) continue;
        this.setState(task, this.partitionAware(task.frameworkId) ? 'TASK_DROPPED' : 'TASK_LOST', 'REASON_RECONCILIATION');
        this.toScheduler(task.frameworkId, this.masterStatus(task, 'the reregistered agent does not know this task'));
      } else if ((task.state === 'TASK_LOST' || task.state === 'TASK_UNREACHABLE') && !isTerminal(fromAgent.state)) {
        this.setState(task, fromAgent.state, 'REASON_AGENT_REREGISTERED');
        this.toScheduler(task.frameworkId, this.masterStatus(task, `agent ${entry.id} is back`));
      }
    }
    const live = [...this.tasks.values()].filter((task) => task.agentId === entry.id && !isTerminal(task.state));
    entry.resources.reset(message.info.resources, live.map((task) => task.allocation));
    for (const [key, t] of reported) {
      this.frameworks.get(t.frameworkId)?.agents.add(entry.id);
      if (this.tasks.has(key)) continue;
      const role = roleOf(this.frameworks.get(t.frameworkId)?.info ?? this.admitted.get(t.frameworkId));
      const allocation = isTerminal(t.state) ? { role, reserved: NO_RESOURCES, unreserved: t.resources } : entry.resources.charge(role, t.resources);
      const task: TaskEntry = { taskId: t.taskId, frameworkId: t.frameworkId, agentId: entry.id, name: t.taskId, allocation, state: t.state, updatedAt: this.env.now() };
      this.tasks.set(key, task);
      if (isTerminal(t.state)) this.completedTasks.add(t.frameworkId, key, this.env.now());
    }
    // Frameworks the master tore down while the agent was away: the agent shuts them down
    // (Mesos sends ShutdownFrameworkMessage to a reregistering agent for each of them).
    const frameworksOfAgent = new Set(message.tasks.map((t) => t.frameworkId));
    for (const { frameworkId } of message.frameworks) frameworksOfAgent.add(frameworkId);
    for (const frameworkId of frameworksOfAgent) {
      if (!this.admitted.has(frameworkId)) entry.ref.tell({ type: 'agent.shutdown_framework', frameworkId });
    }
    entry.ref.tell({ type: 'agent.reregistered', agentId: entry.id, pingTimeoutMs: this.agentSilenceMs });
    entry.ref.tell({ type: 'agent.checkpoint_resources', reservations: entry.resources.reservations() });
    // Kills asked for while the agent was away (or sent to it as it died) are delivered now.
    for (const task of this.tasks.values()) {
      if (task.agentId === entry.id && task.killRequested === true && !isTerminal(task.state)) {
        entry.ref.tell({ type: 'agent.kill_task', frameworkId: task.frameworkId, taskId: task.taskId });
      }
    }
    this.env.publish({ type: 'master.agent_reregistered', agentId: entry.id, tasks: message.tasks.length });
    this.offers.soon();
  }

  /** The agent shut down (or the operator removed it): its tasks are lost and it is forgotten. */
  private removeAgent(agentId: AgentId, why: string, reason: Reason): void {
    const agent = this.agents.get(agentId);
    if (agent === undefined) return;
    this.agents.delete(agent.id);
    this.env.unwatch(agent.ref);
    this.offers.rescindAgent(agent);
    this.announceAgents();
    for (const task of this.tasksOf(agent.id)) {
      this.setState(task, this.partitionAware(task.frameworkId) ? 'TASK_GONE' : 'TASK_LOST', reason);
      this.toScheduler(task.frameworkId, this.masterStatus(task, `agent ${agent.id}: ${why}`));
    }
    this.env.publish({ type: 'master.agent_removed', agentId: agent.id, reason: why });
  }

  /**
   * The agent's actor is gone. Tasks of frameworks that do not checkpoint cannot survive it
   * (their executors shut down with the agent): TASK_LOST now. The rest wait for the agent to
   * reregister, or for the ping timeouts to mark it unreachable.
   */
  private disconnected(agent: AgentEntry): void {
    agent.connected = false;
    this.offers.rescindAgent(agent);
    for (const task of this.tasksOf(agent.id)) {
      if (this.frameworks.get(task.frameworkId)?.info.checkpoint === true || this.admitted.get(task.frameworkId)?.checkpoint === true) continue;
      this.setState(task, 'TASK_LOST', 'REASON_AGENT_DISCONNECTED');
      this.toScheduler(task.frameworkId, this.masterStatus(task, `agent ${agent.id} disconnected`));
    }
    this.env.publish({ type: 'master.agent_disconnected', agentId: agent.id });
  }

  private markUnreachable(agent: AgentEntry): void {
    agent.reachable = false;
    this.offers.rescindAgent(agent);
    for (const task of this.tasksOf(agent.id)) {
      this.setState(task, this.partitionAware(task.frameworkId) ? 'TASK_UNREACHABLE' : 'TASK_LOST', 'REASON_AGENT_REMOVED');
      this.toScheduler(task.frameworkId, this.masterStatus(task, `agent ${agent.id} missed ${agent.missedPings} pings`));
    }
    this.env.publish({ type: 'master.agent_unreachable', agentId: agent.id, missedPings: agent.missedPings });
  }

  private pingAll(): void {
    for (const agent of this.agents.values()) {
      if (!agent.reachable) continue;
      const agentId = agent.id;
      agent.ref.ask({ type: 'agent.ping' }, { timeoutMs: this.options.agentPingTimeoutMs }).then(
        () => this.env.toSelf({ type: 'master.ping_result', agentId, ok: true }),
        () => this.env.toSelf({ type: 'master.ping_result', agentId, ok: false }),
      );
    }
  }

  private pingResult(agentId: AgentId, ok: boolean): void {
    const agent = this.agents.get(agentId);
    if (agent === undefined || !agent.reachable) return;
    agent.missedPings = ok ? 0 : agent.missedPings + 1;
    if (agent.missedPings >= this.options.maxAgentPingTimeouts) this.markUnreachable(agent);
  }

  // ---- frameworks -----------------------------------------------------------------------

  private registerFramework(scheduler: Peer<'scheduler'>, info: FrameworkInfo, frameworkId: FrameworkId | undefined): FrameworkId | Promise<FrameworkId | null> | null {
    if (frameworkId === undefined) {
      const id = `framework-${++this.nextFramework}` as FrameworkId;
      return this.persist((registry) => registry.admitFramework(id, info)).then((written) => {
        if (!written) {
          scheduler.tell({ type: 'scheduler.error', code: 'ERR_REGISTRY_UNAVAILABLE', message: `the master cannot record framework ${info.name}: ${this.registryFailure?.failure.message ?? 'its registry write failed'}` });
          return null;
        }
        this.admitted.set(id, info);
        this.subscribe(id, info, scheduler);
        this.env.publish({ type: 'master.framework_registered', frameworkId: id, frameworkName: info.name });
        return id;
      });
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
      this.offers.soon();
      return frameworkId;
    }
    const known = this.admitted.get(frameworkId);
    if (known === undefined) {
      scheduler.tell({ type: 'scheduler.error', code: 'ERR_FRAMEWORK_UNKNOWN', message: `framework ${frameworkId} is not registered (it may have been torn down)` });
      return null;
    }
    // Admitted by an earlier master: it subscribes again after a master failover.
    this.subscribe(frameworkId, info, scheduler);
    return frameworkId;
  }

  private subscribe(id: FrameworkId, info: FrameworkInfo, scheduler: Peer<'scheduler'>): void {
    const framework: FrameworkEntry = { id, info, scheduler, connected: false, refused: new Map(), agents: new Set(), formerSchedulers: new Set(), registeredAt: this.env.now() };
    this.frameworks.set(id, framework);
    this.attachScheduler(framework, scheduler);
    scheduler.tell({ type: 'scheduler.registered', frameworkId: id });
    this.announceAgents(scheduler);
    this.offers.soon();
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

  /** Shutdown of a framework: no more offers; agents kill its tasks and stop its executors. */
  private teardown(frameworkId: FrameworkId, why: string): boolean {
    const framework = this.frameworks.get(frameworkId);
    if (framework === undefined) return false;
    this.frameworks.delete(frameworkId);
    this.admitted.delete(frameworkId);
    this.env.timers.cancel(`failover:${frameworkId}`);
    if (framework.connected) this.env.unwatch(framework.scheduler);
    void this.persist((registry) => registry.removeFramework(frameworkId));
    this.offers.closeFramework(frameworkId);
    // Its tasks are killed now, as Mesos's master records them (its agents' own TASK_KILLED go
    // nowhere: nobody is left to hear them). Every agent that ran it — one holding only finished
    // tasks of it may still run its executors — is told to shut it down.
    for (const task of this.tasks.values()) {
      if (task.frameworkId !== frameworkId) continue;
      framework.agents.add(task.agentId);
      if (isTerminal(task.state)) continue;
      this.agents.get(task.agentId)?.resources.unuse(task.allocation);
      this.setState(task, 'TASK_KILLED', 'REASON_FRAMEWORK_REMOVED');
    }
    for (const agentId of framework.agents) this.agents.get(agentId)?.ref.tell({ type: 'agent.shutdown_framework', frameworkId });
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
    let remaining = offer?.allocation;
    for (const raw of launches) {
      const parsed = v.safeParse(TaskDescriptionSchema, raw);
      if (!parsed.success) {
        this.invalidTask(framework, raw, parsed.issues);
        continue;
      }
      const task = parsed.output;
      const reject = (state: TaskStateName, reason: Reason, why: string) => this.toScheduler(framework.id, this.statusOf(framework.id, task.taskId, state, reason, why));
      if (offer === undefined || remaining === undefined) {
        reject('TASK_DROPPED', 'REASON_INVALID_OFFERS', `offer ${offerId} is no longer valid`);
        continue;
      }
      if (agent === undefined || !agent.reachable || !agent.connected) {
        reject(framework.info.partitionAware === true ? 'TASK_DROPPED' : 'TASK_LOST', 'REASON_INVALID_OFFERS', 'the offer\'s agent is gone');
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
      this.toScheduler(framework.id, this.statusOf(framework.id, taskId as TaskId, 'TASK_ERROR', 'REASON_TASK_INVALID', why));
    } else {
      framework.scheduler.tell({ type: 'scheduler.error', code: 'ERR_INVALID_TASK', message: `a task in an accept was refused: ${why}` });
    }
  }

  private statusUpdate(agentId: AgentId, status: TaskStatus): void {
    const key = taskKey(status.frameworkId, status.taskId);
    const entry = this.tasks.get(key);
    if (!this.admitted.has(status.frameworkId)) {
      // Torn down (or never admitted): nobody is left to acknowledge it. The master does, so
      // the agent's stream drains, and tells the agent to end what is left of the framework.
      const agent = this.agents.get(agentId);
      agent?.ref.tell({ type: 'agent.status_update_ack', frameworkId: status.frameworkId, taskId: status.taskId, uuid: status.uuid });
      if (entry === undefined) agent?.ref.tell({ type: 'agent.shutdown_framework', frameworkId: status.frameworkId });
      return;
    }
    // A terminal state is never overwritten (Mesos Master::updateTask): an older update of the
    // task's stream (resent after a restart) still reaches the framework, but the task stays ended.
    if (entry !== undefined && !isTerminal(entry.state)) {
      this.setState(entry, status.state, status.reason, status.source);
      if (status.executorId !== undefined) entry.executorId = status.executorId;
      if (isTerminal(status.state)) {
        this.agents.get(entry.agentId)?.resources.unuse(entry.allocation);
        this.offers.soon();
      }
    }
    this.toScheduler(status.frameworkId, { ...status, agentId });
  }

  private acknowledge(frameworkId: FrameworkId, taskId: TaskId, uuid: string, agentId: AgentId | undefined): void {
    if (uuid === '') return;
    const via = agentId ?? this.tasks.get(taskKey(frameworkId, taskId))?.agentId;
    if (via === undefined) return;
    this.agents.get(via)?.ref.tell({ type: 'agent.status_update_ack', frameworkId, taskId, uuid });
  }

  private kill(framework: FrameworkEntry, taskId: TaskId): void {
    const entry = this.tasks.get(taskKey(framework.id, taskId));
    const agent = entry === undefined ? undefined : this.agents.get(entry.agentId);
    if (entry === undefined || agent === undefined) {
      // Mesos: a kill of a task the master does not know is answered by the master itself.
      const state = framework.info.partitionAware === true ? 'TASK_UNKNOWN' : 'TASK_LOST';
      this.toScheduler(framework.id, this.statusOf(framework.id, taskId, state, 'REASON_RECONCILIATION', 'the master does not know this task'));
      return;
    }
    if (isTerminal(entry.state)) return;
    // Remembered until the task ends: a kill that meets a dead agent is sent again when the
    // agent reregisters.
    entry.killRequested = true;
    if (agent.connected && agent.reachable) agent.ref.tell({ type: 'agent.kill_task', frameworkId: framework.id, taskId });
  }

  private reconcile(framework: FrameworkEntry, taskIds: readonly TaskId[]): number {
    const unknownState = framework.info.partitionAware === true ? 'TASK_UNKNOWN' : 'TASK_LOST';
    const answers =
      taskIds.length === 0
        ? [...this.tasks.values()].filter((t) => t.frameworkId === framework.id && !isTerminal(t.state)).map((t) => this.masterStatus(t))
        : taskIds.map((taskId) => {
            const task = this.tasks.get(taskKey(framework.id, taskId));
            return task === undefined ? this.statusOf(framework.id, taskId, unknownState, 'REASON_RECONCILIATION') : this.masterStatus(task);
          });
    for (const status of answers) this.toScheduler(framework.id, { ...status, reason: 'REASON_RECONCILIATION' });
    return answers.length;
  }

  // ---- helpers --------------------------------------------------------------------------

  private tasksOf(agentId: AgentId): TaskEntry[] {
    return [...this.tasks.values()].filter((task) => task.agentId === agentId && !isTerminal(task.state));
  }

  private partitionAware(frameworkId: FrameworkId): boolean {
    return (this.frameworks.get(frameworkId)?.info ?? this.admitted.get(frameworkId))?.partitionAware === true;
  }

  private setState(task: TaskEntry, state: TaskStateName, reason: Reason | undefined, source: TaskStatus['source'] = 'SOURCE_MASTER'): void {
    const wasTerminal = isTerminal(task.state);
    task.state = state;
    task.reason = reason;
    task.source = source;
    task.updatedAt = this.env.now();
    if (!wasTerminal && isTerminal(state)) {
      this.completedTasks.add(task.frameworkId, taskKey(task.frameworkId, task.taskId), task.updatedAt);
      this.env.publish({ type: 'master.task_ended', frameworkId: task.frameworkId, taskId: task.taskId, agentId: task.agentId, state, ...(reason === undefined ? {} : { reason }) });
    }
  }

  private toScheduler(frameworkId: FrameworkId, status: TaskStatus): void {
    this.frameworks.get(frameworkId)?.scheduler.tell({ type: 'scheduler.update', status });
  }

  /** The master's own update about a task it knows, in that task's current state. */
  private masterStatus(task: TaskEntry, message?: string): TaskStatus {
    return { ...this.statusOf(task.frameworkId, task.taskId, task.state, task.reason, message), agentId: task.agentId };
  }

  private statusOf(frameworkId: FrameworkId, taskId: TaskId, state: TaskStateName, reason: Reason | undefined, message?: string): TaskStatus {
    return {
      taskId,
      frameworkId,
      uuid: '',
      state,
      timestamp: this.env.now(),
      source: 'SOURCE_MASTER',
      ...(reason === undefined ? {} : { reason }),
      ...(message === undefined ? {} : { message }),
    };
  }

  /**
   * A registry write; resolves whether it succeeded. A failure is reported once (event and
   * `state()`) until a write succeeds again; the master keeps serving what needs no write.
   */
  private persist(write: (registry: RegistryWriter) => Promise<void>): Promise<boolean> {
    if (this.env.registry === null) return Promise.resolve(true);
    return write(this.env.registry).then(
      () => {
        if (this.registryFailure !== undefined) {
          this.env.publish({ type: 'master.registry_recovered', failedForMs: this.env.now() - this.registryFailure.since });
          this.registryFailure = undefined;
        }
        return true;
      },
      (error: unknown) => {
        if (this.registryFailure === undefined) {
          this.registryFailure = { failure: this.env.describeFailure(error), since: this.env.now() };
          this.env.publish({ type: 'master.registry_failed', failure: this.registryFailure.failure });
        }
        return false;
      },
    );
  }

  state(): MasterState {
    return {
      agents: [...this.agents.values()].map((a) => ({
        agentId: a.id,
        hostname: a.info.hostname,
        attributes: a.info.attributes,
        status: !a.reachable ? 'unreachable' : a.connected ? 'active' : 'disconnected',
        total: a.info.resources,
        used: a.resources.usedResources(),
        free: a.resources.free(),
        reserved: a.resources.reservations(),
        registeredAt: a.registeredAt,
        ...(a.reregisteredAt === undefined ? {} : { reregisteredAt: a.reregisteredAt }),
      })),
      frameworks: [...this.frameworks.values()].map((f) => ({
        frameworkId: f.id,
        name: f.info.name,
        ...(f.info.role === undefined ? {} : { role: f.info.role }),
        checkpoint: f.info.checkpoint,
        partitionAware: f.info.partitionAware === true,
        connected: f.connected,
        registeredAt: f.registeredAt,
      })),
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
