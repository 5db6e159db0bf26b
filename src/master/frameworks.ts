import { type FrameworkId, type FrameworkInfo, type Peer, isTerminal } from '../protocol/index.js';
import type { MasterCore, Sender } from './core.js';
import type { FrameworkEntry } from './entries.js';

/**
 * A framework's life at the master: registration (the registry first), its scheduler's
 * failover, its return after a master failover, its scheduler's going away, and its teardown,
 * as Mesos's master does. Calls are taken only from the framework's current scheduler.
 */
export class Frameworks {
  private nextFramework: number;

  constructor(
    private readonly master: MasterCore,
    lastFramework: number,
  ) {
    this.nextFramework = lastFramework;
  }

  registerFramework(scheduler: Peer<'scheduler'>, info: FrameworkInfo, frameworkId: FrameworkId | undefined): void {
    const { book, env, offers, registry } = this.master;
    if (frameworkId === undefined) {
      const id = `framework-${++this.nextFramework}` as FrameworkId;
      registry.persist(
        (writer) => writer.admitFramework(id, info),
        (written) => {
          if (!written) {
            scheduler.tell({ type: 'scheduler.error', code: 'ERR_REGISTRY_UNAVAILABLE', message: `the master cannot record framework ${info.name}: ${registry.failure()?.message ?? 'its registry write failed'}` });
            return;
          }
          book.admitted.set(id, info);
          this.subscribe(id, info, scheduler);
          env.publish({ type: 'master.framework_registered', frameworkId: id, frameworkName: info.name });
        },
      );
      return;
    }
    const existing = book.frameworks.get(frameworkId);
    if (existing !== undefined) {
      // Scheduler failover: the framework, its tasks and its update streams stay; the old
      // scheduler is told, and everything now goes to the new one.
      if (existing.connected && !existing.scheduler.equals(scheduler)) existing.scheduler.tell({ type: 'scheduler.error', code: 'ERR_FRAMEWORK_FAILED_OVER', message: 'Framework failed over' });
      offers.closeFramework(existing.id);
      this.attachScheduler(existing, scheduler);
      scheduler.tell({ type: 'scheduler.registered', frameworkId });
      book.announceAgents(scheduler);
      this.tellAgentsOf(existing);
      offers.soon();
      return;
    }
    if (!book.admitted.has(frameworkId)) {
      scheduler.tell({ type: 'scheduler.error', code: 'ERR_FRAMEWORK_UNKNOWN', message: `framework ${frameworkId} is not registered (it may have been torn down)` });
      return;
    }
    // Admitted by an earlier master: it subscribes again after a master failover.
    this.tellAgentsOf(this.subscribe(frameworkId, info, scheduler));
  }

  private subscribe(id: FrameworkId, info: FrameworkInfo, scheduler: Peer<'scheduler'>): FrameworkEntry {
    const { book, env, offers } = this.master;
    const framework: FrameworkEntry = { id, info, scheduler, connected: false, refused: new Map(), agents: new Set(), formerSchedulers: new Set(), registeredAt: env.now() };
    for (const task of book.tasks.values()) if (task.frameworkId === id && task.phase === 'active') framework.agents.add(task.agentId);
    book.frameworks.set(id, framework);
    this.attachScheduler(framework, scheduler);
    scheduler.tell({ type: 'scheduler.registered', frameworkId: id });
    book.announceAgents(scheduler);
    offers.soon();
    return framework;
  }

  /** A framework has a (new) scheduler: the agents that run it resend its pending updates now (Mesos UpdateFrameworkMessage). */
  private tellAgentsOf(framework: FrameworkEntry): void {
    for (const agentId of framework.agents) {
      const agent = this.master.book.agents.get(agentId);
      if (agent?.connected === true) agent.ref.tell({ type: 'agent.update_framework', frameworkId: framework.id, framework: framework.info });
    }
  }

  /** A scheduler is this framework's from now on (a new framework, a failover, or back after a master failover). */
  private attachScheduler(framework: FrameworkEntry, scheduler: Peer<'scheduler'>): void {
    const { env } = this.master;
    if (!framework.scheduler.equals(scheduler)) {
      if (framework.connected) env.unwatch(framework.scheduler);
      framework.formerSchedulers.add(framework.scheduler.address);
      framework.formerSchedulers.delete(scheduler.address);
    }
    framework.scheduler = scheduler;
    framework.connected = true;
    env.timers.cancel(`failover:${framework.id}`);
    env.watch(scheduler);
  }

  /**
   * A call that names a framework is refused from a scheduler that framework failed over from
   * (Mesos drops calls from any pid but the framework's current one), so that an old scheduler
   * still running cannot launch, kill or decline for it.
   */
  fromScheduler(frameworkId: FrameworkId, sender: Sender, act: (framework: FrameworkEntry) => unknown, refused: unknown = undefined): unknown {
    const framework = this.master.book.frameworks.get(frameworkId);
    if (framework === undefined) return refused;
    if (sender !== undefined && framework.formerSchedulers.has(sender.address)) return refused;
    return act(framework);
  }

  /**
   * The framework's scheduler is gone (Mesos: the scheduler disconnected). Its offers are
   * rescinded and it gets none until a scheduler fails over to it; after the framework's
   * `failoverTimeoutMs` (default 0, as in Mesos) it is torn down. Its tasks keep running meanwhile.
   */
  schedulerGone(framework: FrameworkEntry): void {
    const { env, offers } = this.master;
    framework.connected = false;
    offers.closeFramework(framework.id);
    const failoverTimeoutMs = framework.info.failoverTimeoutMs ?? 0;
    if (failoverTimeoutMs !== Infinity) env.timers.once(`failover:${framework.id}`, failoverTimeoutMs, { type: 'master.failover_timeout', frameworkId: framework.id });
    env.publish({ type: 'master.framework_disconnected', frameworkId: framework.id, failoverTimeoutMs });
  }

  failoverTimeout(frameworkId: FrameworkId): void {
    const framework = this.master.book.frameworks.get(frameworkId);
    if (framework === undefined || framework.connected) return;
    this.teardown(framework.id, 'its scheduler did not fail over within failoverTimeoutMs');
  }

  /**
   * Mesos removeFramework: no more offers; its tasks (unreachable ones too) are TASK_KILLED,
   * REASON_FRAMEWORK_REMOVED, as the master records them (nobody is left to hear it), and every
   * registered agent is told to shut it down; one that is away is told when it reregisters.
   */
  teardown(frameworkId: FrameworkId, why: string): boolean {
    const { book, env, offers, options, registry } = this.master;
    const framework = book.frameworks.get(frameworkId);
    if (framework === undefined) return false;
    book.frameworks.delete(frameworkId);
    book.admitted.delete(frameworkId);
    env.timers.cancel(`failover:${frameworkId}`);
    if (framework.connected) env.unwatch(framework.scheduler);
    registry.persistUntilWritten((writer) => writer.removeFramework(frameworkId));
    offers.closeFramework(frameworkId);
    for (const task of book.tasks.values()) {
      if (task.frameworkId !== frameworkId || task.phase === 'completed') continue;
      if (!isTerminal(task.state) && task.phase === 'active') book.agents.get(task.agentId)?.resources.unuse(task.allocation);
      book.updateTask(task, 'TASK_KILLED', 'REASON_FRAMEWORK_REMOVED');
      book.complete(task);
    }
    for (const agent of book.agents.values()) if (agent.connected) agent.ref.tell({ type: 'agent.shutdown_framework', frameworkId });
    book.completedFrameworks.push({ frameworkId, name: framework.info.name, removedAt: env.now(), reason: why });
    if (book.completedFrameworks.length > options.maxCompletedFrameworks) book.completedFrameworks.shift();
    env.publish({ type: 'master.framework_removed', frameworkId, reason: why });
    offers.soon();
    return true;
  }
}
