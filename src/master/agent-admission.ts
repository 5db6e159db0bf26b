import { type AgentId, type AgentInfo, type FrameworkId, type MasterMsg, NO_RESOURCES, type Peer, type Reservations, type TaskId, isTerminal } from '../protocol/index.js';
import type { AgentLoss } from './agent-loss.js';
import { AgentResources } from './agent-resources.js';
import type { MasterCore } from './core.js';
import { type AgentEntry, type TaskEntry, roleOf, taskKey } from './entries.js';

type Reregistration = Extract<MasterMsg, { type: 'master.reregister_agent' }>;

/**
 * How agents join the master: a registration admits a new agent, a reregistration brings back
 * one the master holds (reconciled with what it reports) or one it does not (readmitted from
 * its report), each as Mesos's master does, the registry written first.
 */
export class AgentAdmission {
  /** After this long without a ping an agent knows the master has given it up: the window and one interval more. */
  private readonly agentSilenceMs: number;
  private nextAgent: number;

  constructor(
    private readonly master: MasterCore,
    private readonly loss: AgentLoss,
    lastAgent: number,
  ) {
    this.nextAgent = lastAgent;
    this.agentSilenceMs = master.options.agentPingTimeoutMs * (master.options.maxAgentPingTimeouts + 1);
  }

  /**
   * Mesos Master::registerSlave. A registration from an agent already registered and connected
   * at that address (it retried: the answer was lost) gets its id again. One from the address
   * of a disconnected agent — or its host: a restarted worker has a new address, where a Mesos
   * agent keeps its ip:port — means that agent starts over: the old one is removed. Otherwise
   * the agent is admitted, in the registry first.
   */
  registerAgent(ref: Peer<'agent'>, info: AgentInfo, reservations: Reservations): void {
    const { book, env, offers, registry } = this.master;
    if (book.registering.has(ref.address)) return;
    const existing = [...book.agents.values()].find((a) => a.ref.address === ref.address || (!a.connected && a.info.hostname === info.hostname));
    if (existing !== undefined && existing.connected) {
      ref.tell({ type: 'agent.registered', agentId: existing.id, pingTimeoutMs: this.agentSilenceMs });
      return;
    }
    if (existing !== undefined) this.loss.removeAgent(existing, 'a new agent registered at the same address');
    const id = `agent-${++this.nextAgent}` as AgentId;
    book.registering.add(ref.address);
    registry.persist(
      (writer) => writer.admitAgent(id, info),
      (written) => {
        book.registering.delete(ref.address);
        // Not written: the agent is not admitted; it registers again after its backoff.
        if (!written) return;
        this.admit(id, ref, info, reservations);
        ref.tell({ type: 'agent.registered', agentId: id, pingTimeoutMs: this.agentSilenceMs });
        env.publish({ type: 'master.agent_registered', agentId: id, hostname: info.hostname });
        offers.soon();
      },
    );
  }

  private admit(id: AgentId, ref: Peer<'agent'>, info: AgentInfo, reservations: Reservations): AgentEntry {
    const { book, env } = this.master;
    const entry: AgentEntry = { id, ref, info, resources: new AgentResources(info.resources, reservations), missedPings: 0, connected: true, killedTasks: new Set(), registeredAt: env.now() };
    book.agents.set(id, entry);
    env.watch(ref);
    book.announceAgents();
    return entry;
  }

  /** A restarted agent is recovering at a new address: pings go there (it is still disconnected until it reregisters). */
  agentRecovering(agentId: AgentId, ref: Peer<'agent'>): void {
    const entry = this.master.book.agents.get(agentId);
    if (entry === undefined) return;
    entry.ref = ref;
    entry.missedPings = 0;
    this.master.env.watch(ref);
  }

  /**
   * Mesos Master::reregisterSlave. A registered agent (connected or not) is reconciled with
   * what it reports (`reconcileKnown`), after an UpdateSlave if its info changed. Any other —
   * recovered from the registry, unreachable, removed or unknown — is readmitted from its report
   * (`readmit`) after MarkSlaveReachable (UpdateSlave for a recovered one whose info changed).
   * Ignored while a registry operation on that agent is pending.
   */
  reregisterAgent(message: Reregistration): void {
    const { book, registry } = this.master;
    const id = message.agentId;
    if (book.reregistering.has(id)) return;
    const known = book.agents.get(id);
    if (known?.busy !== undefined) return;
    const recovered = book.recovered.get(id);
    const before = known?.info ?? recovered;
    const changed = before === undefined || !sameInfo(before, message.info);
    const apply = () => (known !== undefined ? this.reconcileKnown(known, message) : this.readmit(message, recovered !== undefined));
    if (before !== undefined && !changed) return apply();
    book.reregistering.add(id);
    registry.persist(
      (writer) => (before !== undefined ? writer.updateAgent(id, message.info) : writer.markAgentReachable(id, message.info)),
      (written) => {
        book.reregistering.delete(id);
        if (!written) return;
        // Removed (or marked unreachable) meanwhile: the agent reregisters again.
        if (known !== undefined && book.agents.get(id) !== known) return;
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
    const { book, env, offers } = this.master;
    agent.ref = message.agent;
    agent.info = message.info;
    agent.connected = true;
    agent.missedPings = 0;
    agent.reregisteredAt = env.now();
    delete agent.disconnectedAt;
    env.timers.cancel(`reregister:${agent.id}`);
    env.watch(agent.ref);
    const reported = new Map(message.tasks.map((t) => [taskKey(t.frameworkId, t.taskId), t]));
    const live = book.tasksOn(agent.id).filter((task) => !isTerminal(task.state));
    // Its outstanding offers are taken back before its resources are counted anew: left open,
    // each could still be accepted on top of the next offer of the same resources.
    offers.rescindAgent(agent);
    agent.resources.reset(message.info.resources, live.map((task) => task.allocation));
    book.announceAgents();
    const missing = new Map<FrameworkId, TaskId[]>();
    for (const task of book.tasksOn(agent.id)) {
      if (reported.has(taskKey(task.frameworkId, task.taskId))) continue;
      // Ended here and no longer on the agent: its acknowledgement reached the agent, not (yet) this master.
      if (isTerminal(task.state)) {
        book.complete(task);
        continue;
      }
      const list = missing.get(task.frameworkId) ?? [];
      list.push(task.taskId);
      missing.set(task.frameworkId, list);
    }
    const reconcile = [...missing].flatMap(([frameworkId, taskIds]) => {
      const framework = book.frameworkInfo(frameworkId);
      return framework === undefined ? [] : [{ frameworkId, framework, taskIds }];
    });
    agent.ref.tell({ type: 'agent.reregistered', agentId: agent.id, pingTimeoutMs: this.agentSilenceMs, ...(reconcile.length === 0 ? {} : { reconcile }) });
    for (const [key, task] of reported) {
      if (!isTerminal(task.state) && agent.killedTasks.has(key)) agent.ref.tell({ type: 'agent.kill_task', frameworkId: task.frameworkId, taskId: task.taskId });
    }
    this.shutDownRemovedFrameworks(agent, message);
    this.updateAgentFrameworks(agent, message);
    agent.ref.tell({ type: 'agent.checkpoint_resources', reservations: agent.resources.reservations() });
    env.publish({ type: 'master.agent_reregistered', agentId: agent.id, tasks: message.tasks.length });
    offers.soon();
  }

  /**
   * Mesos __reregisterSlave: an agent the master does not hold as registered is admitted again
   * with the tasks it reports (those of torn-down frameworks aside). Unless it was recovered
   * from the registry (a master failover), each framework is told its tasks' states, from the
   * master, REASON_AGENT_REREGISTERED; tasks the master held as unreachable there that the
   * agent does not report are forgotten without an update.
   */
  private readmit(message: Reregistration, wasRecovered: boolean): void {
    const { book, env, offers } = this.master;
    const id = message.agentId;
    book.recovered.delete(id);
    book.unreachable.delete(id);
    book.removed.delete(id);
    const wasUnreachable = [...book.tasks.values()].some((t) => t.agentId === id && t.phase === 'unreachable');
    for (const [key, task] of book.tasks) if (task.agentId === id && task.phase === 'unreachable') book.tasks.delete(key);
    const agent = this.admit(id, message.agent, message.info, message.reservations);
    agent.reregisteredAt = env.now();
    for (const t of message.tasks) {
      if (!book.admitted.has(t.frameworkId)) continue;
      const key = taskKey(t.frameworkId, t.taskId);
      const role = roleOf(book.frameworkInfo(t.frameworkId));
      const allocation = isTerminal(t.state) ? { role, reserved: NO_RESOURCES, unreserved: t.resources } : agent.resources.charge(role, t.resources);
      const task: TaskEntry = {
        taskId: t.taskId,
        frameworkId: t.frameworkId,
        agentId: id,
        name: book.tasks.get(key)?.name ?? t.taskId,
        allocation,
        state: t.state,
        ...(t.statusUpdateState === undefined ? {} : { statusUpdateState: t.statusUpdateState }),
        phase: 'active',
        updatedAt: env.now(),
      };
      book.tasks.set(key, task);
      book.frameworks.get(t.frameworkId)?.agents.add(id);
      if (!wasRecovered) {
        const why = wasUnreachable ? 'unreachable agent reregistered' : 'unknown agent reregistered';
        book.toScheduler(t.frameworkId, book.statusOf(task, t.state, 'REASON_AGENT_REREGISTERED', `${why}: ${id}`));
      }
    }
    agent.ref.tell({ type: 'agent.reregistered', agentId: id, pingTimeoutMs: this.agentSilenceMs });
    this.shutDownRemovedFrameworks(agent, message);
    this.updateAgentFrameworks(agent, message);
    env.publish({ type: 'master.agent_reregistered', agentId: id, tasks: message.tasks.length });
    offers.soon();
  }

  /** Frameworks the master tore down while the agent was away: the agent shuts them down (Mesos ShutdownFrameworkMessage). */
  private shutDownRemovedFrameworks(agent: AgentEntry, message: Reregistration): void {
    const reported = new Set([...message.tasks.map((t) => t.frameworkId), ...message.frameworks.map((f) => f.frameworkId)]);
    for (const frameworkId of reported) if (!this.master.book.admitted.has(frameworkId)) agent.ref.tell({ type: 'agent.shutdown_framework', frameworkId });
  }

  /** Mesos updateSlaveFrameworks: the agent is told which of its frameworks have a scheduler now, and resends their pending updates. */
  private updateAgentFrameworks(agent: AgentEntry, message: Reregistration): void {
    for (const { frameworkId } of message.frameworks) {
      const framework = this.master.book.frameworks.get(frameworkId);
      if (framework?.connected === true) agent.ref.tell({ type: 'agent.update_framework', frameworkId, framework: framework.info });
    }
  }
}

/** Whether a reregistering agent's info is what the master has: no registry write if so (Mesos: UpdateSlave only on change). */
function sameInfo(a: AgentInfo, b: AgentInfo): boolean {
  const attributes = (info: AgentInfo) => JSON.stringify(Object.entries(info.attributes).sort(([x], [y]) => (x < y ? -1 : 1)));
  const { cpus, mem, disk } = a.resources;
  return a.hostname === b.hostname && cpus === b.resources.cpus && mem === b.resources.mem && disk === b.resources.disk && attributes(a) === attributes(b);
}
