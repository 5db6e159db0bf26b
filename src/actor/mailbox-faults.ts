import { type Address, MAIN_NODE, type NodeId } from './address.js';
import type { ActorCell } from './cell.js';
import type { LocalNode } from './node.js';
import { canEncode } from './transport/codec.js';

interface Held {
  readonly cell: ActorCell;
  readonly message: unknown;
  readonly sender: Address | null;
  readonly askId: number;
  readonly replyNode: NodeId | null;
  readonly fromOtherThread: boolean;
}

/** One node's fault rules (`node.drops`) at work on the messages entering its mailboxes. */
export class MailboxFaults {
  /** Messages hold rules keep out of their mailboxes, by rule id. */
  private readonly held = new Map<number, Held[]>();

  constructor(private readonly node: LocalNode) {}

  /**
   * Fault injection, as a message enters a mailbox: a drop rule that claims it loses it, a hold
   * rule keeps it here until released, a tap lets it through; each publishes what it did (holds
   * and taps with the payload). True if the message must not be delivered now.
   */
  intercepted(cell: ActorCell, message: unknown, sender: Address | null, askId: number, replyNode: NodeId | null, fromOtherThread: boolean): boolean {
    const rule = this.node.drops.claim(cell.name, sender, message);
    if (rule === undefined) return false;
    const seen = { rule: rule.id, actor: cell.address, messageType: rule.type, node: this.node.id };
    if (rule.action === 'drop') {
      this.node.publish({ type: 'message.dropped', ...seen });
      return true;
    }
    // Published across threads, the payload must encode; a same-thread one may hold anything.
    const payload = this.node.id === MAIN_NODE || canEncode(message) === null ? message : '(a message that cannot cross threads)';
    if (rule.action === 'tap') {
      this.node.publish({ type: 'message.tapped', ...seen, sender, message: payload });
      return false;
    }
    let held = this.held.get(rule.id);
    if (held === undefined) this.held.set(rule.id, (held = []));
    held.push({ cell, message, sender, askId, replyNode, fromOtherThread });
    this.node.publish({ type: 'message.held', ...seen, sender, message: payload });
    return true;
  }

  /** Ends a hold rule here: what it held is delivered (in the order it was held), or lost. */
  releaseHeld(ruleId: number, deliver: boolean): void {
    const held = this.held.get(ruleId) ?? [];
    this.held.delete(ruleId);
    if (!deliver) return;
    for (const h of held) h.cell.enqueue(h.message, h.sender, h.askId, h.replyNode, h.fromOtherThread, true);
  }
}
