import { type Address, type NodeId, makeAddress } from './address.js';
import type { ActorCell } from './cell.js';
import { errors } from './errors.js';
import type { DownReason, StopReason } from './messages.js';
import type { LocalNode } from './node.js';
import type { InboundHandler } from './transport/inbound.js';
import type { Watches } from './watches.js';

/** What envelopes from other threads ask of one node, once `dispatchBatch` has checked them. */
export class NodeInbound implements InboundHandler {
  /** The last cell delivered to from another thread: batches mostly go to one actor. */
  private lastDelivered: ActorCell | null = null;

  constructor(
    private readonly node: LocalNode,
    private readonly watches: Watches,
  ) {}

  deliver(name: string, message: unknown, sender: Address | null, askId: number, replyNode: NodeId | null): void {
    let cell = this.lastDelivered;
    if (cell === null || cell.name !== name || !cell.alive) {
      cell = this.node.cells.get(name) ?? null;
      this.lastDelivered = cell;
    }
    if (cell !== null) {
      cell.enqueue(message, sender, askId, replyNode, true);
      return;
    }
    const to = makeAddress(name, this.node.id);
    this.node.deadLetter(to, sender, message, 'no-such-actor', 'no actor by that name');
    if (askId !== 0 && replyNode !== null) this.node.replyError(replyNode, askId, errors.noSuchActor(to));
  }

  resolveAsk(askId: number, value: unknown): void {
    this.node.asks.resolve(askId, value);
  }

  failAsk(askId: number, error: Error): void {
    this.node.asks.fail(askId, error);
  }

  remoteWatch(peer: NodeId, name: string): void {
    this.watches.remoteWatch(peer, name);
  }

  remoteUnwatch(peer: NodeId, name: string): void {
    this.watches.remoteUnwatch(peer, name);
  }

  remoteDown(target: Address, reason: DownReason, error?: Error): void {
    this.watches.remoteDown(target, reason, error);
  }

  remoteStop(name: string, reason: StopReason, graceMs: number): void {
    void this.node.cells.get(name)?.requestStop(reason, graceMs);
  }

  malformed(content: unknown, detail: string): void {
    this.node.deadLetter(`?@${this.node.id}`, null, content, 'malformed', detail);
  }
}
