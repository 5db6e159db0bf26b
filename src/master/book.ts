import { type AgentId, type AgentInfo, type FrameworkId, type FrameworkInfo, type Peer, type Reason, type Resources, type TaskId, type TaskStateName, type TaskStatus, isTerminal } from '../protocol/index.js';
import { CompletedTasks } from './completed-tasks.js';
import type { Admitted, MasterEnv } from './core.js';
import { type AgentEntry, type CompletedFramework, type FrameworkEntry, type TaskEntry, type UnreachableAgent, taskKey } from './entries.js';
import type { MasterOptions } from './options.js';

/**
 * The master's book of agents, frameworks and tasks, the one place every part of the master
 * reads and changes them, and what those parts do to them alike: a task's new state or its
 * end, the updates the master makes up about it, and what schedulers are told.
 */
export class MasterBook {
  /** Registered agents, connected or not (Mesos slaves.registered). */
  readonly agents = new Map<AgentId, AgentEntry>();
  /** Agents of the registry not reregistered since this master started (Mesos slaves.recovered). */
  readonly recovered = new Map<AgentId, AgentInfo>();
  readonly unreachable = new Map<AgentId, UnreachableAgent>();
  /** Agents removed since this master started: their updates are dropped. */
  readonly removed = new Set<AgentId>();
  /** Registrations (by agent address) and reregistrations (by id) waiting for their registry write. */
  readonly registering = new Set<string>();
  readonly reregistering = new Set<AgentId>();
  readonly frameworks = new Map<FrameworkId, FrameworkEntry>();
  readonly tasks = new Map<string, TaskEntry>();
  /** Every framework admitted and not torn down, connected or not (after a master failover, or waiting for its scheduler). */
  readonly admitted: Map<FrameworkId, FrameworkInfo>;
  readonly completedFrameworks: CompletedFramework[] = [];
  readonly completedTasks: CompletedTasks;
  /** The agent totals schedulers were last told (`scheduler.agents`), as a key. */
  private announcedTotals = '';

  constructor(
    options: MasterOptions,
    private readonly env: MasterEnv,
    admitted: Admitted,
  ) {
    this.admitted = new Map(admitted.frameworks);
    for (const [id, info] of admitted.agents) this.recovered.set(id, info);
    for (const [id, entry] of admitted.unreachable) this.unreachable.set(id, entry);
    this.completedTasks = new CompletedTasks(options.maxCompletedTasksPerFramework, options.completedTaskRetentionMs, (key) => {
      if (this.tasks.get(key)?.phase === 'completed') this.tasks.delete(key);
    });
  }

  /** The tasks the master holds as active on an agent (Mesos slave->tasks). */
  tasksOn(agentId: AgentId): TaskEntry[] {
    return [...this.tasks.values()].filter((task) => task.agentId === agentId && task.phase === 'active');
  }

  activeTask(frameworkId: FrameworkId, taskId: TaskId): TaskEntry | undefined {
    const task = this.tasks.get(taskKey(frameworkId, taskId));
    return task?.phase === 'active' ? task : undefined;
  }

  frameworkInfo(frameworkId: FrameworkId): FrameworkInfo | undefined {
    return this.frameworks.get(frameworkId)?.info ?? this.admitted.get(frameworkId);
  }

  partitionAware(frameworkId: FrameworkId): boolean {
    return this.frameworkInfo(frameworkId)?.partitionAware === true;
  }

  /** The master ends a task itself (Mesos: a master-generated terminal update, then removeTask). */
  endTask(task: TaskEntry, state: TaskStateName, reason: Reason, message: string): void {
    const status = this.statusOf(task, state, reason, message);
    if (!isTerminal(task.state)) this.agents.get(task.agentId)?.resources.unuse(task.allocation);
    this.updateTask(task, state, reason);
    this.complete(task);
    this.toScheduler(task.frameworkId, status);
  }

  complete(task: TaskEntry): void {
    if (task.phase === 'completed') return;
    task.phase = 'completed';
    this.completedTasks.add(task.frameworkId, taskKey(task.frameworkId, task.taskId), this.env.now());
  }

  /** A task's new state (Mesos updateTask): a terminal state is never overwritten. */
  updateTask(task: TaskEntry, state: TaskStateName, reason: Reason | undefined, source: TaskStatus['source'] = 'SOURCE_MASTER'): void {
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
  toScheduler(frameworkId: FrameworkId, status: TaskStatus): void {
    const framework = this.frameworks.get(frameworkId);
    if (framework?.connected === true) framework.scheduler.tell({ type: 'scheduler.update', status });
  }

  /** An update the master makes up about a task it knows, from its agent. */
  statusOf(task: TaskEntry, state: TaskStateName, reason: Reason | undefined, message: string): TaskStatus {
    const status = this.unknownStatus(task.frameworkId, task.taskId, task.agentId, state, reason, message);
    return task.executorId === undefined ? status : { ...status, executorId: task.executorId };
  }

  /** An update the master makes up (not acknowledged: no uuid). */
  unknownStatus(frameworkId: FrameworkId, taskId: TaskId, agentId: AgentId | undefined, state: TaskStateName, reason: Reason | undefined, message: string): TaskStatus {
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

  /** Tells every scheduler the agents' totals when they change, so that `launch()` can refuse a task no agent could run. */
  announceAgents(to?: Peer<'scheduler'>): void {
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
}
