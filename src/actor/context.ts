import type { NodeId } from './address.js';
import type { Behaviour, BehaviourRef } from './behaviour.js';
import type { AskOptions, ActorRef } from './ref.js';
import type { SystemEvent } from './events.js';
import type { Timers } from './timers.js';

/** Where a new actor runs: a new worker, the caller's thread, or the worker hosting a node id. */
export type WorkerPlacement = 'new' | 'current' | NodeId;

export interface SpawnOptions<A = unknown> {
  /** Unique per node; default `$<n>`. A name freed by a stopped actor may be reused. */
  readonly name?: string;
  readonly args?: A;
  /** Default `current`. A behaviour object (not a `BehaviourRef`) can only start in `current`. */
  readonly worker?: WorkerPlacement;
  readonly mailbox?: { readonly capacity?: number };
  /**
   * Bound on the whole spawn (loading the behaviour, starting a worker, `setup`): past it the
   * spawn fails with ERR_SPAWN_TIMEOUT, the actor is killed and a worker started for it ended.
   * 1…MAX_DURATION_MS; default the system's `spawnTimeoutMs` (30 s).
   */
  readonly timeoutMs?: number;
  /** Aborting it fails the spawn with ERR_SPAWN_ABORTED and ends what it started, as a timeout does. */
  readonly signal?: AbortSignal;
}

/** Answers an ask later, outside the handler that received it. */
export interface Replier {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface ActorContext<M = unknown> {
  readonly self: ActorRef<M>;
  /** Sender of the message being handled, when it was sent by an actor. */
  readonly sender: ActorRef | undefined;
  readonly parent: ActorRef | undefined;
  readonly node: NodeId;
  readonly timers: Timers<M>;
  readonly children: readonly ActorRef[];
  spawn<C = unknown, A = unknown>(
    behaviour: Behaviour<C, A> | BehaviourRef,
    options?: SpawnOptions<A>,
  ): Promise<ActorRef<C>>;
  /**
   * Stops an actor (default: self, after the current message); resolves once it has stopped.
   * A child is stopped with reason `shutdown`, any other actor with `normal`. An async handler
   * still running gets `graceMs` (default: the system's `shutdownGraceMs`), then it is killed.
   */
  stop(ref?: ActorRef, graceMs?: number): Promise<void>;
  /** Delivers one `Down` when `ref` stops, crashes, its worker dies, or at once if it is gone. */
  watch(ref: ActorRef): void;
  unwatch(ref: ActorRef): void;
  tell<T>(to: ActorRef<T>, message: T): void;
  ask<R = unknown, T = unknown>(to: ActorRef<T>, message: T, options?: AskOptions): Promise<R>;
  /** Answers the ask being handled now. Returning a value from `receive` does the same. */
  reply(value: unknown): void;
  /** Takes over the answer to the ask being handled now, to give it later. */
  deferReply(): Replier;
  /** Puts an event on the system's event stream (`system.events`). */
  publish(event: SystemEvent): void;
  /** A ref from an address (`name@node`), e.g. one read back from a checkpoint. */
  refFor<T = unknown>(address: string): ActorRef<T>;
}
