/** What the chaos checks and the workload take from Mesos's task-state semantics. */

/** The part of a status update the checks look at. */
interface Said {
  readonly uuid: string;
  readonly agentId?: string;
  readonly state: string;
  readonly reason?: string;
  readonly message?: string;
}

/**
 * Not a bug: Mesos's semantics. When the master loses an agent it guesses at the tasks there:
 * TASK_LOST to a framework that is not partition-aware, TASK_UNREACHABLE to one that is
 * (REASON_AGENT_REMOVED, or REASON_AGENT_DISCONNECTED; REASON_RECONCILIATION when it answers a
 * reconciliation so), also for a task that had ended but whose end was not yet acknowledged
 * (PartitionTest.ReregisterSlaveNotPartitionAware, AgentWithTerminalTaskPartitioned, ported in
 * test/master/). If the agent comes back its tasks were not killed, and their own updates follow.
 * Frameworks treat such a TASK_LOST as "might come back" (Marathon's MesosTaskStatus.MightComeBack
 * lists exactly these reasons): more news of the task overrides it, and after the task's own end
 * it is no news at all.
 */
export function isMastersGuess(update: Said, partitionAware: boolean): boolean {
  if (update.uuid !== '' || !MIGHT_COME_BACK.has(update.reason ?? '')) return false;
  return update.state === 'TASK_UNREACHABLE' || (update.state === 'TASK_LOST' && !partitionAware);
}

const MIGHT_COME_BACK: ReadonlySet<string> = new Set(['REASON_AGENT_REMOVED', 'REASON_AGENT_DISCONNECTED', 'REASON_RECONCILIATION']);

/**
 * Not a bug: Mesos's semantics. Readmitting an agent, the master tells the framework each task's
 * latest state (REASON_AGENT_REREGISTERED: Mesos's `__reregisterSlave` sends `task.state()`),
 * which may run ahead of the task's own stream; reconciliation then answers the stream's
 * position, the oldest unacknowledged update's state (`reconcile` answers `status_update_state`).
 * So a reconciliation answer may follow an end that only a readmission has told; the caller
 * checks that it is not behind the stream, nor behind an earlier such answer.
 */
export function isStreamPosition(update: Said, ahead: Said): boolean {
  return update.uuid === '' && update.reason === 'REASON_RECONCILIATION' && ahead.uuid === '' && ahead.reason === 'REASON_AGENT_REREGISTERED';
}
