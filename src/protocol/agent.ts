import * as v from 'valibot';
import { FiniteDurationSchema } from './durations.js';
import { UuidSchema, message } from './fields.js';
import { AgentIdSchema, ExecutorIdSchema, FrameworkIdSchema, RunIdSchema, TaskIdSchema } from './ids.js';
import { FrameworkInfoSchema, TaskDescriptionSchema, TaskStatusSchema } from './model.js';
import { peer } from './peer.js';
import { ReservationsSchema } from './resources.js';
import type { StorageFailure } from './events.js';

/** Everything an agent receives from other actors: the master, its executors, the cluster. */
export const AgentInbox = v.variant('type', [
  /** Admitted. `pingTimeoutMs`: the master's ping window; no ping for that long means the master lost this agent. */
  message('agent.registered', { agentId: AgentIdSchema, pingTimeoutMs: FiniteDurationSchema }),
  /**
   * Readmitted. `reconcile`: tasks the master has on this agent that its report lacked; the
   * agent answers for each it does not know (Mesos ReconcileTasksMessage in SlaveReregisteredMessage).
   */
  message('agent.reregistered', {
    agentId: AgentIdSchema,
    pingTimeoutMs: FiniteDurationSchema,
    reconcile: v.optional(v.array(v.strictObject({ frameworkId: FrameworkIdSchema, framework: FrameworkInfoSchema, taskIds: v.array(TaskIdSchema) }))),
  }),
  message('agent.run_task', { frameworkId: FrameworkIdSchema, framework: FrameworkInfoSchema, task: TaskDescriptionSchema }),
  message('agent.kill_task', { frameworkId: FrameworkIdSchema, taskId: TaskIdSchema }),
  message('agent.shutdown_framework', { frameworkId: FrameworkIdSchema }),
  /** Graceful shutdown: kill every task, end every executor, unregister (answers once done). */
  message('agent.shutdown', {}),
  /** The master's view of this agent's reservations: checkpointed, and reported when it reregisters. */
  message('agent.checkpoint_resources', { reservations: ReservationsSchema }),
  message('agent.status_update_ack', { frameworkId: FrameworkIdSchema, taskId: TaskIdSchema, uuid: UuidSchema }),
  /** `connected: false`: the master holds this agent as disconnected; an admitted agent reregisters (a one-way partition). */
  message('agent.ping', { connected: v.optional(v.boolean()) }),
  /** The framework's scheduler (re)subscribed: its pending updates are resent now (Mesos UpdateFrameworkMessage). */
  message('agent.update_framework', { frameworkId: FrameworkIdSchema, framework: FrameworkInfoSchema }),
  message('agent.master_changed', { master: peer('master') }),
  /** What this agent knows (its executors, tasks, checkpoint health), for `cluster.state()` and /metrics. */
  message('agent.state', {}),
  message('agent.register_executor', {
    frameworkId: FrameworkIdSchema,
    executorId: ExecutorIdSchema,
    runId: RunIdSchema,
    executor: peer('executor'),
  }),
  /** An executor's answer to a reconnect: what it runs and what the agent has not acknowledged. */
  message('agent.reregister_executor', {
    frameworkId: FrameworkIdSchema,
    executorId: ExecutorIdSchema,
    runId: RunIdSchema,
    executor: peer('executor'),
    tasks: v.array(TaskDescriptionSchema),
    updates: v.array(TaskStatusSchema),
  }),
  message('agent.executor_update', { executorId: ExecutorIdSchema, status: TaskStatusSchema }),
]);
export type AgentMsg = v.InferOutput<typeof AgentInbox>;

type Ids = { frameworkId: v.InferOutput<typeof FrameworkIdSchema>; executorId: v.InferOutput<typeof ExecutorIdSchema>; runId: v.InferOutput<typeof RunIdSchema> };

/** What the agent sends itself (its timers): never accepted from another thread. */
export type AgentSelfMsg =
  | { readonly type: 'agent.master_silent' }
  | { readonly type: 'agent.reregistration_timeout' }
  | ({ readonly type: 'agent.executor_registration_timeout' } & Ids)
  | { readonly type: 'agent.reconnect_retry' }
  | { readonly type: 'agent.resend_due' }
  | { readonly type: 'agent.register_retry' }
  /** While checkpoint writes fail: try one again. */
  | { readonly type: 'agent.checkpoint_retry' }
  /** A default executor has had no task for `executorIdleTimeoutMs`. */
  | ({ readonly type: 'agent.executor_idle' } & Ids)
  /** An executor recovery could not resume (no `latest` run) has waited `gcDelayMs`: its records are removed. */
  | { readonly type: 'agent.gc_executor'; readonly frameworkId: Ids['frameworkId']; readonly executorId: Ids['executorId'] };

/** What an agent answers `agent.state` with. */
export interface AgentSnapshot {
  readonly hostId: string;
  readonly agentId?: v.InferOutput<typeof AgentIdSchema>;
  /** `recovering`: reconnecting its executors after a restart; `reregistering`: waiting for the master to readmit it. */
  readonly registration: 'registering' | 'recovering' | 'reregistering' | 'admitted' | 'shut-down';
  readonly executors: readonly {
    readonly frameworkId: v.InferOutput<typeof FrameworkIdSchema>;
    readonly executorId: v.InferOutput<typeof ExecutorIdSchema>;
    readonly kind: 'default' | 'task' | 'custom';
    readonly phase: 'launching' | 'started' | 'registered' | 'reconnecting';
    readonly address?: string;
    readonly tasks: number;
  }[];
  readonly tasksByState: Readonly<Record<string, number>>;
  /** Updates the framework has not acknowledged yet. */
  readonly unacknowledgedUpdates: number;
  readonly checkpoint: {
    readonly healthy: boolean;
    readonly failure?: StorageFailure;
    /** Writes that did not become durable since the agent started. */
    readonly failedWrites: number;
    /** Durable-write latency, cumulative (Prometheus histogram buckets, seconds). */
    readonly writes: { readonly count: number; readonly sumSeconds: number; readonly buckets: readonly { readonly le: number; readonly count: number }[] };
  };
}
