import { type AgentId, type AgentInfo, type ExecutorId, type FrameworkId, type FrameworkInfo, type Offer, type Peer, type Reason, type Source, type TaskId, type TaskStateName, UNRESERVED } from '../protocol/index.js';
import type { Allocation, AgentResources } from './agent-resources.js';

/** An admitted agent. */
export interface AgentEntry {
  readonly id: AgentId;
  ref: Peer<'agent'>;
  info: AgentInfo;
  /** Its total, reservations, and what tasks use and offers hold. */
  readonly resources: AgentResources;
  missedPings: number;
  /** False while the agent's actor is gone (crashed or restarting), until it reregisters. */
  connected: boolean;
  /** When it was last disconnected: its reregistration timeout counts from then. */
  disconnectedAt?: number;
  /** A registry operation on it is pending: it is being marked unreachable, or removed; meanwhile it is left alone. */
  busy?: 'unreachable' | 'removing';
  /** Kills asked for its tasks (keys): sent again when it reregisters with one still running (Mesos killedTasks). */
  readonly killedTasks: Set<string>;
  readonly registeredAt: number;
  reregisteredAt?: number;
}

/** An agent marked unreachable, as the registry records it. */
export interface UnreachableAgent {
  readonly info: AgentInfo;
  /** When it was marked unreachable. */
  readonly time: number;
}

export interface FrameworkEntry {
  readonly id: FrameworkId;
  readonly info: FrameworkInfo;
  /** Replaced when a new scheduler fails over to this framework. */
  scheduler: Peer<'scheduler'>;
  /** False from its scheduler's end until a scheduler fails over to it: no offers meanwhile. */
  connected: boolean;
  /** Agents this framework declined, until when. */
  readonly refused: Map<AgentId, number>;
  /** Agents it has run tasks on (finished ones too): each is told to shut it down when it is torn down. */
  readonly agents: Set<AgentId>;
  /** Schedulers it failed over from: their calls are refused. */
  readonly formerSchedulers: Set<string>;
  readonly registeredAt: number;
}

/**
 * Where a task is in the master's books (Mesos: a framework's tasks, unreachableTasks and
 * completedTasks): `active` until its terminal update is acknowledged (or the master ends it
 * itself), `unreachable` while its agent is, `completed` after.
 */
export type TaskPhase = 'active' | 'unreachable' | 'completed';

export interface TaskEntry {
  readonly taskId: TaskId;
  readonly frameworkId: FrameworkId;
  readonly agentId: AgentId;
  readonly name: string;
  executorId?: ExecutorId;
  /** What it takes from its agent, and from which pool. */
  readonly allocation: Allocation;
  state: TaskStateName;
  reason?: Reason;
  source?: Source;
  /** The state and uuid of the last update from the agent forwarded to the framework (Mesos status_update_state): what reconciliation answers. */
  statusUpdateState?: TaskStateName;
  statusUpdateUuid?: string;
  phase: TaskPhase;
  updatedAt: number;
}

/** A framework that was torn down, kept (a bounded number of them) for `state()`. */
export interface CompletedFramework {
  readonly frameworkId: FrameworkId;
  readonly name: string;
  readonly removedAt: number;
  readonly reason: string;
}

export type OfferEntry = Offer & { readonly frameworkId: FrameworkId; readonly allocation: Allocation };

export const taskKey = (frameworkId: FrameworkId, taskId: TaskId) => `${frameworkId}/${taskId}`;

export const roleOf = (info: FrameworkInfo | undefined): string => info?.role ?? UNRESERVED;
