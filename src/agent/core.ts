import type { Timers } from '../actor/index.js';
import type { CheckpointGc, CheckpointRecord, CheckpointStore } from '../checkpoint/index.js';
import type { AgentId, AgentSelfMsg, ClusterEvent, Peer, Reason, Reservations, RunId, RunPath, StorageFailure, TaskStateName, TaskStatus } from '../protocol/index.js';
import type { AgentBook, ExecutorEntry, TaskEntry } from './book.js';
import type { CheckpointWriter } from './checkpoint-writer.js';
import type { AgentOptions, HostSpec } from './options.js';
import type { RecoveryDecision } from './recovery.js';
import type { StatusUpdateManager } from './status-update-manager.js';

/** What the agent does through its actor: send, watch, time, publish. Tests give their own. */
export interface AgentEffects {
  readonly self: Peer<'agent'>;
  readonly launcher: Peer<'launcher'>;
  readonly timers: Timers<AgentSelfMsg>;
  now(): number;
  newUuid(): string;
  newRunId(): RunId;
  watch(peer: { readonly address: string }): void;
  unwatch(peer: { readonly address: string }): void;
  refFor(address: string): Peer<'executor'>;
  publish(event: ClusterEvent): void;
}

/** What the agent's actor hands its logic once the checkpoint is read. */
export interface AgentSetup {
  readonly host: HostSpec;
  readonly options: AgentOptions;
  readonly store: CheckpointStore;
  readonly writer: CheckpointWriter;
  readonly gc: CheckpointGc;
  readonly master: Peer<'master'>;
  readonly effects: AgentEffects;
  readonly decision: RecoveryDecision;
  /** Checkpointed resources (reservations): they outlive reboots; the master sends changes. */
  readonly reservations: Reservations;
  readonly checkpointErrors: number;
  /** When the actor started (performance.now()), and how long reading the checkpoint took. */
  readonly startedAt: number;
  readonly checkpointReadMs: number;
}

/** How an agent update is made: checkpointed with its task (default), or not (its task never reached the checkpoint). */
export interface UpdateOptions {
  readonly checkpoint?: boolean;
}

/** The agent as its parts (registration, startup, tasks, launching, reconnecting, checkpoint retries) see it. */
export interface AgentCore {
  readonly hostId: string;
  readonly book: AgentBook;
  readonly effects: AgentEffects;
  readonly options: AgentOptions;
  readonly updates: StatusUpdateManager;
  agentId(): AgentId;
  runPath(ex: ExecutorEntry): RunPath;
  /** Durable when it resolves. */
  persist(records: readonly CheckpointRecord[]): Promise<void>;
  durably(records: readonly CheckpointRecord[]): Promise<void>;
  /** Why checkpoint writes fail now, if they do. */
  checkpointFailure(): StorageFailure | undefined;
  /** The agent's own update of a task (SOURCE_AGENT). */
  taskUpdate(entry: TaskEntry, state: TaskStateName, reason: Reason, message: string, options?: UpdateOptions): void;
  /** The executor ended (or never started): its unfinished tasks fail with `reason`. */
  executorGone(ex: ExecutorEntry, reason: Reason, why: string): void;
  acceptExecutorUpdate(entry: TaskEntry | undefined, status: TaskStatus, executor: Peer<'executor'> | undefined): void;
  /**
   * The executor is no more (its tasks reported): its run's end is checkpointed if its framework
   * checkpoints — asked before the executor left the book, whose last executor takes the
   * framework with it.
   */
  executorEnded(ex: ExecutorEntry, checkpointing: boolean): void;
}
