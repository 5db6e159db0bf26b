import type { Address, NodeId } from './address.js';
import type { ActorRef } from './ref.js';

/** Why an actor stopped. `normal`: it stopped itself or was asked to; `shutdown`: its parent or
 * the system stopped it; `crashed`: a handler threw; `killed`: it did not stop within its grace. */
export type StopReason = 'normal' | 'shutdown' | 'crashed' | 'killed';

/** Why a watched actor is gone: a stop reason, or `noproc` (it never existed or was already gone),
 * or `worker-exit` (its worker thread died: terminate(), process.exit, uncaught error). */
export type DownReason = StopReason | 'noproc' | 'worker-exit';

export const DOWN = 'actor.down';

/** Delivered to every watcher of an actor once, whatever ended it. */
export interface Down {
  readonly type: typeof DOWN;
  readonly ref: ActorRef;
  readonly reason: DownReason;
  readonly error?: Error;
}

export function isDown(message: unknown): message is Down {
  return (
    typeof message === 'object' && message !== null && (message as { type?: unknown }).type === DOWN
  );
}

export function isAbnormal(reason: DownReason): boolean {
  return reason !== 'normal' && reason !== 'shutdown';
}

export type DeadLetterReason =
  | 'mailbox-full'
  | 'stopped'
  | 'no-such-actor'
  | 'no-such-node'
  | 'invalid-message'
  | 'malformed'
  | 'worker-exit';

export interface DeadLetter {
  readonly recipient: string;
  readonly sender: Address | null;
  readonly message: unknown;
  readonly reason: DeadLetterReason;
  readonly detail?: string;
  /** The node that declared it dead. */
  readonly node: NodeId;
  readonly at: number;
}
