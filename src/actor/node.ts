import type { MessagePort } from 'node:worker_threads';
import { abortable } from './abortable.js';
import { type Address, MAIN_NODE, type NodeId, makeAddress } from './address.js';
import { AskDispatcher, askTimeoutOf } from './ask.js';
import {
  type Behaviour,
  type BehaviourRef,
  isBehaviour,
  isBehaviourRef,
  loadBehaviour,
} from './behaviour.js';
import { ActorCell, type ActorStats } from './cell.js';
import type { SpawnOptions } from './context.js';
import {
  type SerializedError,
  deserializeError,
  errors,
  serializeError,
} from './errors.js';
import type { SystemEvent } from './events.js';
import { MAX_DURATION_MS } from './duration.js';
import { DropRules } from './faults.js';
import { setLongTimeout } from './long-timer.js';
import type { DeadLetter, DeadLetterReason, DownReason, StopReason } from './messages.js';
import { type ResolvedSystemOptions, unreadable } from './options.js';
import { ActorRef, type AskOptions, type Router, kCell, kLink } from './ref.js';
import { SpawnDeadline } from './spawn-deadline.js';
import { checkSpawn, spawnTarget } from './spawn-options.js';
import { canEncode, decodeValue, encodeValue } from './transport/codec.js';
import { ARITY, Kind } from './transport/envelope.js';
import { type InboundHandler, dispatchBatch } from './transport/inbound.js';
import { type Monitor, Watches } from './watches.js';
import type { NodeActivity } from './quiescence.js';
import { Link, type LinkOwner } from './transport/link.js';

export type { Monitor } from './watches.js';
export { type NodeActivity, quiescent } from './quiescence.js';

/** A spawn that crosses threads: everything in it is data (args travel msgpack-encoded). */
export interface SpawnRequest {
  /** Unique in the system: `<caller node>:<n>`, so the host can cancel it. */
  readonly id: string;
  readonly behaviour: BehaviourRef;
  readonly name: string | undefined;
  readonly args: Uint8Array;
  readonly capacity: number | undefined;
  readonly worker: 'new' | NodeId;
  readonly parent: Address | null;
  /** The host fails the spawn with ERR_SPAWN_TIMEOUT past this, and ends what it started. */
  readonly timeoutMs: number;
  /** Text naming the spawn in its errors. */
  readonly target: string;
}

/** Errors cross the control plane as data, so that their `code` and `cause` survive. */
export type SpawnResult = { readonly address: Address } | { readonly error: SerializedError };

export async function toSpawnResult(spawning: Promise<Address>): Promise<SpawnResult> {
  try {
    return { address: await spawning };
  } catch (error) {
    return { error: serializeError(error) };
  }
}

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
export class LocalNode implements Router, LinkOwner, InboundHandler {
  readonly cells = new Map<string, ActorCell>();
  readonly asks = new AskDispatcher((node) => this.describeLink(node as NodeId));
  readonly maxBatch: number;
  current: ActorCell | null = null;
  /** Fault injection rules (`system.dropMessages`); normally none. */
  readonly drops = new DropRules();
  /** Messages hold rules keep out of their mailboxes, by rule id. */
  private readonly held = new Map<number, { cell: ActorCell; message: unknown; sender: Address | null; askId: number; replyNode: NodeId | null; fromOtherThread: boolean }[]>();
  private readonly links = new Map<NodeId, Link>();
  private readonly refs = new Map<Address, ActorRef>();
  private readonly watches: Watches;
  private readonly behaviours = new Map<string, Promise<Behaviour<unknown, unknown>>>();
  private readonly deadLetterCounts: Record<string, number> = {};
  private runQueue: ActorCell[] = [];
  private runHead = 0;
  private drainQueued = false;
  private nameCounter = 0;
  private spawnCounter = 0;
  /** Spawns the host asked of this node, by request id, so that it can cancel them. */
  private readonly requestedSpawns = new Map<string, AbortController>();
  private stopped = false;
  readonly refFactory = (address: Address): ActorRef => this.ref(address);

  constructor(
    readonly id: NodeId,
    readonly options: ResolvedSystemOptions,
    private readonly host: HostApi,
    private readonly sink: EventSink,
  ) {
    this.maxBatch = options.maxBatch;
    this.watches = new Watches({
      id: this.id,
      ref: (address) => this.ref(address),
      cell: (name) => this.cells.get(name),
      send: (peer, kind, ...fields) => {
        if (this.stopped) return false;
        this.linkTo(peer).control(kind, ...fields);
        return true;
      },
      sendIfLinked: (peer, kind, ...fields) => {
        const link = this.links.get(peer);
        if (link !== undefined && link.state !== 'closed') link.control(kind, ...fields);
      },
    });
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
      link = this.linkTo(to.node);
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
      this.linkTo(to.node).ask(to.name, sender, message, id);
    }
    return reply;
  }

  replyOk(replyNode: NodeId, askId: number, value: unknown): void {
    if (replyNode === this.id) this.asks.resolve(askId, value);
    else this.linkTo(replyNode).reply(askId, true, value);
  }

  replyError(replyNode: NodeId, askId: number, error: unknown): void {
    if (replyNode === this.id) {
      this.asks.fail(askId, error instanceof Error ? error : new Error(String(error)));
    } else {
      this.linkTo(replyNode).reply(askId, false, serializeError(error));
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

  // ---- spawning --------------------------------------------------------------------------

  /**
   * Starts an actor where `options.worker` says. Bounded by `options.timeoutMs` (default the
   * system's `spawnTimeoutMs`) and `options.signal`: past either, what was started is ended.
   */
  async spawn<M, A>(
    behaviour: Behaviour<M, A> | BehaviourRef,
    options: SpawnOptions<A>,
    parent: ActorRef | undefined,
  ): Promise<ActorRef<M>> {
    if (this.stopped) throw errors.systemStopped();
    checkSpawn(behaviour, options ?? {});
    const { name, signal } = options ?? {};
    const placement = options?.worker ?? 'current';
    const timeoutMs = options?.timeoutMs ?? this.options.spawnTimeoutMs;
    const target = spawnTarget(behaviour, name);
    if (placement === 'current' || placement === this.id) {
      const deadline = new SpawnDeadline(target, timeoutMs, signal);
      try {
        return (await this.spawnLocal(behaviour, name, options?.args, options?.mailbox?.capacity, parent, deadline.signal)) as ActorRef<M>;
      } finally {
        deadline.end();
      }
    }
    if (!isBehaviourRef(behaviour) || isBehaviour(behaviour)) {
      throw errors.invalidOptions(
        `a behaviour object can only be spawned in the current thread; to start it in worker "${placement}" pass { module: import.meta.url, export: '<name>' }`,
      );
    }
    if (signal?.aborted) throw errors.spawnAborted(target, signal.reason);
    const request: SpawnRequest = {
      id: `${this.id}:${++this.spawnCounter}`,
      behaviour: { module: behaviour.module, export: behaviour.export },
      name,
      args: encodeArgs(options?.args),
      capacity: options?.mailbox?.capacity,
      worker: placement,
      parent: parent?.address ?? null,
      timeoutMs,
      target,
    };
    // The host alone decides a remote spawn's outcome (it owns the timeout and the workers), so
    // an abort is a request to it: whatever it answers next is the truth, with nothing left over.
    const cancel = () => this.host.cancelSpawn(request.id);
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      const result = await this.host.spawn(request);
      if ('error' in result) {
        throw result.error.code === 'ERR_SPAWN_ABORTED' && signal?.aborted ? errors.spawnAborted(target, signal.reason) : deserializeError(result.error);
      }
      return this.ref<M>(result.address);
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
  }

  /** Spawns here on behalf of another thread; `signal` (the host's) abandons it. */
  async spawnRequested(request: SpawnRequest, signal?: AbortSignal): Promise<Address> {
    if (this.stopped) throw errors.systemStopped();
    const args = decodeValue(request.args, this.refFactory);
    const parent = request.parent === null ? undefined : this.ref(request.parent);
    const ref = await this.spawnLocal(request.behaviour, request.name, args, request.capacity, parent, signal);
    return ref.address;
  }

  /** A spawn the host asks of this worker; `cancelSpawn(request.id)` abandons it. */
  acceptSpawn(request: SpawnRequest): Promise<Address> {
    const controller = new AbortController();
    this.requestedSpawns.set(request.id, controller);
    return this.spawnRequested(request, controller.signal).finally(() => this.requestedSpawns.delete(request.id));
  }

  cancelSpawn(id: string): void {
    this.requestedSpawns.get(id)?.abort(errors.spawnAborted(id, 'the host cancelled it'));
  }

  /** Options were checked by the caller (`checkSpawn`). An abandoned start kills the actor. */
  private async spawnLocal(
    behaviour: Behaviour<any, any> | BehaviourRef,
    name: string | undefined,
    args: unknown,
    capacity: number | undefined,
    parent: ActorRef | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ActorRef> {
    const definition = isBehaviour(behaviour) ? behaviour : await abortable(this.load(behaviour as BehaviourRef), signal);
    const actorName = name ?? `$${++this.nameCounter}`;
    if (this.cells.has(actorName)) throw errors.nameTaken(actorName, this.id);
    const cell = new ActorCell(this, actorName, parent, capacity ?? this.options.mailboxCapacity);
    this.cells.set(actorName, cell);
    await abortable(cell.start(definition as Behaviour<unknown, unknown>, args), signal, () => cell.kill());
    return cell.self;
  }

  private load(ref: BehaviourRef): Promise<Behaviour<unknown, unknown>> {
    const key = `${ref.module}#${ref.export}`;
    let loading = this.behaviours.get(key);
    if (loading === undefined) {
      loading = loadBehaviour(ref);
      loading.catch(() => this.behaviours.delete(key));
      this.behaviours.set(key, loading);
    }
    return loading;
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
      if (!this.stopped) this.linkTo(ref.node).control(Kind.Stop, ref.name, reason, graceMs);
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

  remoteDown(target: Address, reason: DownReason, error?: Error): void {
    this.watches.remoteDown(target, reason, error);
  }

  remoteWatch(peer: NodeId, name: string): void {
    this.watches.remoteWatch(peer, name);
  }

  remoteUnwatch(peer: NodeId, name: string): void {
    this.watches.remoteUnwatch(peer, name);
  }

  // ---- links -----------------------------------------------------------------------------

  private linkTo(peer: NodeId): Link {
    let link = this.links.get(peer);
    if (link === undefined) {
      link = new Link(peer, this);
      this.links.set(peer, link);
      const created = link;
      this.host.connect(this.id, peer).then(
        (ok) => {
          if (!ok) this.linkFailed(created, 'no-such-node');
        },
        () => this.linkFailed(created, 'no-such-node'),
      );
    }
    return link;
  }

  /** The state of the link to `peer`, for the message of an ask to it that timed out. */
  private describeLink(peer: NodeId): string | undefined {
    if (peer === this.id) return undefined;
    const link = this.links.get(peer);
    if (link === undefined) return `no link from ${this.id} to ${peer}`;
    const waiting = link.hasPending ? ', envelopes waiting to leave' : '';
    return `the link from ${this.id} to ${peer} is ${link.state}: ${link.batchesSent} batches sent, ${link.batchesReceived} received${waiting}`;
  }

  /** Called by the host with this node's end of a channel to `peer`. */
  attach(peer: NodeId, port: MessagePort): void {
    let link = this.links.get(peer);
    if (link === undefined || link.state === 'closed') {
      link = new Link(peer, this);
      this.links.set(peer, link);
    }
    if (link.state === 'open') {
      port.close();
      return;
    }
    link.attach(port);
  }

  onClosed(peer: NodeId): void {
    const link = this.links.get(peer);
    if (link === undefined) return;
    this.linkFailed(link, 'worker-exit');
  }

  private linkFailed(link: Link, reason: 'no-such-node' | 'worker-exit'): void {
    if (this.links.get(link.peer) === link) this.links.delete(link.peer);
    const pending = link.close();
    this.undeliverable(link, pending, reason);
    this.watches.peerGone(link.peer, reason === 'worker-exit' ? 'worker-exit' : 'noproc');
    const error = reason === 'worker-exit' ? errors.workerExited(link.peer) : null;
    this.asks.failNode(link.peer, () => error ?? errors.noSuchActor(`node ${link.peer}`));
  }

  /** Envelopes that could not leave: tells become dead letters, asks fail at once. */
  private undeliverable(link: Link, parts: unknown[], reason: DeadLetterReason): void {
    for (let i = 0; i < parts.length; ) {
      const kind = parts[i] as Kind;
      if (kind === Kind.Tell || kind === Kind.Ask) {
        const to = makeAddress(link.outbound(parts[i + 1]) as string, link.peer);
        this.deadLetter(to, link.outbound(parts[i + 2]) as Address | null, parts[i + 3], reason, `node ${link.peer} is gone`);
        if (kind === Kind.Ask) this.asks.fail(parts[i + 4] as number, errors.noSuchActor(to));
      }
      i += 1 + (ARITY[kind] ?? 0);
    }
  }

  onUnencodable(link: Link, envelope: unknown[], error: Error): void {
    const kind = envelope[0] as Kind;
    const detail = `cannot be sent to another thread: ${error.message}`;
    if (kind === Kind.Tell || kind === Kind.Ask) {
      const to = makeAddress(link.outbound(envelope[1]) as string, link.peer);
      this.deadLetter(to, link.outbound(envelope[2]) as Address | null, envelope[3], 'malformed', detail);
      if (kind === Kind.Ask) this.asks.fail(envelope[4] as number, errors.invalidMessage(to, detail));
    } else if (kind === Kind.Reply && envelope[2] === true) {
      const problem = errors.invalidMessage(`the reply to ask ${String(envelope[1])}`, detail);
      link.reply(envelope[1] as number, false, serializeError(problem));
    } else if (kind === Kind.Down) {
      link.control(Kind.Down, envelope[1], envelope[2], null);
    }
  }

  onBatch(link: Link, batch: unknown): void {
    dispatchBatch(this, link, batch);
  }

  // ---- InboundHandler: what envelopes from other threads ask of this node ------------------

  resolveAsk(askId: number, value: unknown): void {
    this.asks.resolve(askId, value);
  }

  failAsk(askId: number, error: Error): void {
    this.asks.fail(askId, error);
  }

  remoteStop(name: string, reason: StopReason, graceMs: number): void {
    void this.cells.get(name)?.requestStop(reason, graceMs);
  }

  malformed(content: unknown, detail: string): void {
    this.deadLetter(`?@${this.id}`, null, content, 'malformed', detail);
  }

  /** The last cell delivered to from another thread: batches mostly go to one actor. */
  private lastDelivered: ActorCell | null = null;

  deliver(name: string, message: unknown, sender: Address | null, askId: number, replyNode: NodeId | null): void {
    let cell = this.lastDelivered;
    if (cell === null || cell.name !== name || !cell.alive) {
      cell = this.cells.get(name) ?? null;
      this.lastDelivered = cell;
    }
    if (cell !== null) {
      cell.enqueue(message, sender, askId, replyNode, true);
      return;
    }
    const to = makeAddress(name, this.id);
    this.deadLetter(to, sender, message, 'no-such-actor', 'no actor by that name');
    if (askId !== 0 && replyNode !== null) this.replyError(replyNode, askId, errors.noSuchActor(to));
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

  /**
   * Fault injection, as a message enters a mailbox: a drop rule that claims it loses it, a hold
   * rule keeps it here until released, a tap lets it through; each publishes what it did (holds
   * and taps with the payload). True if the message must not be delivered now.
   */
  intercepted(cell: ActorCell, message: unknown, sender: Address | null, askId: number, replyNode: NodeId | null, fromOtherThread: boolean): boolean {
    const rule = this.drops.claim(cell.name, sender, message);
    if (rule === undefined) return false;
    const seen = { rule: rule.id, actor: cell.address, messageType: rule.type, node: this.id };
    if (rule.action === 'drop') {
      this.publish({ type: 'message.dropped', ...seen });
      return true;
    }
    // Published across threads, the payload must encode; a same-thread one may hold anything.
    const payload = this.id === MAIN_NODE || canEncode(message) === null ? message : '(a message that cannot cross threads)';
    if (rule.action === 'tap') {
      this.publish({ type: 'message.tapped', ...seen, sender, message: payload });
      return false;
    }
    let held = this.held.get(rule.id);
    if (held === undefined) this.held.set(rule.id, (held = []));
    held.push({ cell, message, sender, askId, replyNode, fromOtherThread });
    this.publish({ type: 'message.held', ...seen, sender, message: payload });
    return true;
  }

  /** Ends a hold rule here: what it held is delivered (in the order it was held), or lost. */
  releaseHeld(ruleId: number, deliver: boolean): void {
    const held = this.held.get(ruleId) ?? [];
    this.held.delete(ruleId);
    if (!deliver) return;
    for (const h of held) h.cell.enqueue(h.message, h.sender, h.askId, h.replyNode, h.fromOtherThread, true);
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
      links: [...this.links.values()].map((link) => ({
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
    for (const link of this.links.values()) {
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
    for (const link of this.links.values()) link.flush();
    for (const link of [...this.links.values()]) {
      this.links.delete(link.peer);
      link.close();
    }
    this.asks.failAll(() => errors.systemStopped());
  }
}

/** Spawn arguments cross threads msgpack-encoded; what cannot be encoded is the caller's error. */
function encodeArgs(args: unknown): Uint8Array {
  try {
    return encodeValue(args);
  } catch (error) {
    throw errors.invalidOptions(`invalid spawn options: options.args cannot be sent to another thread: ${error instanceof Error ? error.message : String(error)}`);
  }
}
