import { type ActorContext, type ActorRef, behaviour, isDown } from '../actor/index.js';
import type { AgentMsg } from '../agent/messages.js';
import { type AgentId, type AgentInfo, type FrameworkId, type Reservations, TERMINAL_STATES, type TaskId, type TaskStateName } from '../checkpoint/index.js';
import { type TaskDescription, type TaskStatus, subtract } from '../cluster/types.js';
import type { SchedulerMsg } from '../scheduler/messages.js';
import { AgentResources, NO_RESOURCES, sumOf } from './agent-resources.js';
import { type AgentEntry, type FrameworkEntry, type MasterInternalMsg, type TaskEntry, roleOf, taskKey } from './entries.js';
import type { MasterMsg, MasterState } from './messages.js';
import { Offers } from './offers.js';
import { MasterRegistry } from './registry.js';

export interface MasterArgs {
  /** How often each agent is pinged; a ping unanswered within this counts as missed. Default 15 s. */
  readonly agentPingTimeoutMs?: number;
  /** Missed pings before an agent is unreachable. Default 5 (so 75 s by default). */
  readonly maxAgentPingTimeouts?: number;
  /**
   * An offer not accepted or declined within this is rescinded, so that a framework sitting on
   * offers cannot starve the others (Mesos --offer_timeout). Default: none.
   */
  readonly offerTimeoutMs?: number;
  /** Where the registry lives (admitted agents and frameworks); none: nothing survives a restart. */
  readonly workDir?: string;
}


/**
 * The master: admits agents and frameworks, offers each agent's free resources to frameworks in
 * turn, validates and routes launches, forwards status updates and their acknowledgements,
 * answers reconciliation, and marks agents that stop answering pings unreachable.
 */
export const master = behaviour<MasterMsg | MasterInternalMsg, MasterArgs | undefined>({
  setup: (ctx, args) => {
    const pingEveryMs = args?.agentPingTimeoutMs ?? 15_000;
    const maxMissed = args?.maxAgentPingTimeouts ?? 5;
    /** After this long without a ping an agent knows the master has given it up: the window and one interval more. */
    const agentSilenceMs = pingEveryMs * (maxMissed + 1);
    const agents = new Map<AgentId, AgentEntry>();
    const frameworks = new Map<FrameworkId, FrameworkEntry>();
    const tasks = new Map<string, TaskEntry>();
    const removedFrameworks = new Set<FrameworkId>();
    const registry = args?.workDir === undefined ? null : MasterRegistry.open(args.workDir);
    const registered = registry?.read();
    let nextAgent = registered?.lastAgent ?? 0;
    let nextFramework = registered?.lastFramework ?? 0;
    /** Frameworks admitted by an earlier master: they may subscribe again with their id. */
    const knownFrameworks = new Map(registered?.frameworks ?? []);
    ctx.timers.repeat('ping', pingEveryMs, { type: 'master.ping_all' });

    const offers = new Offers({
      agents,
      frameworks,
      timers: ctx.timers,
      offerTimeoutMs: args?.offerTimeoutMs,
      published: (name, data) => ctx.publish({ type: 'custom', source: ctx.self.address, name, data }),
    });
    const allocateSoon = () => offers.soon();



    const toScheduler = (frameworkId: FrameworkId, status: TaskStatus) => {
      frameworks.get(frameworkId)?.scheduler.tell({ type: 'scheduler.update', status });
    };

    const masterStatus = (task: { taskId: TaskId; frameworkId: FrameworkId }, state: TaskStateName, reason: string, message?: string): TaskStatus => ({
      taskId: task.taskId,
      frameworkId: task.frameworkId,
      uuid: '',
      state,
      timestamp: Date.now(),
      source: 'SOURCE_MASTER',
      reason,
      ...(message === undefined ? {} : { message }),
    });

    const accept = (frameworkId: FrameworkId, offerId: string, launches: readonly TaskDescription[]) => {
      const framework = frameworks.get(frameworkId);
      if (framework === undefined) return;
      const offer = offers.of(frameworkId, offerId);
      offers.close(offerId);
      if (offer === undefined) {
        for (const task of launches) {
          toScheduler(frameworkId, masterStatus({ taskId: task.taskId, frameworkId }, 'TASK_DROPPED', 'REASON_INVALID_OFFERS', `offer ${offerId} is no longer valid`));
        }
        return;
      }
      const agent = agents.get(offer.agentId);
      let remaining = offer.allocation;
      for (const task of launches) {
        const carved = agent?.resources.carve(task.resources, remaining) ?? null;
        const left = sumOf(remaining);
        const problem =
          agent === undefined || !agent.reachable || !agent.connected
            ? 'the offer\'s agent is gone'
            : tasks.has(taskKey(frameworkId, task.taskId))
              ? `task id ${task.taskId} is already in use`
              : carved === null
                ? `task needs cpus ${task.resources.cpus}, mem ${task.resources.mem}; the offer has cpus ${left.cpus}, mem ${left.mem} left`
                : undefined;
        if (problem !== undefined || carved === null) {
          const state = agent === undefined || !agent.reachable || !agent.connected ? (framework.info.partitionAware ? 'TASK_DROPPED' : 'TASK_LOST') : 'TASK_ERROR';
          toScheduler(frameworkId, masterStatus({ taskId: task.taskId, frameworkId }, state, 'REASON_TASK_INVALID', problem));
          continue;
        }
        remaining = { role: remaining.role, reserved: subtract(remaining.reserved, carved.reserved), unreserved: subtract(remaining.unreserved, carved.unreserved) };
        agent!.resources.use(carved);
        tasks.set(taskKey(frameworkId, task.taskId), { taskId: task.taskId, frameworkId, agentId: agent!.id, allocation: carved, state: 'TASK_STAGING' });
        agent!.ref.tell({ type: 'agent.run_task', frameworkId, framework: framework.info, task });
      }
      allocateSoon();
    };

    const onStatus = (agentId: AgentId, status: TaskStatus) => {
      if (removedFrameworks.has(status.frameworkId)) {
        // Nobody is left to acknowledge it: the master does, so the agent's stream drains.
        agents.get(agentId)?.ref.tell({ type: 'agent.status_update_ack', frameworkId: status.frameworkId, taskId: status.taskId, uuid: status.uuid });
      }
      const entry = tasks.get(taskKey(status.frameworkId, status.taskId));
      if (entry !== undefined) {
        const wasTerminal = TERMINAL_STATES.has(entry.state);
        entry.state = status.state;
        if (!wasTerminal && TERMINAL_STATES.has(status.state)) {
          agents.get(entry.agentId)?.resources.unuse(entry.allocation);
          allocateSoon();
        }
      }
      if (!removedFrameworks.has(status.frameworkId)) toScheduler(status.frameworkId, { ...status, agentId });
    };

    /** Shutdown of a framework: no more offers; agents kill its tasks and stop its executors. */
    const teardown = (frameworkId: FrameworkId) => {
      const framework = frameworks.get(frameworkId);
      if (framework === undefined) return false;
      frameworks.delete(frameworkId);
      removedFrameworks.add(frameworkId);
      knownFrameworks.delete(frameworkId);
      void registry?.removeFramework(frameworkId).catch(() => undefined);
      offers.closeFramework(frameworkId);
      const hosting = new Set<AgentId>();
      for (const task of tasks.values()) {
        if (task.frameworkId === frameworkId && !TERMINAL_STATES.has(task.state)) hosting.add(task.agentId);
      }
      for (const agentId of hosting) agents.get(agentId)?.ref.tell({ type: 'agent.shutdown_framework', frameworkId });
      allocateSoon();
      return true;
    };


    const admit = (id: AgentId, ref: ActorRef, info: AgentInfo, reservations: Reservations): AgentEntry => {
      const resources = new AgentResources(info.resources, reservations);
      const entry: AgentEntry = { id, ref: ref as ActorRef<AgentMsg>, info, resources, missedPings: 0, reachable: true, connected: true };
      agents.set(id, entry);
      ctx.watch(ref);
      return entry;
    };

    /** A scheduler is this framework's from now on (a new framework, a failover, or back after a master failover). */
    const attachScheduler = (framework: FrameworkEntry, scheduler: ActorRef<SchedulerMsg>) => {
      if (framework.connected && !framework.scheduler.equals(scheduler)) ctx.unwatch(framework.scheduler);
      framework.scheduler = scheduler;
      framework.connected = true;
      ctx.timers.cancel(`failover:${framework.id}`);
      ctx.watch(scheduler);
    };

    /**
     * The framework's scheduler is gone (Mesos: the scheduler disconnected). Its offers are
     * rescinded and it gets none until a scheduler fails over to it; after the framework's
     * `failoverTimeoutMs` (default 0, as in Mesos) it is torn down. Its tasks keep running meanwhile.
     */
    const schedulerGone = (framework: FrameworkEntry) => {
      framework.connected = false;
      offers.closeFramework(framework.id);
      const failoverTimeoutMs = framework.info.failoverTimeoutMs ?? 0;
      ctx.timers.once(`failover:${framework.id}`, failoverTimeoutMs, { type: 'master.failover_timeout', frameworkId: framework.id });
      ctx.publish({ type: 'custom', source: ctx.self.address, name: 'master.framework_disconnected', data: { frameworkId: framework.id, failoverTimeoutMs } });
    };

    const markUnreachable = (agent: AgentEntry) => {
      agent.reachable = false;
      offers.rescindAgent(agent);
      for (const task of tasks.values()) {
        if (task.agentId !== agent.id || TERMINAL_STATES.has(task.state)) continue;
        const partitionAware = frameworks.get(task.frameworkId)?.info.partitionAware === true;
        task.state = partitionAware ? 'TASK_UNREACHABLE' : 'TASK_LOST';
        toScheduler(task.frameworkId, masterStatus(task, task.state, 'REASON_SLAVE_REMOVED', `agent ${agent.id} missed ${agent.missedPings} pings`));
      }
      ctx.publish({ type: 'custom', source: ctx.self.address, name: 'master.agent_unreachable', data: { agentId: agent.id } });
    };

    /**
     * The agent's actor is gone. Tasks of frameworks that do not checkpoint cannot survive it
     * (their executors shut down with the agent): TASK_LOST now. The rest wait for the agent to
     * reregister, or for the ping timeouts to mark it unreachable.
     */
    const disconnected = (agent: AgentEntry) => {
      agent.connected = false;
      offers.rescindAgent(agent);
      for (const task of tasks.values()) {
        if (task.agentId !== agent.id || TERMINAL_STATES.has(task.state)) continue;
        if (frameworks.get(task.frameworkId)?.info.checkpoint === true) continue;
        task.state = 'TASK_LOST';
        agent.resources.unuse(task.allocation);
        toScheduler(task.frameworkId, masterStatus(task, 'TASK_LOST', 'REASON_SLAVE_DISCONNECTED', `agent ${agent.id} disconnected`));
      }
      ctx.publish({ type: 'custom', source: ctx.self.address, name: 'master.agent_disconnected', data: { agentId: agent.id } });
    };

    /** A recovered agent rejoins: reconcile what it reports with what the master knows. */
    const reregister = (message: Extract<MasterMsg, { type: 'master.reregister_agent' }>) => {
      // An agent this master knows keeps the master's view of its reservations (a change the
      // agent missed is sent again below); after a master failover the agent's report is all there is.
      const entry = agents.get(message.agentId) ?? admit(message.agentId, message.agent, message.info, message.reservations);
      entry.ref = message.agent as ActorRef<AgentMsg>;
      entry.info = message.info;
      entry.missedPings = 0;
      entry.reachable = true;
      entry.connected = true;
      ctx.watch(entry.ref);
      const reported = new Map(message.tasks.map((t) => [taskKey(t.frameworkId, t.taskId), t]));
      for (const [key, task] of tasks) {
        if (task.agentId !== entry.id) continue;
        const fromAgent = reported.get(key);
        const partitionAware = frameworks.get(task.frameworkId)?.info.partitionAware === true;
        if (fromAgent === undefined) {
          if (TERMINAL_STATES.has(task.state)) continue;
          task.state = partitionAware ? 'TASK_DROPPED' : 'TASK_LOST';
          toScheduler(task.frameworkId, masterStatus(task, task.state, 'REASON_RECONCILIATION', 'the reregistered agent does not know this task'));
        } else if ((task.state === 'TASK_LOST' || task.state === 'TASK_UNREACHABLE') && !TERMINAL_STATES.has(fromAgent.state)) {
          task.state = fromAgent.state;
          toScheduler(task.frameworkId, masterStatus(task, task.state, 'REASON_SLAVE_REREGISTERED', `agent ${entry.id} is back`));
        }
      }
      const live = [...tasks.values()].filter((task) => task.agentId === entry.id && !TERMINAL_STATES.has(task.state));
      entry.resources.reset(message.info.resources, live.map((task) => task.allocation));
      for (const [key, t] of reported) {
        if (tasks.has(key)) continue;
        const role = roleOf(frameworks.get(t.frameworkId)?.info ?? knownFrameworks.get(t.frameworkId));
        const allocation = TERMINAL_STATES.has(t.state) ? { role, reserved: NO_RESOURCES, unreserved: t.resources } : entry.resources.charge(role, t.resources);
        tasks.set(key, { taskId: t.taskId, frameworkId: t.frameworkId, agentId: entry.id, allocation, state: t.state });
      }
      entry.ref.tell({ type: 'agent.reregistered', agentId: entry.id, pingTimeoutMs: agentSilenceMs });
      entry.ref.tell({ type: 'agent.checkpoint_resources', reservations: entry.resources.reservations() });
      // Kills asked for while the agent was away (or sent to it as it died) are delivered now.
      for (const task of tasks.values()) {
        if (task.agentId === entry.id && task.killRequested && !TERMINAL_STATES.has(task.state)) {
          entry.ref.tell({ type: 'agent.kill_task', frameworkId: task.frameworkId, taskId: task.taskId });
        }
      }
      ctx.publish({ type: 'custom', source: ctx.self.address, name: 'master.agent_reregistered', data: { agentId: entry.id, tasks: message.tasks.length } });
      allocateSoon();
    };


    const state = (): MasterState => ({
      agents: [...agents.values()].map((a) => ({ agentId: a.id, hostname: a.info.hostname, total: a.info.resources, free: a.resources.free(), reserved: a.resources.reservations() })),
      frameworks: [...frameworks.values()].map((f) => ({ frameworkId: f.id, name: f.info.name, checkpoint: f.info.checkpoint, connected: f.connected })),
      tasks: [...tasks.values()].map((t) => ({ taskId: t.taskId, frameworkId: t.frameworkId, agentId: t.agentId, state: t.state })),
    });

    return {
      stopped: () => registry?.close(),
      receive: (message, _ctx: ActorContext<MasterMsg | MasterInternalMsg>) => {
        if (isDown(message)) {
          for (const agent of agents.values()) if (agent.ref.equals(message.ref)) disconnected(agent);
          // A scheduler stopped by the system's own shutdown has nothing to fail over to.
          if (message.reason === 'shutdown') return undefined;
          for (const framework of frameworks.values()) if (framework.connected && framework.scheduler.equals(message.ref)) schedulerGone(framework);
          return undefined;
        }
        switch (message.type) {
          case 'master.register_agent': {
            const id = `agent-${++nextAgent}` as AgentId;
            admit(id, message.agent, message.info, message.reservations);
            // Durable before the agent hears it is admitted (Mesos writes its registry first).
            return (registry?.admitAgent(id, message.info) ?? Promise.resolve()).then(() => {
              message.agent.tell({ type: 'agent.registered', agentId: id, pingTimeoutMs: agentSilenceMs } satisfies AgentMsg);
              ctx.publish({ type: 'custom', source: ctx.self.address, name: 'master.agent_registered', data: { agentId: id, hostname: message.info.hostname } });
              allocateSoon();
              return id;
            });
          }
          case 'master.unregister_agent': {
            const agent = agents.get(message.agentId);
            if (agent === undefined) return undefined;
            agents.delete(agent.id);
            ctx.unwatch(agent.ref);
            offers.rescindAgent(agent);
            for (const task of tasks.values()) {
              if (task.agentId !== agent.id || TERMINAL_STATES.has(task.state)) continue;
              task.state = 'TASK_LOST';
              toScheduler(task.frameworkId, masterStatus(task, 'TASK_LOST', 'REASON_SLAVE_REMOVED', `agent ${agent.id} was shut down`));
            }
            ctx.publish({ type: 'custom', source: ctx.self.address, name: 'master.agent_removed', data: { agentId: agent.id } });
            return undefined;
          }
          case 'master.agent_recovering': {
            const entry = agents.get(message.agentId);
            if (entry === undefined) return undefined;
            entry.ref = message.agent as ActorRef<AgentMsg>;
            entry.missedPings = 0;
            ctx.watch(entry.ref);
            return undefined;
          }
          case 'master.reregister_agent':
            return reregister(message);
          case 'master.register_framework': {
            const scheduler = message.scheduler as ActorRef<SchedulerMsg>;
            const existing = message.frameworkId === undefined ? undefined : frameworks.get(message.frameworkId);
            if (message.frameworkId !== undefined && existing === undefined) {
              if (!knownFrameworks.has(message.frameworkId)) {
                scheduler.tell({ type: 'scheduler.error', message: `framework ${message.frameworkId} is not registered (it may have been torn down)` });
                return undefined;
              }
              // Admitted by an earlier master: it subscribes again after a master failover.
              const framework: FrameworkEntry = { id: message.frameworkId, info: message.info, scheduler, connected: false, refused: new Map() };
              frameworks.set(message.frameworkId, framework);
              attachScheduler(framework, scheduler);
              scheduler.tell({ type: 'scheduler.registered', frameworkId: message.frameworkId });
              allocateSoon();
              return message.frameworkId;
            }
            if (existing !== undefined) {
              // Scheduler failover: the framework, its tasks and its update streams stay; the
              // old scheduler is told, and everything now goes to the new one.
              if (existing.connected) existing.scheduler.tell({ type: 'scheduler.error', message: 'Framework failed over' });
              attachScheduler(existing, scheduler);
              offers.closeFramework(existing.id);
              scheduler.tell({ type: 'scheduler.registered', frameworkId: existing.id });
              allocateSoon();
              return existing.id;
            }
            const id = `framework-${++nextFramework}` as FrameworkId;
            const framework: FrameworkEntry = { id, info: message.info, scheduler, connected: false, refused: new Map() };
            frameworks.set(id, framework);
            attachScheduler(framework, scheduler);
            knownFrameworks.set(id, message.info);
            return (registry?.admitFramework(id, message.info) ?? Promise.resolve()).then(() => {
              scheduler.tell({ type: 'scheduler.registered', frameworkId: id });
              allocateSoon();
              return id;
            });
          }
          case 'master.accept':
            return accept(message.frameworkId, message.offerId, message.tasks);
          case 'master.decline':
            return offers.decline(message.frameworkId, message.offerId, message.refuseMs ?? 5_000);
          case 'master.teardown':
            return teardown(message.frameworkId);
          case 'master.reserve':
          case 'master.unreserve': {
            const reply = ctx.deferReply();
            const problem = offers.changeReservation(message);
            if (problem === null) reply.resolve(true);
            else reply.reject(Object.assign(new Error(problem), { code: 'ERR_RESERVATION' }));
            return undefined;
          }
          case 'master.revive':
            return offers.revive(message.frameworkId);
          case 'master.status_update':
            return onStatus(message.agentId, message.status);
          case 'master.acknowledge': {
            const entry = tasks.get(taskKey(message.frameworkId, message.taskId));
            if (entry !== undefined && message.uuid !== '') {
              agents.get(entry.agentId)?.ref.tell({ type: 'agent.status_update_ack', frameworkId: message.frameworkId, taskId: message.taskId, uuid: message.uuid });
            }
            return undefined;
          }
          case 'master.kill_task': {
            const entry = tasks.get(taskKey(message.frameworkId, message.taskId));
            const agent = entry === undefined ? undefined : agents.get(entry.agentId);
            if (entry === undefined || agent === undefined) {
              toScheduler(message.frameworkId, masterStatus(message, 'TASK_LOST', 'REASON_RECONCILIATION', 'the master does not know this task'));
            } else {
              // Remembered until the task ends: a kill that meets a dead agent is sent again
              // when the agent reregisters.
              entry.killRequested = true;
              if (agent.connected) agent.ref.tell({ type: 'agent.kill_task', frameworkId: message.frameworkId, taskId: message.taskId });
            }
            return undefined;
          }
          case 'master.reconcile': {
            const wanted =
              message.taskIds.length === 0
                ? [...tasks.values()].filter((t) => t.frameworkId === message.frameworkId)
                : message.taskIds.map((taskId) => tasks.get(taskKey(message.frameworkId, taskId)) ?? { taskId, frameworkId: message.frameworkId, state: 'TASK_LOST' as const });
            for (const task of wanted) toScheduler(message.frameworkId, masterStatus(task, task.state, 'REASON_RECONCILIATION'));
            return wanted.length;
          }
          case 'master.state':
            return state();
          case 'master.offer_timeout':
            return offers.rescind(message.offerId);
          case 'master.failover_timeout': {
            const framework = frameworks.get(message.frameworkId);
            if (framework === undefined || framework.connected) return undefined;
            teardown(framework.id);
            ctx.publish({ type: 'custom', source: ctx.self.address, name: 'master.framework_removed', data: { frameworkId: framework.id, reason: 'failover timeout' } });
            return undefined;
          }
          case 'master.allocate':
            return offers.allocate();
          case 'master.ping_all':
            for (const agent of agents.values()) {
              if (!agent.reachable) continue;
              ctx.ask(agent.ref, { type: 'agent.ping' }, { timeoutMs: pingEveryMs }).then(
                () => ctx.self.tell({ type: 'master.ping_result', agentId: agent.id, ok: true }),
                () => ctx.self.tell({ type: 'master.ping_result', agentId: agent.id, ok: false }),
              );
            }
            return undefined;
          case 'master.ping_result': {
            const agent = agents.get(message.agentId);
            if (agent === undefined || !agent.reachable) return undefined;
            agent.missedPings = message.ok ? 0 : agent.missedPings + 1;
            if (agent.missedPings >= maxMissed) markUnreachable(agent);
            return undefined;
          }
        }
      },
    };
  },
});
