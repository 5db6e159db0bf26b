import * as v from 'valibot';
import { FiniteDurationSchema } from './durations.js';
import { UuidSchema, message } from './fields.js';
import { ExecutorIdSchema, FrameworkIdSchema, RunIdSchema, TaskIdSchema } from './ids.js';
import { TaskDescriptionSchema } from './model.js';
import { peer } from './peer.js';

/** Everything an executor receives from its agent. */
export const ExecutorInbox = v.variant('type', [
  message('executor.registered', {}),
  message('executor.run_task', { task: TaskDescriptionSchema }),
  message('executor.kill_task', { taskId: TaskIdSchema, gracePeriodMs: FiniteDurationSchema }),
  message('executor.ack', { taskId: TaskIdSchema, uuid: UuidSchema }),
  message('executor.shutdown', {}),
  /** Send every update not yet acknowledged again, oldest first (the agent could not checkpoint them). */
  message('executor.resend', {}),
  /** A restarted agent asks its executors to reregister (Mesos: ReconnectExecutorMessage). */
  message('executor.reconnect', { agent: peer('agent') }),
]);
export type ExecutorMsg = v.InferOutput<typeof ExecutorInbox>;

/** What the executor sends itself: never accepted from another thread. */
export type ExecutorSelfMsg = { readonly type: 'executor.recovery_timeout' };

const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000));

/** How big an executor thread's task pool is. */
export const PoolSizeSchema = v.strictObject({
  threads: positiveInt,
  /** JS tasks one pool thread runs at once (they are mostly asynchronous). */
  tasksPerThread: positiveInt,
});
export type PoolSize = v.InferOutput<typeof PoolSizeSchema>;

/** What an executor is started with (by the host's launcher, on its agent's behalf). */
export const ExecutorArgsSchema = v.strictObject({
  agent: peer('agent'),
  frameworkId: FrameworkIdSchema,
  executorId: ExecutorIdSchema,
  runId: RunIdSchema,
  /** The task pool of this executor's worker (the first executor in a worker sizes it). */
  pool: PoolSizeSchema,
  /**
   * The framework checkpoints: when the agent goes away, keep running and wait up to
   * `recoveryTimeoutMs` for it to come back. Otherwise shut down as soon as it is gone.
   */
  checkpoint: v.boolean(),
  recoveryTimeoutMs: FiniteDurationSchema,
});
export type ExecutorArgs = v.InferOutput<typeof ExecutorArgsSchema>;
