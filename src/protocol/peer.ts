import * as v from 'valibot';
import type { Inboxes } from './inboxes.js';

/**
 * A role's view of another actor: what it may send there. The runtime's `ActorRef<M>` is one;
 * the protocol does not depend on the runtime, so a message names the inbox its ref leads to
 * (`Peer<'agent'>`) and no receiver has to cast it.
 */
export interface Peer<K extends keyof Inboxes> {
  readonly address: string;
  /** `sender`: who the receiver sees as the sender (default: the actor running now, if any). */
  tell(message: Inboxes[K], sender?: { readonly address: string }): void;
  ask<R = unknown>(message: Inboxes[K], options?: { readonly timeoutMs?: number; readonly signal?: AbortSignal }): Promise<R>;
  equals(other: { readonly address: string } | null | undefined): boolean;
}

/** A ref in a message from another thread: the runtime decodes refs into objects of this shape. */
export const peer = <K extends keyof Inboxes>(inbox: K) =>
  v.custom<Peer<K>>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { address?: unknown }).address === 'string' &&
      typeof (value as { tell?: unknown }).tell === 'function',
    `must be a ref to ${inbox === 'agent' || inbox === 'executor' ? 'an' : 'a'} ${inbox}`,
  );
