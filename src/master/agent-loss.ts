import { type AgentId, isTerminal } from '../protocol/index.js';
import type { MasterCore, Sender } from './core.js';
import type { AgentEntry } from './entries.js';
import { unreachableToPrune } from './unknown-tasks.js';

/**
 * How agents leave the master: disconnected (their actor gone), marked unreachable (no
 * reregistration in time, or missed pings), removed (shut down, or replaced by a new agent at
 * their address), and pruned from the registry once unreachable too long, as Mesos's master does.
 */
export class AgentLoss {
  constructor(private readonly master: MasterCore) {}

  /**
   * The agent's actor is gone (Mesos Master::exited). Tasks of frameworks that do not
   * checkpoint cannot survive it (their executors end with the agent): TASK_LOST now. The rest
   * wait for the agent to reregister: within `agentReregisterTimeoutMs`, or it is marked
   * unreachable (so it is too if it misses its pings first).
   */
  disconnected(agent: AgentEntry): void {
    const { book, env, offers, options } = this.master;
    agent.connected = false;
    agent.disconnectedAt = env.now();
    offers.rescindAgent(agent);
    for (const task of book.tasksOn(agent.id)) {
      if (isTerminal(task.state) || book.frameworkInfo(task.frameworkId)?.checkpoint === true) continue;
      book.endTask(task, 'TASK_LOST', 'REASON_AGENT_DISCONNECTED', `agent ${agent.id} disconnected`);
    }
    env.timers.once(`reregister:${agent.id}`, options.agentReregisterTimeoutMs, { type: 'master.reregister_timeout', agentId: agent.id, since: agent.disconnectedAt });
    env.publish({ type: 'master.agent_disconnected', agentId: agent.id });
  }

  reregisterTimeout(agentId: AgentId, since: number): void {
    const agent = this.master.book.agents.get(agentId);
    if (agent === undefined || agent.connected || agent.disconnectedAt !== since) return;
    this.markUnreachable(agent, `it did not reregister within ${this.master.options.agentReregisterTimeoutMs} ms (agentReregisterTimeoutMs)`);
  }

  /**
   * Mesos markUnreachable: the registry first (MarkSlaveUnreachable), then the agent leaves the
   * registered agents; each of its tasks is TASK_UNREACHABLE (partition-aware frameworks) or
   * TASK_LOST, from the master, REASON_AGENT_REMOVED, with the time — a task that had ended
   * keeps its terminal state but the framework is still told — and every framework hears the
   * agent is lost. Refused while another registry operation on the agent is pending.
   */
  private markUnreachable(agent: AgentEntry, cause: string): void {
    const { book, env, registry } = this.master;
    if (agent.busy !== undefined || book.reregistering.has(agent.id)) return;
    agent.busy = 'unreachable';
    const time = env.now();
    registry.persist(
      (writer) => writer.markAgentUnreachable(agent.id, agent.info, time),
      (written) => {
        delete agent.busy;
        if (!written || book.agents.get(agent.id) !== agent) return;
        this.forgetAgent(agent);
        book.unreachable.set(agent.id, { info: agent.info, time });
        for (const task of book.tasksOn(agent.id)) {
          const state = book.partitionAware(task.frameworkId) ? 'TASK_UNREACHABLE' : 'TASK_LOST';
          const status = { ...book.statusOf(task, state, 'REASON_AGENT_REMOVED', `agent ${agent.id} is unreachable: ${cause}`), unreachableTime: time };
          book.updateTask(task, state, 'REASON_AGENT_REMOVED');
          task.phase = 'unreachable';
          book.toScheduler(task.frameworkId, status);
        }
        this.agentLost(agent.id);
        env.publish({ type: 'master.agent_unreachable', agentId: agent.id, missedPings: agent.missedPings, cause });
      },
    );
  }

  /** After a master failover, agents of the registry that did not reregister in time are marked unreachable (they have no tasks here). */
  recoveredAgentsTimeout(): void {
    const { book, env, registry } = this.master;
    for (const [id, info] of book.recovered) {
      if (book.reregistering.has(id)) continue;
      const time = env.now();
      book.reregistering.add(id);
      registry.persist(
        (writer) => writer.markAgentUnreachable(id, info, time),
        (written) => {
          book.reregistering.delete(id);
          if (!written || !book.recovered.delete(id)) return;
          book.unreachable.set(id, { info, time });
          this.agentLost(id);
          env.publish({ type: 'master.agent_unreachable', agentId: id, missedPings: 0, cause: 'it did not reregister after the master failed over' });
        },
      );
    }
  }

  unregisterAgent(agentId: AgentId, sender: Sender): void {
    const agent = this.master.book.agents.get(agentId);
    if (agent === undefined || (sender !== undefined && sender.address !== agent.ref.address)) return;
    this.removeAgent(agent, 'the agent was shut down');
  }

  /**
   * Mesos removeSlave: the registry first (RemoveSlave), then the agent is forgotten and each of
   * its tasks is TASK_LOST, from the master, REASON_AGENT_REMOVED (partition-aware or not).
   */
  removeAgent(agent: AgentEntry, why: string): void {
    const { book, env, registry } = this.master;
    if (agent.busy !== undefined) return;
    agent.busy = 'removing';
    registry.persist(
      (writer) => writer.removeAgent(agent.id),
      (written) => {
        delete agent.busy;
        if (!written || book.agents.get(agent.id) !== agent) return;
        this.forgetAgent(agent);
        book.removed.add(agent.id);
        for (const task of book.tasksOn(agent.id)) book.endTask(task, 'TASK_LOST', 'REASON_AGENT_REMOVED', `agent ${agent.id} removed: ${why}`);
        this.agentLost(agent.id);
        env.publish({ type: 'master.agent_removed', agentId: agent.id, reason: why });
      },
    );
  }

  /** The agent leaves the registered agents: no more pings, offers or kills for it. */
  private forgetAgent(agent: AgentEntry): void {
    const { book, env, offers } = this.master;
    book.agents.delete(agent.id);
    env.unwatch(agent.ref);
    env.timers.cancel(`reregister:${agent.id}`);
    offers.rescindAgent(agent);
    book.announceAgents();
  }

  /** Mesos's slaveLost, to every framework with a scheduler. */
  private agentLost(agentId: AgentId): void {
    for (const framework of this.master.book.frameworks.values()) if (framework.connected) framework.scheduler.tell({ type: 'scheduler.agent_lost', agentId });
  }

  pingAll(): void {
    const { book, env, options } = this.master;
    for (const agent of book.agents.values()) {
      if (agent.busy !== undefined) continue;
      const agentId = agent.id;
      agent.ref.ask({ type: 'agent.ping', connected: agent.connected }, { timeoutMs: options.agentPingTimeoutMs }).then(
        () => env.toSelf({ type: 'master.ping_result', agentId, ok: true }),
        () => env.toSelf({ type: 'master.ping_result', agentId, ok: false }),
      );
    }
  }

  pingResult(agentId: AgentId, ok: boolean): void {
    const agent = this.master.book.agents.get(agentId);
    if (agent === undefined || agent.busy !== undefined) return;
    agent.missedPings = ok ? 0 : agent.missedPings + 1;
    if (agent.missedPings >= this.master.options.maxAgentPingTimeouts) this.markUnreachable(agent, `it missed ${agent.missedPings} pings`);
  }

  /** Mesos doRegistryGc: unreachable agents too old, or beyond the count, are pruned from the registry. */
  registryGc(): void {
    const { book, env, options, registry } = this.master;
    const ids = unreachableToPrune(book.unreachable, env.now(), options.registryMaxAgentAgeMs, options.registryMaxAgentCount);
    if (ids.length === 0) return;
    registry.persist(
      (writer) => writer.pruneUnreachable(ids),
      (written) => {
        if (!written) return;
        for (const id of ids) book.unreachable.delete(id);
        env.publish({ type: 'master.agents_pruned', agentIds: ids });
      },
    );
  }
}
