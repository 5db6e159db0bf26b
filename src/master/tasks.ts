import * as v from 'valibot';
import { type AgentId, type FrameworkId, type OfferId, type Reason, TaskDescriptionSchema, type TaskId, type TaskStateName, type TaskStatus, isTerminal, isValidId, subtract } from '../protocol/index.js';
import { sumOf } from './agent-resources.js';
import type { MasterCore, Sender } from './core.js';
import { type FrameworkEntry, type TaskEntry, taskKey } from './entries.js';
import { answerForUnknownTask } from './unknown-tasks.js';

/**
 * What the master does with tasks, as Mesos's master does: launches on an accepted offer
 * (validated, carved out of it), status updates from agents forwarded to frameworks, their
 * acknowledgements sent back to agents, kills, and reconciliation.
 */
export class Tasks {
  constructor(private readonly master: MasterCore) {}

  accept(framework: FrameworkEntry, offerId: OfferId, launches: readonly unknown[]): void {
    const { book, env, offers } = this.master;
    // Another framework's offer is no longer valid to this one, and stays open to its own.
    const offer = offers.of(framework.id, offerId);
    if (offer !== undefined) offers.close(offerId);
    const agent = offer === undefined ? undefined : book.agents.get(offer.agentId);
    const partitionAware = framework.info.partitionAware === true;
    let remaining = offer?.allocation;
    for (const raw of launches) {
      const parsed = v.safeParse(TaskDescriptionSchema, raw);
      if (!parsed.success) {
        this.invalidTask(framework, raw, parsed.issues);
        continue;
      }
      const task = parsed.output;
      const reject = (state: TaskStateName, reason: Reason, why: string) => book.toScheduler(framework.id, book.unknownStatus(framework.id, task.taskId, offer?.agentId, state, reason, why));
      if (offer === undefined || remaining === undefined) {
        reject(partitionAware ? 'TASK_DROPPED' : 'TASK_LOST', 'REASON_INVALID_OFFERS', `offer ${offerId} is no longer valid`);
        continue;
      }
      if (agent === undefined || !agent.connected) {
        reject(partitionAware ? 'TASK_DROPPED' : 'TASK_LOST', agent === undefined ? 'REASON_AGENT_REMOVED' : 'REASON_AGENT_DISCONNECTED', `the offer's agent ${offer.agentId} is ${agent === undefined ? 'gone' : 'disconnected'}`);
        continue;
      }
      if (book.tasks.has(taskKey(framework.id, task.taskId))) {
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
      book.tasks.set(taskKey(framework.id, task.taskId), {
        taskId: task.taskId,
        frameworkId: framework.id,
        agentId: agent.id,
        name: task.name ?? task.taskId,
        ...(task.executor === undefined ? {} : { executorId: task.executor.executorId }),
        allocation: carved,
        state: 'TASK_STAGING',
        phase: 'active',
        updatedAt: env.now(),
      });
      framework.agents.add(agent.id);
      agent.ref.tell({ type: 'agent.run_task', frameworkId: framework.id, framework: framework.info, task });
      env.publish({ type: 'master.task_launched', frameworkId: framework.id, taskId: task.taskId, agentId: agent.id });
    }
    offers.soon();
  }

  /** A task that does not pass validation: TASK_ERROR if it has a usable id, a scheduler error otherwise. */
  private invalidTask(framework: FrameworkEntry, raw: unknown, issues: readonly v.BaseIssue<unknown>[]): void {
    const { book } = this.master;
    const why = issues.map((issue) => `${v.getDotPath(issue) ?? 'task'}: ${issue.message}`).join('; ');
    const taskId = (raw as { taskId?: unknown } | null)?.taskId;
    if (isValidId(taskId)) {
      book.toScheduler(framework.id, book.unknownStatus(framework.id, taskId as TaskId, undefined, 'TASK_ERROR', 'REASON_TASK_INVALID', why));
    } else {
      framework.scheduler.tell({ type: 'scheduler.error', code: 'ERR_INVALID_TASK', message: `a task in an accept was refused: ${why}` });
    }
  }

  /**
   * Mesos Master::statusUpdate: an update from an agent that was removed, is not registered
   * (unreachable, unknown) or is not the sender is dropped. Otherwise it is forwarded to the
   * framework if its scheduler is there, and updates the master's task.
   */
  statusUpdate(agentId: AgentId, status: TaskStatus, sender: Sender): void {
    const { book, offers } = this.master;
    const agent = book.agents.get(agentId);
    if (book.removed.has(agentId) || agent === undefined || sender?.address !== agent.ref.address) return;
    const key = taskKey(status.frameworkId, status.taskId);
    if (!book.admitted.has(status.frameworkId)) {
      // Torn down (or never admitted): nobody is left to acknowledge it. The master does, so
      // the agent's stream drains, and tells the agent to end what is left of the framework.
      agent.ref.tell({ type: 'agent.status_update_ack', frameworkId: status.frameworkId, taskId: status.taskId, uuid: status.uuid });
      if (!book.tasks.has(key)) agent.ref.tell({ type: 'agent.shutdown_framework', frameworkId: status.frameworkId });
      return;
    }
    const task = book.tasks.get(key);
    if (task !== undefined && task.agentId === agentId && task.phase === 'active') {
      const wasTerminal = isTerminal(task.state);
      book.updateTask(task, status.state, status.reason, status.source);
      task.statusUpdateState = status.state;
      task.statusUpdateUuid = status.uuid;
      if (status.executorId !== undefined) task.executorId = status.executorId;
      if (!wasTerminal && isTerminal(task.state)) {
        agent.resources.unuse(task.allocation);
        offers.soon();
      }
    }
    book.toScheduler(status.frameworkId, { ...status, agentId });
  }

  /** Sent on to the agent; a terminal update acknowledged moves its task to the completed ones. */
  acknowledge(frameworkId: FrameworkId, taskId: TaskId, uuid: string, agentId: AgentId | undefined): void {
    const { book } = this.master;
    if (uuid === '') return;
    const task = book.tasks.get(taskKey(frameworkId, taskId));
    const via = agentId ?? task?.agentId;
    if (via === undefined) return;
    book.agents.get(via)?.ref.tell({ type: 'agent.status_update_ack', frameworkId, taskId, uuid });
    if (task?.phase === 'active' && task.agentId === via && task.statusUpdateUuid === uuid && isTerminal(task.state)) book.complete(task);
  }

  /**
   * Mesos Master::kill: a task the master does not hold as active is answered as an explicit
   * reconciliation of it. Otherwise the kill is remembered for its agent (sent again if the
   * agent reregisters with the task still running) and sent now if the agent is connected.
   */
  kill(framework: FrameworkEntry, taskId: TaskId, agentId: AgentId | undefined): void {
    const { book } = this.master;
    const task = book.activeTask(framework.id, taskId);
    if (task === undefined) return void this.reconcile(framework, [{ taskId, ...(agentId === undefined ? {} : { agentId }) }]);
    if (agentId !== undefined && agentId !== task.agentId) return;
    const agent = book.agents.get(task.agentId);
    if (agent === undefined) return;
    agent.killedTasks.add(taskKey(framework.id, taskId));
    if (agent.connected) agent.ref.tell({ type: 'agent.kill_task', frameworkId: framework.id, taskId });
  }

  /**
   * Mesos Master::reconcile. Implicit (no tasks): every active task of the framework (not
   * unreachable ones, not acknowledged terminal ones). Explicit: a known task's state as last
   * forwarded; an unknown one as `answerForUnknownTask` decides, or nothing.
   */
  reconcile(framework: FrameworkEntry, asked: readonly { readonly taskId: TaskId; readonly agentId?: AgentId }[]): number {
    const { book } = this.master;
    const latest = (task: TaskEntry) => book.statusOf(task, task.statusUpdateState ?? task.state, 'REASON_RECONCILIATION', 'Reconciliation: latest task state');
    const answers: TaskStatus[] = [];
    if (asked.length === 0) {
      for (const task of book.tasks.values()) if (task.frameworkId === framework.id && task.phase === 'active') answers.push(latest(task));
    }
    const view = { registered: book.agents, recovered: book.recovered, unreachable: book.unreachable };
    for (const { taskId, agentId } of asked) {
      const task = book.activeTask(framework.id, taskId);
      if (task !== undefined) {
        answers.push(latest(task));
        continue;
      }
      const answer = answerForUnknownTask(agentId, view, framework.info.partitionAware === true);
      if (answer === null) continue;
      const status = book.unknownStatus(framework.id, taskId, agentId, answer.state, answer.reason, answer.message);
      answers.push(answer.unreachableTime === undefined ? status : { ...status, unreachableTime: answer.unreachableTime });
    }
    for (const status of answers) book.toScheduler(framework.id, status);
    return answers.length;
  }
}
