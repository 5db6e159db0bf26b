import type { Address, NodeId } from './address.js';

/**
 * A bounded FIFO of envelopes, stored as parallel ring arrays so that enqueueing a message
 * allocates nothing. `askId` is 0 for a tell; otherwise the reply goes to `replyNode`.
 */
export class Mailbox {
  readonly capacity: number;
  private messages: unknown[];
  private senders: (Address | null)[];
  private askIds: number[];
  private replyNodes: (NodeId | null)[];
  private head = 0;
  private count = 0;
  private mask: number;

  constructor(capacity: number) {
    this.capacity = capacity;
    const size = Math.min(1024, ceilPowerOfTwo(capacity));
    this.messages = new Array(size);
    this.senders = new Array(size);
    this.askIds = new Array(size).fill(0);
    this.replyNodes = new Array(size);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Returns false when full: the caller turns that into a dead letter. */
  push(message: unknown, sender: Address | null, askId: number, replyNode: NodeId | null): boolean {
    if (this.count >= this.capacity) return false;
    if (this.count > this.mask) this.grow();
    const i = (this.head + this.count) & this.mask;
    this.messages[i] = message;
    this.senders[i] = sender;
    this.askIds[i] = askId;
    this.replyNodes[i] = replyNode;
    this.count++;
    return true;
  }

  /** For system messages, which a full mailbox must still take. */
  forcePush(message: unknown): void {
    if (this.count > this.mask) this.grow();
    const i = (this.head + this.count) & this.mask;
    this.messages[i] = message;
    this.senders[i] = null;
    this.askIds[i] = 0;
    this.replyNodes[i] = null;
    this.count++;
  }

  /** Index of the oldest envelope; read it with the accessors, then call `shift()`. */
  peekIndex(): number {
    return this.head;
  }

  message(i: number): unknown {
    return this.messages[i];
  }
  sender(i: number): Address | null {
    return this.senders[i] ?? null;
  }
  askId(i: number): number {
    return this.askIds[i] ?? 0;
  }
  replyNode(i: number): NodeId | null {
    return this.replyNodes[i] ?? null;
  }

  shift(): void {
    const i = this.head;
    this.messages[i] = undefined;
    this.senders[i] = null;
    this.replyNodes[i] = null;
    this.head = (i + 1) & this.mask;
    this.count--;
  }

  private grow(): void {
    const oldSize = this.mask + 1;
    const size = oldSize * 2;
    const reorder = <T>(arr: T[]): T[] => {
      const next = new Array<T>(size);
      for (let k = 0; k < this.count; k++) next[k] = arr[(this.head + k) & this.mask] as T;
      return next;
    };
    this.messages = reorder(this.messages);
    this.senders = reorder(this.senders);
    this.askIds = reorder(this.askIds).fill(0, this.count);
    this.replyNodes = reorder(this.replyNodes);
    this.head = 0;
    this.mask = size - 1;
  }
}

function ceilPowerOfTwo(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}
