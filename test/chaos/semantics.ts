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
