import type { ActorRef } from '../actor/index.js';
import type { TaskId } from '../checkpoint/index.js';
import type { TaskDescription } from '../cluster/types.js';

/** Everything an executor receives from its agent. */
export type ExecutorMsg =
  | { readonly type: 'executor.registered' }
  | { readonly type: 'executor.run_task'; readonly task: TaskDescription }
  | { readonly type: 'executor.kill_task'; readonly taskId: TaskId; readonly gracePeriodMs: number }
  | { readonly type: 'executor.ack'; readonly taskId: TaskId; readonly uuid: string }
  | { readonly type: 'executor.shutdown' }
  /** A restarted agent asks its executors to reregister (Mesos: ReconnectExecutorMessage). */
  | { readonly type: 'executor.reconnect'; readonly agent: ActorRef }
  | { readonly type: 'executor.recovery_timeout' };
