import type { Timers } from '../actor/index.js';
import type { AgentId, AgentInfo, ClusterEvent, FrameworkId, FrameworkInfo, MasterSelfMsg, OfferId, StorageFailure } from '../protocol/index.js';
import type { MasterBook } from './book.js';
import type { UnreachableAgent } from './entries.js';
import type { Offers } from './offers.js';
import type { MasterOptions } from './options.js';
import type { RegistryOps } from './registry-ops.js';

/** Where the master keeps what it admitted (the registry), as the master uses it. */
export interface RegistryWriter {
  admitAgent(id: AgentId, info: AgentInfo): Promise<void>;
  updateAgent(id: AgentId, info: AgentInfo): Promise<void>;
  markAgentUnreachable(id: AgentId, info: AgentInfo, time: number): Promise<void>;
  markAgentReachable(id: AgentId, info: AgentInfo): Promise<void>;
  removeAgent(id: AgentId): Promise<void>;
  pruneUnreachable(ids: readonly AgentId[]): Promise<void>;
  admitFramework(id: FrameworkId, info: FrameworkInfo): Promise<void>;
  removeFramework(id: FrameworkId): Promise<void>;
}

/** What an earlier master admitted. */
export interface Admitted {
  readonly agents: ReadonlyMap<AgentId, AgentInfo>;
  readonly unreachable: ReadonlyMap<AgentId, UnreachableAgent>;
  readonly frameworks: ReadonlyMap<FrameworkId, FrameworkInfo>;
  readonly lastAgent: number;
  readonly lastFramework: number;
}

/** What the master needs from its actor: time, ids, timers, watches, its event stream and its registry. */
export interface MasterEnv {
  readonly timers: Timers<MasterSelfMsg>;
  now(): number;
  newOfferId(): OfferId;
  toSelf(message: MasterSelfMsg): void;
  watch(peer: { readonly address: string }): void;
  unwatch(peer: { readonly address: string }): void;
  publish(event: ClusterEvent): void;
  readonly registry: RegistryWriter | null;
  /** Why a registry write failed, for events and `state()`. */
  describeFailure(error: unknown): StorageFailure;
}

/** Who sent a message, when it came from an actor. */
export type Sender = { readonly address: string } | undefined;

/** The master as its parts (agents coming and going, frameworks, tasks) see it: one book, one allocator, one registry. */
export interface MasterCore {
  readonly options: MasterOptions;
  readonly env: MasterEnv;
  readonly book: MasterBook;
  readonly offers: Offers;
  readonly registry: RegistryOps;
}
