import { EventEmitter } from 'eventemitter3';
import { isMainThread, workerData } from 'node:worker_threads';
import { type Address, MAIN_NODE, type NodeId, isAddress } from './address.js';
import type { Behaviour, BehaviourRef } from './behaviour.js';
import type { SpawnOptions } from './context.js';
import { Host } from './control/host.js';
import { WORKER_KIND, type WorkerBoot } from './control/protocol.js';
import { DeadLetterStream } from './dead-letters.js';
import { errors } from './errors.js';
import type { ForwardedEvents, SystemEvent } from './events.js';
import { type DropRule, type DropSpec, type FaultAction, MessageDrop, MessageHold, type MessageSpec, MessageTap, makeFaultRule } from './faults.js';
import { LocalNode, type NodeStats, quiescent } from './node.js';
import * as v from 'valibot';
import { durationMs } from './duration.js';
import { type ResolvedSystemOptions, type SystemOptions, resolveSystemOptions, validateOptions } from './options.js';
import type { ActorRef } from './ref.js';
import { decodeValue } from './transport/codec.js';

const SpawnWorkerOptionsSchema = v.strictObject({
  timeoutMs: v.optional(durationMs({ min: 1 })),
  signal: v.optional(v.instance(AbortSignal)),
});

/** The node id, when this thread is a worker that an actor system started. */
function systemWorker(): string | undefined {
  if (isMainThread) return undefined;
  const boot = workerData as Partial<WorkerBoot> | null | undefined;
  return boot?.kind === WORKER_KIND ? boot.node : undefined;
}

type EventMap = { [K in SystemEvent['type']]: [Extract<SystemEvent, { type: K }>] } & {
  event: [SystemEvent];
};

export interface SystemStats {
  readonly nodes: NodeStats[];
  readonly deadLetters: { readonly total: number; readonly omitted: number; readonly byReason: Record<string, number> };
}

/**
 * An actor system: the main thread's node plus the worker threads it starts. Create it with
 * `ActorSystem.start()`; stop it with `stop()`, which drains mailboxes, stops actors newest
 * first, ends the workers and leaves no handle open.
 */
export class ActorSystem {
  readonly deadLetters = new DeadLetterStream();
  readonly events = new EventEmitter<EventMap>();
  readonly options: ResolvedSystemOptions;
  private readonly host: Host;
  private readonly node: LocalNode;
  private readonly topLevel: ActorRef[] = [];
  private state: 'running' | 'stopping' | 'stopped' = 'running';
  private drops: readonly DropRule[] = [];

  private constructor(options: ResolvedSystemOptions) {
    this.options = options;
    this.host = new Host(
      options,
      (encoded) => this.onForwarded(encoded),
      (event) => this.emitEvent(event),
    );
    this.node = new LocalNode(MAIN_NODE, options, this.host, {
      deadLetter: (letter) => this.deadLetters.publish(letter),
      event: (event) => this.emitEvent(event),
    });
    this.host.mainNode = this.node;
  }

  /**
   * Starts a system: nothing but checking the options, so it settles at once. Refused
   * (ERR_SYSTEM_IN_WORKER) in a worker of a system: such a worker runs a module's top level
   * when it loads a behaviour from it, and a system started there would start its own workers,
   * which would load the module again, without end.
   */
  static async start(options?: SystemOptions): Promise<ActorSystem> {
    const worker = systemWorker();
    if (worker !== undefined) throw errors.systemInWorker(worker);
    return new ActorSystem(resolveSystemOptions(options));
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /**
   * Starts a top-level actor. `system.stop()` stops top-level actors newest first. Bounded by
   * `options.timeoutMs` (default `spawnTimeoutMs`, 30 s: ERR_SPAWN_TIMEOUT) and `options.signal`
   * (ERR_SPAWN_ABORTED); either way the half-started actor, and a worker started for it, are ended.
   */
  async spawn<M = unknown, A = unknown>(behaviour: Behaviour<M, A> | BehaviourRef, options: SpawnOptions<A> = {}): Promise<ActorRef<M>> {
    if (this.state !== 'running') throw errors.systemStopped();
    const ref = await this.node.spawn(behaviour, options, undefined);
    this.topLevel.push(ref);
    this.node.monitor(ref.address, {
      onDown: () => {
        const at = this.topLevel.findIndex((r) => r.address === ref.address);
        if (at >= 0) this.topLevel.splice(at, 1);
      },
    });
    return ref;
  }

  /** A ref from an address (`name@node`), e.g. one read from a log or a config. */
  ref<M = unknown>(address: Address | string): ActorRef<M> {
    if (!isAddress(address)) throw errors.invalidAddress(address);
    return this.node.ref<M>(address);
  }

  /**
   * Starts an empty worker; spawn into it with `{ worker: id }`. Bounded as a spawn is
   * (`timeoutMs`, default `spawnTimeoutMs`; `signal`).
   */
  async spawnWorker(options: { readonly timeoutMs?: number; readonly signal?: AbortSignal } = {}): Promise<NodeId> {
    if (this.state !== 'running') throw errors.systemStopped();
    const checked = validateOptions('spawnWorker options', SpawnWorkerOptionsSchema, options);
    return this.host.startWorker(checked.timeoutMs ?? this.options.spawnTimeoutMs, checked.signal);
  }

  workers(): NodeId[] {
    return this.host.workerIds();
  }

  /**
   * Fault injection: ends a worker abruptly (it exits at its next turn of the event loop, or is
   * terminated after 1 s); its actors' watchers get `Down(worker-exit)`.
   */
  terminateWorker(node: NodeId): Promise<void> {
    return this.host.terminateWorker(node);
  }

  /**
   * Fault injection: loses the next `count` messages of this `type` (to the actor named `to`,
   * from the one named `from`, if given) as they arrive, on whichever thread, including workers
   * started later; each loss is a `message.dropped` event. Resolves once the rule is in force on
   * every thread.
   */
  dropMessages(spec: DropSpec): Promise<MessageDrop> {
    return this.addRule('drop', spec, 'message.dropped', (rule, subscribe, lift) => new MessageDrop(rule, subscribe, lift));
  }

  /**
   * Fault injection: keeps the next `count` matching messages out of their mailboxes — a
   * message delayed, not lost (Mesos's tests hold a future and satisfy it later) — until
   * `release()` delivers them; each is a `message.held` event with its payload and sender.
   */
  holdMessages(spec: MessageSpec): Promise<MessageHold> {
    return this.addRule('hold', spec, 'message.held', (rule, subscribe, lift) => new MessageHold(rule, subscribe, lift, (r, deliver) => this.host.releaseHeld(r.id, deliver)));
  }

  /**
   * Fault injection's observer: every matching message (default `count`: all, until removed) is
   * delivered as usual and reported with its payload and sender (`message.tapped` events), as
   * Mesos's tests await FUTURE_PROTOBUF and let the message through.
   */
  tapMessages(spec: MessageSpec): Promise<MessageTap> {
    return this.addRule('tap', spec, 'message.tapped', (rule, subscribe, lift) => new MessageTap(rule, subscribe, lift));
  }

  private async addRule<K extends 'message.dropped' | 'message.held' | 'message.tapped', H>(
    action: FaultAction,
    spec: MessageSpec,
    event: K,
    handle: (rule: DropRule, subscribe: (listener: (event: Extract<SystemEvent, { type: K }>) => void) => () => void, lift: (rule: DropRule) => Promise<void>) => H,
  ): Promise<H> {
    if (this.state !== 'running') throw errors.systemStopped();
    const rule = makeFaultRule(action, spec);
    const subscribe = (listener: (e: Extract<SystemEvent, { type: K }>) => void) => {
      const on = this.events.on as (type: K, fn: typeof listener) => unknown;
      const off = this.events.off as (type: K, fn: typeof listener) => unknown;
      on.call(this.events, event, listener);
      return () => void off.call(this.events, event, listener);
    };
    const made = handle(rule, subscribe, (lifted) => this.setDrops(this.drops.filter((r) => r !== lifted)));
    await this.setDrops([...this.drops, rule]);
    return made;
  }

  private setDrops(rules: readonly DropRule[]): Promise<void> {
    this.drops = rules;
    return this.host.setDrops(rules);
  }

  /**
   * For tests that assert nothing more happens (Mesos's Clock::settle): resolves once every
   * mailbox is empty and every batch sent has been received, on two checks in a row, or after
   * `timeoutMs` (default 5 s). Work an actor awaits outside its mailbox (a disk write) is not seen.
   */
  async settle(timeoutMs = 5_000): Promise<void> {
    if (this.state !== 'running') throw errors.systemStopped();
    await this.drain(Date.now() + timeoutMs);
  }

  /** Stops one actor anywhere in the system; resolves once it is gone. */
  stopActor(ref: ActorRef): Promise<void> {
    return this.node.stopActor(ref.address, 'normal');
  }

  async stats(): Promise<SystemStats> {
    const workers = await this.host.forEachWorker((admin) => admin.stats());
    return {
      nodes: [this.node.stats(), ...workers],
      deadLetters: {
        total: this.deadLetters.total,
        omitted: this.deadLetters.omitted,
        byReason: { ...this.deadLetters.byReason },
      },
    };
  }

  /**
   * Graceful stop: waits (up to `stopTimeoutMs`) until every mailbox is empty, stops top-level
   * actors newest first (each stops its children newest first), then stops the workers.
   */
  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    await this.drain(Date.now() + this.options.stopTimeoutMs);
    for (const ref of this.topLevel.slice().reverse()) await this.node.stopActor(ref.address, 'shutdown');
    await this.host.shutdown(this.options.stopTimeoutMs);
    await this.node.shutdown();
    this.state = 'stopped';
    this.events.removeAllListeners();
  }

  /**
   * Waits until the system is quiescent — every node idle and every batch sent received — on
   * two checks in a row (nodes are asked one after the other, so one check alone could see a
   * message leave a node already asked), or until the deadline.
   */
  private async drain(deadline: number): Promise<void> {
    let quietRounds = 0;
    while (quietRounds < 2 && Date.now() < deadline) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const workers = await this.host.forEachWorker((admin) => admin.activity(), Math.max(0, deadline - Date.now()));
      quietRounds = quiescent([this.node.activity(), ...workers]) ? quietRounds + 1 : 0;
    }
  }

  private onForwarded(encoded: Uint8Array): void {
    const batch = decodeValue(encoded, (address) => this.node.ref(address)) as ForwardedEvents;
    for (const letter of batch.deadLetters) this.deadLetters.publish(letter);
    if (batch.deadLettersOmitted > 0) this.deadLetters.countOmitted(batch.omittedByReason);
    for (const event of batch.events) this.emitEvent(event);
  }

  private emitEvent(event: SystemEvent): void {
    (this.events.emit as (type: string, event: SystemEvent) => boolean)(event.type, event);
    this.events.emit('event', event);
  }
}
