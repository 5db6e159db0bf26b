import * as v from 'valibot';
import { AgentIdSchema, ExecutorIdSchema, FrameworkIdSchema, OfferIdSchema, TaskIdSchema } from './ids.js';
import { AmountSchema, ResourcesSchema, RoleSchema, taskAmount } from './resources.js';
import { ReasonSchema, SourceSchema, TaskStateSchema } from './states.js';
import { DurationSchema } from './durations.js';
import { UuidSchema, record, text } from './fields.js';

/** An agent's attributes (Mesos: `rack:r1`), as given to its host. */
export const AttributesSchema = record(text(128), v.pipe(v.string(), v.maxLength(1024)));

export const AgentInfoSchema = v.strictObject({
  hostname: text(255),
  resources: ResourcesSchema,
  attributes: AttributesSchema,
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
export const IsolationSchema = v.picklist(['worker', 'shared'], 'must be "worker" or "shared"');
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
    /** Run by `/bin/sh -c`. An argument of a process cannot hold a NUL byte (Node refuses to spawn it). */
    command: v.pipe(text(65_536), v.check((command: string) => !command.includes('\0'), 'must not contain a NUL byte')),
  }),
], 'must be { kind: "js", module, export, args? } or { kind: "command", command }');
export type TaskRun = v.InferOutput<typeof TaskRunSchema>;

/** What a task asks of its agent: cpus and mem, both at least the accounts' resolution. */
export const TaskResourcesSchema = v.strictObject({ cpus: taskAmount, mem: taskAmount, disk: v.optional(AmountSchema) });

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

export const MAX_STATUS_MESSAGE = 65_536;

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
  /**
   * For people. A longer one (a task's error can say anything) is cut, not refused: refusing it
   * would lose the update, and the task would never end.
   */
  message: v.optional(v.pipe(v.string(), v.transform((text: string) => (text.length > MAX_STATUS_MESSAGE ? `${text.slice(0, MAX_STATUS_MESSAGE - 1)}…` : text)))),
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
