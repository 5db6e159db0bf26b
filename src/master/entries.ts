import type { ActorRef } from '../actor/index.js';
import type { AgentMsg } from '../agent/messages.js';
import type { AgentId, AgentInfo, FrameworkId, FrameworkInfo, TaskId, TaskStateName } from '../checkpoint/index.js';
import type { Offer } from '../cluster/types.js';
import type { SchedulerMsg } from '../scheduler/messages.js';
import { type Allocation, type AgentResources, UNRESERVED } from './agent-resources.js';

/** What the master sends itself: its timers and the answers to its pings. */
export type MasterInternalMsg =
  | { readonly type: 'master.allocate' }
  | { readonly type: 'master.ping_all' }
  | { readonly type: 'master.ping_result'; readonly agentId: AgentId; readonly ok: boolean }
  | { readonly type: 'master.failover_timeout'; readonly frameworkId: FrameworkId }
  | { readonly type: 'master.offer_timeout'; readonly offerId: string };

/** An admitted agent. */
export interface AgentEntry {
  readonly id: AgentId;
  ref: ActorRef<AgentMsg>;
  info: AgentInfo;
  /** Its total, reservations, and what tasks use and offers hold. */
  readonly resources: AgentResources;
  missedPings: number;
  reachable: boolean;
  /** False while the agent's actor is gone (crashed or restarting). */
  connected: boolean;
}

export interface FrameworkEntry {
  readonly id: FrameworkId;
  readonly info: FrameworkInfo;
  /** Replaced when a new scheduler fails over to this framework. */
  scheduler: ActorRef<SchedulerMsg>;
  /** False from its scheduler's end until a scheduler fails over to it: no offers meanwhile. */
  connected: boolean;
  /** Agents this framework declined, until when. */
  readonly refused: Map<AgentId, number>;
}

export interface TaskEntry {
  readonly taskId: TaskId;
  readonly frameworkId: FrameworkId;
  readonly agentId: AgentId;
  /** What it takes from its agent, and from which pool. */
  readonly allocation: Allocation;
  state: TaskStateName;
  killRequested?: boolean;
}

export type OfferEntry = Offer & { readonly frameworkId: FrameworkId; readonly allocation: Allocation };

export const taskKey = (frameworkId: FrameworkId, taskId: TaskId) => `${frameworkId}/${taskId}`;

export const roleOf = (info: FrameworkInfo | undefined): string => info?.role ?? UNRESERVED;
