import type { AgentId, Reason, TaskStateName } from '../protocol/index.js';
import type { UnreachableAgent } from './entries.js';

/** What the master knows about the agents, for answering about a task it does not know. */
export interface AgentsView {
  readonly registered: ReadonlySet<AgentId> | ReadonlyMap<AgentId, unknown>;
  /** Agents of the registry that have not reregistered since a master failover. */
  readonly recovered: ReadonlyMap<AgentId, unknown>;
  readonly unreachable: ReadonlyMap<AgentId, UnreachableAgent>;
}

export type UnknownTaskAnswer = { readonly state: TaskStateName; readonly reason: Reason; readonly message: string; readonly unreachableTime?: number } | null;

/**
 * The master's answer to an explicit reconciliation (or a kill) of a task it does not know, by
 * the state of the agent the scheduler names (Mesos Master::reconcile, cases 2 to 6): nothing
 * while that agent — or, with no agent named, any agent — is recovered from the registry and
 * has not reregistered (the task may be there); TASK_GONE if the agent is registered;
 * TASK_UNREACHABLE (with the time) if it is unreachable; TASK_UNKNOWN otherwise. A framework
 * that is not partition-aware is told TASK_LOST in every case.
 */
export function answerForUnknownTask(agentId: AgentId | undefined, agents: AgentsView, partitionAware: boolean): UnknownTaskAnswer {
  const reason = 'REASON_RECONCILIATION';
  if (agentId === undefined ? agents.recovered.size > 0 : agents.recovered.has(agentId)) return null;
  const lostUnless = (state: TaskStateName) => (partitionAware ? state : 'TASK_LOST');
  if (agentId !== undefined && agents.registered.has(agentId)) return { state: lostUnless('TASK_GONE'), reason, message: 'Reconciliation: task is unknown to the agent' };
  const unreachable = agentId === undefined ? undefined : agents.unreachable.get(agentId);
  if (unreachable !== undefined) return { state: lostUnless('TASK_UNREACHABLE'), reason, message: 'Reconciliation: task is unreachable', unreachableTime: unreachable.time };
  return { state: lostUnless('TASK_UNKNOWN'), reason, message: 'Reconciliation: task is unknown' };
}

/**
 * Which unreachable agents the registry forgets (Mesos Master::doRegistryGc): those marked
 * unreachable more than `maxAgeMs` ago, then the oldest beyond the newest `maxCount`.
 */
export function unreachableToPrune(unreachable: ReadonlyMap<AgentId, UnreachableAgent>, now: number, maxAgeMs: number, maxCount: number): AgentId[] {
  const byAge = [...unreachable].sort((a, b) => a[1].time - b[1].time);
  const pruned = new Set<AgentId>();
  for (const [id, { time }] of byAge) if (now - time > maxAgeMs) pruned.add(id);
  const kept = byAge.filter(([id]) => !pruned.has(id));
  for (const [id] of kept.slice(0, Math.max(0, kept.length - maxCount))) pruned.add(id);
  return [...pruned];
}
