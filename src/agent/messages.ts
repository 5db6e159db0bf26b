import type { ActorRef } from '../actor/index.js';
import type { AgentId, ExecutorId, FrameworkId, FrameworkInfo, Reservations, RunId, TaskId } from '../checkpoint/index.js';
import type { TaskDescription, TaskStatus } from '../cluster/types.js';

/** Everything an agent receives: from the master, from its executors, and its own timers. */
export type AgentMsg =
  /** Admitted. `pingTimeoutMs`: the master's ping window; no ping for that long means the master lost this agent. */
  | { readonly type: 'agent.registered'; readonly agentId: AgentId; readonly pingTimeoutMs: number }
  | { readonly type: 'agent.reregistered'; readonly agentId: AgentId; readonly pingTimeoutMs: number }
  | { readonly type: 'agent.master_silent' }
  | { readonly type: 'agent.run_task'; readonly frameworkId: FrameworkId; readonly framework: FrameworkInfo; readonly task: TaskDescription }
  | { readonly type: 'agent.kill_task'; readonly frameworkId: FrameworkId; readonly taskId: TaskId }
  | { readonly type: 'agent.shutdown_framework'; readonly frameworkId: FrameworkId }
  /** Graceful shutdown: kill every task, end every executor, unregister (answers once done). */
  | { readonly type: 'agent.shutdown' }
  /** The master's view of this agent's reservations: checkpointed, and reported when it reregisters. */
  | { readonly type: 'agent.checkpoint_resources'; readonly reservations: Reservations }
  | { readonly type: 'agent.status_update_ack'; readonly frameworkId: FrameworkId; readonly taskId: TaskId; readonly uuid: string }
  | {
      readonly type: 'agent.register_executor';
      readonly frameworkId: FrameworkId;
      readonly executorId: ExecutorId;
      readonly runId: RunId;
      readonly executor: ActorRef;
    }
  | {
      /** An executor's answer to a reconnect: what it runs and what the agent has not acknowledged. */
      readonly type: 'agent.reregister_executor';
      readonly frameworkId: FrameworkId;
      readonly executorId: ExecutorId;
      readonly runId: RunId;
      readonly executor: ActorRef;
      readonly tasks: readonly TaskDescription[];
      readonly updates: readonly TaskStatus[];
    }
  | { readonly type: 'agent.reregistration_timeout' }
  | { readonly type: 'agent.executor_registration_timeout'; readonly frameworkId: FrameworkId; readonly executorId: ExecutorId; readonly runId: RunId }
  | { readonly type: 'agent.reconnect_retry' }
  | { readonly type: 'agent.executor_update'; readonly executorId: ExecutorId; readonly status: TaskStatus }
  | { readonly type: 'agent.ping' }
  | { readonly type: 'agent.master_changed'; readonly master: ActorRef }
  | { readonly type: 'agent.resend_due' }
  | { readonly type: 'agent.register_retry' };
