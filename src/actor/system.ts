import { EventEmitter } from 'eventemitter3';
import { type Address, MAIN_NODE, type NodeId } from './address.js';
import type { Behaviour, BehaviourRef } from './behaviour.js';
import type { SpawnOptions } from './context.js';
import { Host } from './control/host.js';
import { DeadLetterStream } from './dead-letters.js';
import { errors } from './errors.js';
import type { ForwardedEvents, SystemEvent } from './events.js';
import { type DropRule, type DropSpec, type DroppedMessage, MessageDrop, makeDropRule } from './faults.js';
import { LocalNode, type NodeStats, quiescent } from './node.js';
import { type ResolvedSystemOptions, type SystemOptions, resolveSystemOptions } from './options.js';
import type { ActorRef } from './ref.js';
import { decodeValue } from './transport/codec.js';

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

  static async start(options?: SystemOptions): Promise<ActorSystem> {
    return new ActorSystem(resolveSystemOptions(options));
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** Starts a top-level actor. `system.stop()` stops top-level actors newest first. */
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
    return this.node.ref<M>(address as Address);
  }

  /** Starts an empty worker; spawn into it with `{ worker: id }`. */
  spawnWorker(): Promise<NodeId> {
    if (this.state !== 'running') return Promise.reject(errors.systemStopped());
    return this.host.startWorker();
  }

  workers(): NodeId[] {
    return this.host.workerIds();
  }

  /** Fault injection: terminates a worker abruptly; its actors' watchers get `Down(worker-exit)`. */
  terminateWorker(node: NodeId): Promise<void> {
    return this.host.terminateWorker(node);
  }

  /**
   * Fault injection: loses the next `count` messages of this `type` (to the actor named `to`,
   * if given) as they arrive, on whichever thread, including workers started later; each loss
   * is a `message.dropped` event. Resolves once the rule is in force on every thread.
   */
  async dropMessages(spec: DropSpec): Promise<MessageDrop> {
    if (this.state !== 'running') throw errors.systemStopped();
    const rule = makeDropRule(spec);
    const subscribe = (listener: (event: DroppedMessage) => void) => {
      this.events.on('message.dropped', listener);
      return () => void this.events.off('message.dropped', listener);
    };
    const drop = new MessageDrop(rule, subscribe, (lifted) => this.setDrops(this.drops.filter((r) => r !== lifted)));
    await this.setDrops([...this.drops, rule]);
    return drop;
  }

  private setDrops(rules: readonly DropRule[]): Promise<void> {
    this.drops = rules;
    return this.host.setDrops(rules);
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
      const workers = await this.host.forEachWorker((admin) => admin.activity());
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
