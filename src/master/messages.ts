import type { ActorRef } from '../actor/index.js';
import type { AgentId, AgentInfo, FrameworkId, FrameworkInfo, Reservations, Resources, TaskId, TaskStateName } from '../checkpoint/index.js';
import type { TaskDescription, TaskStatus } from '../cluster/types.js';

/** Everything the master receives. */
export type MasterMsg =
  /** An agent shutting down: remove it now (Mesos UnregisterSlaveMessage). */
  | { readonly type: 'master.unregister_agent'; readonly agentId: AgentId }
  | { readonly type: 'master.register_agent'; readonly agent: ActorRef; readonly info: AgentInfo; readonly reservations: Reservations }
  | {
      /**
       * A restarted agent is recovering under a new address: pings go there from now on
       * (Mesos keeps the agent's address across restarts; a worker gets a new one).
       */
      readonly type: 'master.agent_recovering';
      readonly agentId: AgentId;
      readonly agent: ActorRef;
    }
  | {
      /** A recovered agent rejoins with its id and everything it still runs. */
      readonly type: 'master.reregister_agent';
      readonly agentId: AgentId;
      readonly agent: ActorRef;
      readonly info: AgentInfo;
      /** What the agent has checkpointed; the master's own view wins if it has one. */
      readonly reservations: Reservations;
      readonly tasks: readonly { readonly frameworkId: FrameworkId; readonly taskId: TaskId; readonly state: TaskStateName; readonly resources: Resources }[];
      readonly frameworks: readonly { readonly frameworkId: FrameworkId; readonly info: FrameworkInfo }[];
    }
  | {
      readonly type: 'master.register_framework';
      readonly scheduler: ActorRef;
      readonly info: FrameworkInfo;
      /** Scheduler failover: take over this framework (its tasks and its updates). */
      readonly frameworkId?: FrameworkId;
    }
  | { readonly type: 'master.accept'; readonly frameworkId: FrameworkId; readonly offerId: string; readonly tasks: readonly TaskDescription[] }
  | { readonly type: 'master.decline'; readonly frameworkId: FrameworkId; readonly offerId: string; readonly refuseMs?: number }
  | { readonly type: 'master.revive'; readonly frameworkId: FrameworkId }
  /** Dynamic reservation (Mesos RESERVE / UNRESERVE) of part of an offer, for the framework's role. */
  | { readonly type: 'master.reserve' | 'master.unreserve'; readonly frameworkId: FrameworkId; readonly offerId: string; readonly resources: Resources }
  | { readonly type: 'master.teardown'; readonly frameworkId: FrameworkId }
  | { readonly type: 'master.status_update'; readonly agentId: AgentId; readonly status: TaskStatus }
  | { readonly type: 'master.acknowledge'; readonly frameworkId: FrameworkId; readonly taskId: TaskId; readonly uuid: string }
  | { readonly type: 'master.kill_task'; readonly frameworkId: FrameworkId; readonly taskId: TaskId }
  | { readonly type: 'master.reconcile'; readonly frameworkId: FrameworkId; readonly taskIds: readonly TaskId[] }
  | { readonly type: 'master.state' };

export interface MasterState {
  readonly agents: {
    readonly agentId: AgentId;
    readonly hostname: string;
    readonly total: Resources;
    /** Not used by tasks, reserved or not. */
    readonly free: Resources;
    readonly reserved: Reservations;
  }[];
  readonly frameworks: { readonly frameworkId: FrameworkId; readonly name: string; readonly checkpoint: boolean; readonly connected: boolean }[];
  readonly tasks: { readonly taskId: TaskId; readonly frameworkId: FrameworkId; readonly agentId: AgentId; readonly state: TaskStateName }[];
}
