import * as v from 'valibot';
import { AgentIdSchema, FrameworkIdSchema, OfferIdSchema, TaskIdSchema } from './ids.js';
import { AgentInfoSchema, FrameworkInfoSchema, TaskStatusSchema } from './model.js';
import { peer } from './peer.js';
import { ReservationsSchema, ResourcesSchema } from './resources.js';
import { ReasonSchema, SourceSchema, TaskStateSchema } from './states.js';
import { StorageFailureSchema } from './events.js';
import { FiniteDurationSchema } from './durations.js';
import { UuidSchema, message } from './fields.js';

/** A task as a reregistering agent reports it. */
export const ReportedTaskSchema = v.strictObject({
  frameworkId: FrameworkIdSchema,
  taskId: TaskIdSchema,
  state: TaskStateSchema,
  resources: ResourcesSchema,
});

/** Everything the master receives from other actors (agents, schedulers, the cluster). */
export const MasterInbox = v.variant('type', [
  message('master.register_agent', { agent: peer('agent'), info: AgentInfoSchema, reservations: ReservationsSchema }),
  /** An agent shutting down: remove it now (Mesos UnregisterSlaveMessage). */
  message('master.unregister_agent', { agentId: AgentIdSchema }),
  /**
   * A restarted agent is recovering under a new address: pings go there from now on (Mesos
   * keeps the agent's address across restarts; a worker gets a new one).
   */
  message('master.agent_recovering', { agentId: AgentIdSchema, agent: peer('agent') }),
  /** A recovered agent rejoins with its id and everything it still runs. */
  message('master.reregister_agent', {
    agentId: AgentIdSchema,
    agent: peer('agent'),
    info: AgentInfoSchema,
    /** What the agent has checkpointed; the master's own view wins if it has one. */
    reservations: ReservationsSchema,
    tasks: v.array(ReportedTaskSchema),
    frameworks: v.array(v.strictObject({ frameworkId: FrameworkIdSchema, info: FrameworkInfoSchema })),
  }),
  /** `frameworkId`: scheduler failover, or a scheduler subscribing again to a new master. */
  message('master.register_framework', { scheduler: peer('scheduler'), info: FrameworkInfoSchema, frameworkId: v.optional(FrameworkIdSchema) }),
  /** Each task is checked by the master itself, so that a bad one is answered TASK_ERROR (as Mesos does) and the rest launch. */
  message('master.accept', { frameworkId: FrameworkIdSchema, offerId: OfferIdSchema, tasks: v.array(v.unknown()) }),
  message('master.decline', { frameworkId: FrameworkIdSchema, offerId: OfferIdSchema, refuseMs: v.optional(FiniteDurationSchema) }),
  message('master.revive', { frameworkId: FrameworkIdSchema }),
  /** Dynamic reservation (Mesos RESERVE / UNRESERVE) of part of an offer, for the framework's role. */
  message('master.reserve', { frameworkId: FrameworkIdSchema, offerId: OfferIdSchema, resources: ResourcesSchema }),
  message('master.unreserve', { frameworkId: FrameworkIdSchema, offerId: OfferIdSchema, resources: ResourcesSchema }),
  message('master.teardown', { frameworkId: FrameworkIdSchema }),
  message('master.status_update', { agentId: AgentIdSchema, status: TaskStatusSchema }),
  /** `agentId`: the agent the update came from (its stream waits for this); without it the master looks the task up. */
  message('master.acknowledge', { frameworkId: FrameworkIdSchema, taskId: TaskIdSchema, uuid: UuidSchema, agentId: v.optional(AgentIdSchema) }),
  message('master.kill_task', { frameworkId: FrameworkIdSchema, taskId: TaskIdSchema }),
  /** Explicit reconciliation of these tasks; none: implicit, every task of the framework. */
  message('master.reconcile', { frameworkId: FrameworkIdSchema, taskIds: v.array(TaskIdSchema) }),
  message('master.state', {}),
]);
export type MasterMsg = v.InferOutput<typeof MasterInbox>;
export type ReportedTask = v.InferOutput<typeof ReportedTaskSchema>;

/** What the master sends itself (its timers, the answers to its pings): never accepted from another thread. */
export type MasterSelfMsg =
  | { readonly type: 'master.allocate' }
  | { readonly type: 'master.ping_all' }
  | { readonly type: 'master.ping_result'; readonly agentId: v.InferOutput<typeof AgentIdSchema>; readonly ok: boolean }
  | { readonly type: 'master.failover_timeout'; readonly frameworkId: v.InferOutput<typeof FrameworkIdSchema> }
  | { readonly type: 'master.offer_timeout'; readonly offerId: v.InferOutput<typeof OfferIdSchema> };

type Id<S extends v.GenericSchema> = v.InferOutput<S>;

/** The master's view, as `master.state` answers it. */
export interface MasterState {
  readonly agents: readonly {
    readonly agentId: Id<typeof AgentIdSchema>;
    readonly hostname: string;
    readonly attributes: Readonly<Record<string, string>>;
    /** `disconnected`: its actor is gone (crashed, restarting); `unreachable`: it missed its pings. */
    readonly status: 'active' | 'disconnected' | 'unreachable';
    readonly total: v.InferOutput<typeof ResourcesSchema>;
    /** Used by tasks. */
    readonly used: v.InferOutput<typeof ResourcesSchema>;
    /** Not used by tasks, reserved or not. */
    readonly free: v.InferOutput<typeof ResourcesSchema>;
    readonly reserved: v.InferOutput<typeof ReservationsSchema>;
    readonly registeredAt: number;
    readonly reregisteredAt?: number;
  }[];
  readonly frameworks: readonly {
    readonly frameworkId: Id<typeof FrameworkIdSchema>;
    readonly name: string;
    readonly role?: string;
    readonly checkpoint: boolean;
    readonly partitionAware: boolean;
    /** Its scheduler is there (false while the master waits for a failover). */
    readonly connected: boolean;
    readonly registeredAt: number;
  }[];
  /** Frameworks torn down, newest last (at most `maxCompletedFrameworks`). */
  readonly completedFrameworks: readonly { readonly frameworkId: Id<typeof FrameworkIdSchema>; readonly name: string; readonly removedAt: number; readonly reason: string }[];
  /** Live tasks, and finished ones within the retention (`maxCompletedTasksPerFramework`, `completedTaskRetentionMs`). */
  readonly tasks: readonly {
    readonly taskId: Id<typeof TaskIdSchema>;
    readonly frameworkId: Id<typeof FrameworkIdSchema>;
    readonly agentId: Id<typeof AgentIdSchema>;
    readonly executorId?: string;
    readonly name: string;
    readonly state: v.InferOutput<typeof TaskStateSchema>;
    readonly reason?: v.InferOutput<typeof ReasonSchema>;
    readonly source?: v.InferOutput<typeof SourceSchema>;
    readonly resources: v.InferOutput<typeof ResourcesSchema>;
    readonly updatedAt: number;
  }[];
  /** The registry's last write failed (a full disk, say) and none has succeeded since. */
  readonly registryFailure?: v.InferOutput<typeof StorageFailureSchema>;
}
