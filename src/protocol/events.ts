import * as v from 'valibot';
import { message, text } from './fields.js';
import { AgentIdSchema, ExecutorIdSchema, FrameworkIdSchema, RunIdSchema, TaskIdSchema } from './ids.js';
import { ReservationsSchema } from './resources.js';
import { ReasonSchema, TaskStateSchema } from './states.js';

const HostId = text(128);
const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const ms = v.pipe(v.number(), v.finite(), v.minValue(0));

/** Where a restarted agent spent its recovery, from its start: reading the checkpoint, reconnecting executors (with the replay of their updates), reregistering. */
export const RecoveryPhasesSchema = v.strictObject({ checkpointReadMs: ms, reconnectMs: ms, reregisterMs: ms });

/** A checkpoint (or registry) write that failed, and why: the code, the file, the errno. */
export const StorageFailureSchema = v.strictObject({
  code: text(64),
  message: text(65_536),
  path: v.optional(text(4096)),
  errno: v.optional(text(64)),
});
export type StorageFailure = v.InferOutput<typeof StorageFailureSchema>;

/**
 * What the roles tell the world (`cluster.events`, logs, the web view). Each is published by
 * the role that knows it, from whichever thread it runs on.
 */
export const ClusterEventSchema = v.variant('type', [
  message('agent.registered', { hostId: HostId, agentId: AgentIdSchema }),
  /** A restarted agent was readmitted: what its recovery did. */
  message('agent.recovered', {
    hostId: HostId,
    agentId: AgentIdSchema,
    reconnected: count,
    destroyed: count,
    lost: count,
    reconnectRetries: count,
    tasks: count,
    /** Corrupt checkpoint records skipped (only with `strict: false`). */
    checkpointErrors: count,
    rebooted: v.boolean(),
    recoveryMs: ms,
    phases: RecoveryPhasesSchema,
  }),
  /** Readmitted again later (a master failover, or after the master lost it). */
  message('agent.reregistered', { hostId: HostId, agentId: AgentIdSchema }),
  /** No ping from the master for its whole window: the agent reregisters. */
  message('agent.master_lost', { hostId: HostId, agentId: AgentIdSchema, silentMs: ms }),
  /** `recover: 'cleanup'`: the old executors were destroyed; the agent does not register. */
  message('agent.cleaned_up', { hostId: HostId, agentId: AgentIdSchema, destroyed: count }),
  message('agent.resources_checkpointed', { hostId: HostId, reservations: ReservationsSchema }),
  /** A checkpointing framework's executor was started, and its address is durable (a restart reconnects to it). */
  message('agent.executor_started', { hostId: HostId, agentId: AgentIdSchema, frameworkId: FrameworkIdSchema, executorId: ExecutorIdSchema, address: text(512) }),
  /** An executor recovery could not resume (no `latest` run) was removed from the checkpoint after `gcDelayMs`. */
  message('agent.executor_removed', { hostId: HostId, agentId: AgentIdSchema, frameworkId: FrameworkIdSchema, executorId: ExecutorIdSchema, records: count }),
  message('agent.run_removed', { hostId: HostId, agentId: AgentIdSchema, frameworkId: FrameworkIdSchema, executorId: ExecutorIdSchema, runId: RunIdSchema, records: count }),
  /** A checkpoint write failed: the agent accepts no launch of a checkpointing framework until one succeeds. */
  message('agent.checkpoint_failed', { hostId: HostId, failure: StorageFailureSchema }),
  /** Checkpoint writes succeed again. */
  message('agent.checkpoint_recovered', { hostId: HostId, failedForMs: ms }),
  message('master.agent_registered', { agentId: AgentIdSchema, hostname: text(255) }),
  message('master.agent_reregistered', { agentId: AgentIdSchema, tasks: count }),
  message('master.agent_disconnected', { agentId: AgentIdSchema }),
  /** `cause`: why (missed pings, or no reregistration in time). */
  message('master.agent_unreachable', { agentId: AgentIdSchema, missedPings: count, cause: v.optional(text(256)) }),
  message('master.agent_removed', { agentId: AgentIdSchema, reason: text(256) }),
  /** Unreachable agents pruned from the registry (too old, or beyond the count): their tasks are unknown from now on. */
  message('master.agents_pruned', { agentIds: v.array(AgentIdSchema) }),
  message('master.framework_registered', { frameworkId: FrameworkIdSchema, frameworkName: text(200) }),
  message('master.framework_disconnected', { frameworkId: FrameworkIdSchema, failoverTimeoutMs: v.number() }),
  message('master.framework_removed', { frameworkId: FrameworkIdSchema, reason: text(256) }),
  message('master.reservations_changed', { agentId: AgentIdSchema, reservations: ReservationsSchema }),
  message('master.task_launched', { frameworkId: FrameworkIdSchema, taskId: TaskIdSchema, agentId: AgentIdSchema }),
  /** A task reached a terminal state, as the master saw it. */
  message('master.task_ended', { frameworkId: FrameworkIdSchema, taskId: TaskIdSchema, agentId: v.optional(AgentIdSchema), state: TaskStateSchema, reason: v.optional(ReasonSchema) }),
  /** The master's registry write failed; the master keeps serving what needs no write. */
  message('master.registry_failed', { failure: StorageFailureSchema }),
  message('master.registry_recovered', { failedForMs: ms }),
  message('launcher.executor_destroyed', { hostId: HostId, executor: text(512), reason: text(256) }),
]);
export type ClusterEvent = v.InferOutput<typeof ClusterEventSchema>;
export type ClusterEventType = ClusterEvent['type'];
export type ClusterEventOf<T extends ClusterEventType> = Extract<ClusterEvent, { type: T }>;
export type RecoveryPhases = v.InferOutput<typeof RecoveryPhasesSchema>;

/** A cluster event as the runtime's event stream carries it (`system.events`, type `custom`). */
export function asSystemEvent<A extends string>(source: A, event: ClusterEvent): { readonly type: 'custom'; readonly source: A; readonly name: ClusterEventType; readonly data: ClusterEvent } {
  return { type: 'custom', source, name: event.type, data: event };
}

/** What a failed storage write says about itself (its `code`, `path`, `errno`), for events and state. */
export function describeStorageFailure(error: unknown): StorageFailure {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; path?: unknown; errno?: unknown; message?: unknown };
  const message = typeof fields.message === 'string' && fields.message !== '' ? fields.message : String(error);
  return {
    code: typeof fields.code === 'string' && fields.code !== '' ? fields.code.slice(0, 64) : 'ERR_STORAGE',
    message: message.slice(0, 65_536),
    ...(typeof fields.path === 'string' && fields.path !== '' ? { path: fields.path } : {}),
    ...(typeof fields.errno === 'string' || typeof fields.errno === 'number' ? { errno: String(fields.errno) } : {}),
  };
}
