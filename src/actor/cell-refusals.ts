import type { Address, NodeId } from './address.js';
import type { ActorCell } from './cell.js';
import { errors } from './errors.js';
import { isDown } from './messages.js';

/** A message an actor refuses as it arrives: a dead letter (counted in its stats); an ask fails with `error`. */
export function refuse(
  cell: ActorCell,
  message: unknown,
  sender: Address | null,
  askId: number,
  replyNode: NodeId | null,
  reason: 'stopped' | 'mailbox-full' | 'invalid-message',
  error: Error,
  detail?: string,
): void {
  cell.deadLettered++;
  cell.runtime.deadLetter(cell.address, sender, message, reason, detail ?? error.message);
  if (askId !== 0 && replyNode !== null) cell.runtime.replyError(replyNode, askId, error);
}

/** Empties a stopping actor's mailbox: each message a dead letter, each ask failed, but its `Down`s just dropped. */
export function deadLetterMailbox(cell: ActorCell): void {
  const mailbox = cell.mailbox;
  while (mailbox.size > 0) {
    const i = mailbox.peekIndex();
    const message = mailbox.message(i);
    const sender = mailbox.sender(i);
    const askId = mailbox.askId(i);
    const replyNode = mailbox.replyNode(i);
    mailbox.shift();
    if (askId === 0 && sender === null && isDown(message)) continue;
    cell.deadLettered++;
    cell.runtime.deadLetter(cell.address, sender, message, 'stopped', 'the actor stopped');
    if (askId !== 0 && replyNode !== null) {
      cell.runtime.replyError(replyNode, askId, errors.actorStopped(cell.address));
    }
  }
}
