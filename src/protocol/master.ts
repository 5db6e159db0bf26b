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
  /** Its latest state at the agent. */
  state: TaskStateSchema,
  /** The state of the update its agent is forwarding (the oldest not acknowledged), if any (Mesos status_update_state). */
  statusUpdateState: v.optional(TaskStateSchema),
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
  /** `agentId`: where the scheduler believes the task is; it decides the answer for a task the master does not know. */
  message('master.kill_task', { frameworkId: FrameworkIdSchema, taskId: TaskIdSchema, agentId: v.optional(AgentIdSchema) }),
  /**
   * Explicit reconciliation of these tasks (each with the agent the scheduler believes it is on,
   * if it knows); none: implicit, every task of the framework the master knows.
   */
  message('master.reconcile', { frameworkId: FrameworkIdSchema, tasks: v.array(v.strictObject({ taskId: TaskIdSchema, agentId: v.optional(AgentIdSchema) })) }),
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
  | { readonly type: 'master.offer_timeout'; readonly offerId: v.InferOutput<typeof OfferIdSchema> }
  /** A registry operation finished (`ok`: it was written); the master applies it now (Mesos: the registrar's future). */
  | { readonly type: 'master.registry_done'; readonly op: number; readonly ok: boolean }
  /** A disconnected agent has had `agentReregisterTimeoutMs` to reregister. */
  | { readonly type: 'master.reregister_timeout'; readonly agentId: v.InferOutput<typeof AgentIdSchema>; readonly since: number }
  /** After a master failover, agents of the registry have had `agentReregisterTimeoutMs` to come back. */
  | { readonly type: 'master.recovered_agents_timeout' }
  /** Prune the registry's unreachable agents (`registryMaxAgentCount`, `registryMaxAgentAgeMs`). */
  | { readonly type: 'master.registry_gc' }
  /** While registry writes fail: write again what the master has acted on already (`registryRetryMs`). */
  | { readonly type: 'master.registry_retry' };

type Id<S extends v.GenericSchema> = v.InferOutput<S>;

/** The master's view, as `master.state` answers it. */
export interface MasterState {
  readonly agents: readonly {
    readonly agentId: Id<typeof AgentIdSchema>;
    readonly hostname: string;
    readonly attributes: Readonly<Record<string, string>>;
    /** `disconnected`: its actor is gone (crashed, restarting), and it has not reregistered yet. */
    readonly status: 'active' | 'disconnected';
    readonly total: v.InferOutput<typeof ResourcesSchema>;
    /** Used by tasks. */
    readonly used: v.InferOutput<typeof ResourcesSchema>;
    /** Not used by tasks, reserved or not. */
    readonly free: v.InferOutput<typeof ResourcesSchema>;
    readonly reserved: v.InferOutput<typeof ReservationsSchema>;
    readonly registeredAt: number;
    readonly reregisteredAt?: number;
  }[];
  /** Agents of the registry that have not reregistered since this master started (Mesos recovered_slaves). */
  readonly recoveredAgents: readonly { readonly agentId: Id<typeof AgentIdSchema>; readonly hostname: string }[];
  /** Agents marked unreachable (missed pings, or did not reregister in time), when; their tasks are listed as they were then. */
  readonly unreachableAgents: readonly { readonly agentId: Id<typeof AgentIdSchema>; readonly hostname: string; readonly unreachableAt: number }[];
  readonly frameworks: readonly {
    readonly frameworkId: Id<typeof FrameworkIdSchema>;
    readonly name: string;
    readonly role?: string;
    readonly checkpoint: boolean;
    readonly partitionAware: boolean;
    /** Its scheduler is there (false while the master waits for a failover). */
    readonly connected: boolean;
    /** Known from the registry or from an agent's report, its scheduler not subscribed to this master yet (Mesos: recovered). */
    readonly recovered: boolean;
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
