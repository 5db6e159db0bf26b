import type { AgentId, FrameworkId, Offer, OfferId, TaskDescription, TaskId, TaskStatus } from '../protocol/index.js';
import type { WaitBounds } from './bounded-wait.js';
import type { FrameworkError } from './errors.js';

export interface FrameworkOptions {
  /** Acknowledge every update as it arrives (default). Off: call `acknowledge(status)`. */
  readonly autoAcknowledge?: boolean;
  /** Fail over to this existing framework (its tasks and updates) instead of registering a new one. */
  readonly failoverFrom?: FrameworkId;
  /**
   * `auto` (default): offers that no pending `launch()` can use are declined at once.
   * `manual`: offers are kept for the caller to `accept` or `decline` (launch() still uses them).
   */
  readonly offers?: 'auto' | 'manual';
  /** How long `register` waits for the master to admit the framework. Default 30 s. */
  readonly registrationTimeoutMs?: number;
  /** Finished tasks whose updates are kept (`updatesOf`, `waitFor`), oldest dropped first. Default 10,000. */
  readonly maxCompletedTasks?: number;
  /**
   * Tasks `launch()` has sent whose first update has not come back, at most this many; further
   * launches wait their turn here (their `timeoutMs` still runs). Default 1,024; `Infinity`:
   * no bound. A task silent for 10 s stops counting.
   */
  readonly maxLaunchesInFlight?: number;
}

export interface LaunchOptions {
  /** How long to wait for an offer the task fits. Default 60 s; `Infinity`: no bound. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export type WaitOptions = WaitBounds;

export interface Launched {
  readonly taskId: TaskId;
  readonly agentId: Offer['agentId'];
  /** The executor it runs in: `default` for tasks launched without one, the task id for a task with its own. */
  readonly executorId: string;
}

export interface PendingLaunch {
  readonly task: TaskDescription;
  resolve(launched: Launched): void;
  reject(error: Error): void;
}

/** The events a Framework emits. */
export type FrameworkEvents = {
  registered: [frameworkId: FrameworkId];
  offers: [offers: readonly Offer[]];
  /** The master took an offer back (its agent went away, or it timed out: `offerTimeoutMs`). */
  rescinded: [offerId: OfferId];
  update: [status: TaskStatus];
  /** An update received again (same uuid): acknowledged again, not reported as `update`. */
  duplicate: [status: TaskStatus];
  /** The master refused something or ended this scheduler (`error.code` says what). */
  error: [error: FrameworkError];
  /** An agent was removed or marked unreachable (Mesos's slaveLost). */
  agentLost: [agentId: AgentId];
};
