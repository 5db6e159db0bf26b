import * as v from 'valibot';
import { AgentIdSchema, ExecutorIdSchema, FrameworkIdSchema, OfferIdSchema, TaskIdSchema } from './ids.js';
import { ResourcesSchema } from './resources.js';
import { ReasonSchema, SourceSchema, TaskStateSchema } from './states.js';
import { DurationSchema } from './durations.js';
import { UuidSchema, text } from './fields.js';

/** A role: resources reserved to it are offered only to its frameworks; `*` is no role. */
export const RoleSchema = v.pipe(v.string(), v.regex(/^(\*|[A-Za-z0-9_.-]{1,128})$/, 'must be "*" or 1-128 characters from A-Z a-z 0-9 _ . -'));

export const AgentInfoSchema = v.strictObject({
  hostname: text(255),
  resources: ResourcesSchema,
  attributes: v.record(text(128), v.pipe(v.string(), v.maxLength(1024))),
});
export type AgentInfo = v.InferOutput<typeof AgentInfoSchema>;

export const FrameworkInfoSchema = v.strictObject({
  name: text(200),
  /** Its agents checkpoint its tasks, so they survive an agent restart (default false, as in Mesos). */
  checkpoint: v.boolean(),
  role: v.optional(RoleSchema),
  /** It is told TASK_UNREACHABLE / TASK_DROPPED / TASK_GONE rather than TASK_LOST. */
  partitionAware: v.optional(v.boolean()),
  /** How long the master keeps it after its scheduler goes away (default 0: torn down at once). */
  failoverTimeoutMs: v.optional(DurationSchema),
});
export type FrameworkInfo = v.InferOutput<typeof FrameworkInfoSchema>;

/** Where an executor runs: `worker`, a worker thread of its own; `shared`, packed with others of its host. */
export const IsolationSchema = v.picklist(['worker', 'shared']);
export type Isolation = v.InferOutput<typeof IsolationSchema>;

/** What a task runs: an exported function of a module (on its executor's task pool), or a shell command. */
export const TaskRunSchema = v.variant('kind', [
  v.strictObject({
    kind: v.literal('js'),
    /** A module URL (`file:` or any specifier the executor's thread can import). */
    module: text(4096),
    export: v.pipe(v.string(), v.regex(/^[A-Za-z_$][A-Za-z0-9_$]{0,199}$/, 'must be the name of an export')),
    args: v.optional(v.unknown()),
  }),
  v.strictObject({
    kind: v.literal('command'),
    /** Run by `/bin/sh -c`. */
    command: text(65_536),
  }),
]);
export type TaskRun = v.InferOutput<typeof TaskRunSchema>;

const positive = v.pipe(v.number(), v.finite(), v.gtValue(0));
/** What a task asks of its agent: cpus and mem, both positive. */
export const TaskResourcesSchema = v.strictObject({ cpus: positive, mem: positive, disk: v.optional(v.pipe(v.number(), v.finite(), v.minValue(0))) });

/**
 * Which executor runs a task. Without `executor` a task runs in its framework's default
 * executor on that agent (shared by all such tasks). With an `executorId`, tasks naming the same
 * one share it; without one, the task gets an executor of its own that ends with it (Mesos's
 * command executor). `isolation` (default `worker`) places a named or own executor.
 */
export const TaskExecutorSchema = v.strictObject({
  executorId: v.optional(ExecutorIdSchema),
  isolation: v.optional(IsolationSchema),
});

/** A task as a framework describes it in `accept`. */
export const TaskDescriptionSchema = v.strictObject({
  taskId: TaskIdSchema,
  name: v.optional(text(200)),
  resources: TaskResourcesSchema,
  run: TaskRunSchema,
  executor: v.optional(TaskExecutorSchema),
});
export type TaskDescription = v.InferOutput<typeof TaskDescriptionSchema>;

/** One status update of a task. `uuid` is empty for updates the master makes up itself (they are not acknowledged). */
export const TaskStatusSchema = v.strictObject({
  taskId: TaskIdSchema,
  frameworkId: FrameworkIdSchema,
  agentId: v.optional(AgentIdSchema),
  executorId: v.optional(ExecutorIdSchema),
  uuid: UuidSchema,
  state: TaskStateSchema,
  timestamp: v.pipe(v.number(), v.finite()),
  source: v.optional(SourceSchema),
  reason: v.optional(ReasonSchema),
  message: v.optional(v.pipe(v.string(), v.maxLength(65_536))),
  data: v.optional(v.unknown()),
  /** When the task's agent was marked unreachable (ms since the epoch), on the master's updates that say so (Mesos unreachable_time). */
  unreachableTime: v.optional(v.pipe(v.number(), v.finite())),
});
export type TaskStatus = v.InferOutput<typeof TaskStatusSchema>;

export const OfferSchema = v.strictObject({
  offerId: OfferIdSchema,
  agentId: AgentIdSchema,
  hostname: text(255),
  resources: ResourcesSchema,
  /** The part of `resources` reserved to the framework's role (none: all unreserved). */
  reserved: v.optional(ResourcesSchema),
});
export type Offer = v.InferOutput<typeof OfferSchema>;
