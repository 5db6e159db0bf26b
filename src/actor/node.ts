import type { MessagePort } from 'node:worker_threads';
import { type Address, type NodeId, makeAddress } from './address.js';
import { AskDispatcher, askTimeoutOf } from './ask.js';
import type { Behaviour, BehaviourRef } from './behaviour.js';
import type { ActorCell, ActorStats } from './cell.js';
import type { SpawnOptions } from './context.js';
import { errors, serializeError } from './errors.js';
import type { SystemEvent } from './events.js';
import { MAX_DURATION_MS } from './duration.js';
import { DropRules } from './faults.js';
import { setLongTimeout } from './long-timer.js';
import { MailboxFaults } from './mailbox-faults.js';
import type { DeadLetter, DeadLetterReason, StopReason } from './messages.js';
import { NodeInbound } from './node-inbound.js';
import { NodeLinks } from './node-links.js';
import { type ResolvedSystemOptions, unreadable } from './options.js';
import { ActorRef, type AskOptions, type Router, kCell, kLink } from './ref.js';
import { type SpawnRequest, type SpawnResult, Spawner } from './spawner.js';
import { Kind } from './transport/envelope.js';
import { type Monitor, Watches } from './watches.js';
import type { NodeActivity } from './quiescence.js';
import type { Link } from './transport/link.js';

export type { Monitor } from './watches.js';
export { type NodeActivity, quiescent } from './quiescence.js';
export { type SpawnRequest, type SpawnResult, toSpawnResult } from './spawner.js';

/** What a node needs from the host (the main thread), which owns workers and wiring. */
export interface HostApi {
  /** Resolves true once both nodes hold a port to each other; false if `to` does not exist. */
  connect(from: NodeId, to: NodeId): Promise<boolean>;
  spawn(request: SpawnRequest): Promise<SpawnResult>;
  /** The caller gave up on this spawn (its signal aborted): the host ends what it started. */
  cancelSpawn(id: string): void;
}

export interface EventSink {
  deadLetter(letter: DeadLetter): void;
  event(event: SystemEvent): void;
}

export interface NodeStats {
  readonly node: NodeId;
  readonly actors: ActorStats[];
  readonly deadLetters: Record<string, number>;
  readonly pendingAsks: number;
  readonly links: { peer: NodeId; state: string; batchesSent: number; batchesReceived: number }[];
}

/**
 * The actor runtime of one thread: its actors, its links to other threads, its ask dispatcher
 * and its run queue. Every thread of a system has exactly one.
 */
export class LocalNode implements Router {
  readonly cells = new Map<string, ActorCell>();
  readonly asks = new AskDispatcher((node) => this.links.describeLink(node as NodeId));
  current: ActorCell | null = null;
  /** Fault injection rules (`system.dropMessages`); normally none. */
  readonly drops = new DropRules();
  private readonly faults = new MailboxFaults(this);
  private readonly links: NodeLinks;
  private readonly spawner: Spawner;
  private readonly refs = new Map<Address, ActorRef>();
  private readonly watches: Watches;
  private readonly deadLetterCounts: Record<string, number> = {};
  private runQueue: ActorCell[] = [];
  private runHead = 0;
  private drainQueued = false;
  /** True once `shutdown` has stopped this node's actors: nothing is spawned, asked or sent to another thread after. */
  stopped = false;
  readonly refFactory = (address: Address): ActorRef => this.ref(address);

  constructor(
    readonly id: NodeId,
    readonly options: ResolvedSystemOptions,
    host: HostApi,
    private readonly sink: EventSink,
  ) {
    this.watches = new Watches({
      id: this.id,
      ref: (address) => this.ref(address),
      cell: (name) => this.cells.get(name),
      send: (peer, kind, ...fields) => {
        if (this.stopped) return false;
        this.links.linkTo(peer).control(kind, ...fields);
        return true;
      },
      sendIfLinked: (peer, kind, ...fields) => {
        const link = this.links.get(peer);
        if (link !== undefined && link.state !== 'closed') link.control(kind, ...fields);
      },
    });
    this.links = new NodeLinks(this, host, this.watches, new NodeInbound(this, this.watches));
    this.spawner = new Spawner(this, host);
  }

  // ---- refs ------------------------------------------------------------------------------

  ref<M = unknown>(address: Address): ActorRef<M> {
    let ref = this.refs.get(address);
    if (ref === undefined) {
      ref = new ActorRef(address, this);
      if (this.refs.size > 100_000) this.refs.clear();
      this.refs.set(address, ref);
    }
    return ref as ActorRef<M>;
  }

  refOf(name: string): ActorRef {
    return this.ref(makeAddress(name, this.id));
  }

  implicitSender(): Address | null {
    return this.current === null ? null : this.current.address;
  }

  // ---- sending ---------------------------------------------------------------------------

  tell(to: ActorRef, message: unknown, sender: Address | null): void {
    const cached = to[kCell] as ActorCell | undefined;
    if (cached !== undefined && cached.alive) {
      cached.enqueue(message, sender, 0, null, false);
      return;
    }
    if (to.node === this.id) {
      const cell = this.cells.get(to.name);
      if (cell === undefined) {
        this.deadLetter(to.address, sender, message, 'no-such-actor', 'no actor by that name');
        return;
      }
      to[kCell] = cell;
      cell.enqueue(message, sender, 0, null, false);
      return;
    }
    if (this.stopped) {
      this.deadLetter(to.address, sender, message, 'stopped', 'the actor system has stopped');
      return;
    }
    let link = to[kLink] as Link | undefined;
    if (link === undefined || link.state === 'closed') {
      link = this.links.linkTo(to.node);
      to[kLink] = link;
    }
    link.tell(to.name, sender, message);
  }

  ask<R>(to: ActorRef, message: unknown, options: AskOptions | undefined): Promise<R> {
    return this.askFrom(to, message, this.implicitSender(), options);
  }

  askFrom<R>(
    to: ActorRef,
    message: unknown,
    sender: Address | null,
    options: AskOptions | undefined,
  ): Promise<R> {
    if (this.stopped) return Promise.reject(errors.systemStopped());
    let timeoutMs: number;
    try {
      timeoutMs = askTimeoutOf(options, this.options.askTimeoutMs);
    } catch (error) {
      return Promise.reject(unreadable('ask options', error));
    }
    const [id, reply] = this.asks.open<R>(to.address, to.node, timeoutMs, options?.signal);
    if (to.node === this.id) {
      const cell = this.cells.get(to.name);
      if (cell === undefined) {
        this.deadLetter(to.address, sender, message, 'no-such-actor', 'no actor by that name');
        this.asks.fail(id, errors.noSuchActor(to.address));
      } else {
        cell.enqueue(message, sender, id, this.id, false);
      }
    } else {
      this.links.linkTo(to.node).ask(to.name, sender, message, id);
    }
    return reply;
  }

  replyOk(replyNode: NodeId, askId: number, value: unknown): void {
    if (replyNode === this.id) this.asks.resolve(askId, value);
    else this.links.linkTo(replyNode).reply(askId, true, value);
  }

  replyError(replyNode: NodeId, askId: number, error: unknown): void {
    if (replyNode === this.id) {
      this.asks.fail(askId, error instanceof Error ? error : new Error(String(error)));
    } else {
      this.links.linkTo(replyNode).reply(askId, false, serializeError(error));
    }
  }

  // ---- scheduling ------------------------------------------------------------------------

  schedule(cell: ActorCell): void {
    this.runQueue.push(cell);
    if (!this.drainQueued) {
      this.drainQueued = true;
      queueMicrotask(this.drain);
    }
  }

  /**
   * Runs scheduled actors, each for at most `runBudget` messages per turn (fairness), and
   * yields to the event loop (setImmediate) after `drainBudget` messages so I/O and timers run.
   */
  private readonly drain = (): void => {
    this.drainQueued = false;
    const queue = this.runQueue;
    const budget = this.options.runBudget;
    let handled = 0;
    while (this.runHead < queue.length && handled < this.options.drainBudget) {
      const cell = queue[this.runHead++]!;
      handled += cell.run(budget);
    }
    if (this.runHead >= queue.length) {
      queue.length = 0;
      this.runHead = 0;
    } else {
      this.runQueue = queue.slice(this.runHead);
      this.runHead = 0;
      this.drainQueued = true;
      setImmediate(this.drain);
    }
  };

  // ---- spawning (see spawner.ts) ---------------------------------------------------------

  spawn<M, A>(behaviour: Behaviour<M, A> | BehaviourRef, options: SpawnOptions<A>, parent: ActorRef | undefined): Promise<ActorRef<M>> {
    return this.spawner.spawn(behaviour, options, parent);
  }

  spawnRequested(request: SpawnRequest, signal?: AbortSignal): Promise<Address> {
    return this.spawner.spawnRequested(request, signal);
  }

  acceptSpawn(request: SpawnRequest): Promise<Address> {
    return this.spawner.acceptSpawn(request);
  }

  cancelSpawn(id: string): void {
    this.spawner.cancelSpawn(id);
  }

  unregister(cell: ActorCell): void {
    if (this.cells.get(cell.name) === cell) this.cells.delete(cell.name);
  }

  // ---- stopping --------------------------------------------------------------------------

  /** Stops an actor anywhere; resolves once it is gone (or after its grace, if it hangs). */
  stopActor(address: Address, reason: StopReason, graceMs = this.options.shutdownGraceMs): Promise<void> {
    const ref = this.ref(address);
    if (ref.node === this.id) {
      const cell = this.cells.get(ref.name);
      return cell === undefined ? Promise.resolve() : cell.requestStop(reason, graceMs);
    }
    return new Promise<void>((resolve) => {
      const timer = setLongTimeout(done, Math.min(MAX_DURATION_MS, graceMs + 1_000));
      const monitor: Monitor = { onDown: done };
      function done(): void {
        timer.cancel();
        resolve();
      }
      this.monitor(address, monitor);
      if (!this.stopped) this.links.linkTo(ref.node).control(Kind.Stop, ref.name, reason, graceMs);
    });
  }

  // ---- monitoring (see watches.ts) ---------------------------------------------------------

  monitor(target: Address, monitor: Monitor): void {
    this.watches.monitor(target, monitor);
  }

  demonitor(target: Address, monitor: Monitor): void {
    this.watches.demonitor(target, monitor);
  }

  notifyDown(cell: ActorCell, reason: StopReason, error: Error | undefined): void {
    this.watches.notifyDown(cell, reason, error);
  }

  // ---- links (see node-links.ts) ---------------------------------------------------------

  /** Called by the host with this node's end of a channel to `peer`. */
  attach(peer: NodeId, port: MessagePort): void {
    this.links.attach(peer, port);
  }

  onClosed(peer: NodeId): void {
    this.links.onClosed(peer);
  }

  // ---- fault injection (see mailbox-faults.ts) -------------------------------------------

  intercepted(cell: ActorCell, message: unknown, sender: Address | null, askId: number, replyNode: NodeId | null, fromOtherThread: boolean): boolean {
    return this.faults.intercepted(cell, message, sender, askId, replyNode, fromOtherThread);
  }

  releaseHeld(ruleId: number, deliver: boolean): void {
    this.faults.releaseHeld(ruleId, deliver);
  }

  // ---- observability ---------------------------------------------------------------------

  deadLetter(recipient: string, sender: Address | null, message: unknown, reason: DeadLetterReason, detail?: string): void {
    this.deadLetterCounts[reason] = (this.deadLetterCounts[reason] ?? 0) + 1;
    const letter: DeadLetter =
      detail === undefined
        ? { recipient, sender, message, reason, node: this.id, at: Date.now() }
        : { recipient, sender, message, reason, detail, node: this.id, at: Date.now() };
    this.sink.deadLetter(letter);
  }

  publish(event: SystemEvent): void {
    this.sink.event(event);
  }

  stats(): NodeStats {
    return {
      node: this.id,
      actors: [...this.cells.values()].map((cell) => cell.stats()),
      deadLetters: { ...this.deadLetterCounts },
      pendingAsks: this.asks.size,
      links: [...this.links.all()].map((link) => ({
        peer: link.peer,
        state: link.state,
        batchesSent: link.batchesSent,
        batchesReceived: link.batchesReceived,
      })),
    };
  }

  /**
   * This node's part of a quiescence check: whether any actor has work or anything waits to
   * be sent, and how many batches it has sent to and received from each peer. Batches still in
   * a port are visible only as a difference between a sender's count and its receiver's.
   */
  activity(): NodeActivity {
    let idle = this.runHead >= this.runQueue.length;
    for (const cell of this.cells.values()) if (!cell.idle) idle = false;
    const sent: Record<string, number> = {};
    const received: Record<string, number> = {};
    for (const link of this.links.all()) {
      if (link.hasPending) idle = false;
      sent[link.peer] = link.batchesSent;
      received[link.peer] = link.batchesReceived;
    }
    return { node: this.id, idle, sent, received };
  }

  /** Stops every actor still here (newest first), then closes every link. */
  async shutdown(): Promise<void> {
    for (const cell of [...this.cells.values()].reverse()) {
      await cell.requestStop('shutdown', this.options.shutdownGraceMs);
    }
    this.stopped = true;
    this.links.closeAll();
    this.asks.failAll(() => errors.systemStopped());
  }
}
