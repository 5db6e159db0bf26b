import { type Address, type NodeId, isAddress, makeAddress } from '../address.js';
import { isDuration } from '../duration.js';
import { type SerializedError, deserializeError } from '../errors.js';
import type { DownReason, StopReason } from '../messages.js';
import { ARITY, Kind } from './envelope.js';
import type { Link } from './link.js';

/** What envelopes arriving from another thread ask of the receiving node. */
export interface InboundHandler {
  deliver(name: string, message: unknown, sender: Address | null, askId: number, replyNode: NodeId | null): void;
  resolveAsk(askId: number, value: unknown): void;
  failAsk(askId: number, error: Error): void;
  remoteWatch(peer: NodeId, name: string): void;
  remoteUnwatch(peer: NodeId, name: string): void;
  remoteDown(target: Address, reason: DownReason, error?: Error): void;
  remoteStop(name: string, reason: StopReason, graceMs: number): void;
  /** An envelope (or a whole batch) that is not what the protocol says: a dead letter. */
  malformed(content: unknown, detail: string): void;
}

/**
 * Dispatches one decoded batch from a peer. This is the thread boundary, so every envelope's
 * shape is checked before it is trusted; a bad one becomes a dead letter, the rest go on.
 */
export function dispatchBatch(handler: InboundHandler, link: Link, batch: unknown): void {
  const peer = link.peer;
  if (!Array.isArray(batch)) {
    handler.malformed(batch, batch instanceof Error ? `undecodable batch: ${batch.message}` : 'batch is not an array');
    return;
  }
  const n = batch.length;
  for (let i = 0; i < n; ) {
    const kind = batch[i];
    const arity = ARITY[kind as number];
    if (arity === undefined || i + arity >= n) {
      handler.malformed(batch.slice(i), `unknown envelope kind ${String(kind)} from ${peer}`);
      return;
    }
    const a = batch[i + 1];
    const b = batch[i + 2];
    const c = batch[i + 3];
    i += 1 + arity;
    switch (kind as Kind) {
      case Kind.Tell:
      case Kind.Ask: {
        const name = link.inbound(a);
        const sender = link.inbound(b);
        const askId = kind === Kind.Ask ? batch[i - 1] : 0;
        if (typeof name !== 'string' || sender === undefined || !(sender === null || isAddress(sender)) || typeof askId !== 'number') break;
        handler.deliver(name, c, sender, askId, askId === 0 ? null : peer);
        continue;
      }
      case Kind.Intern:
        if (!link.learn(a, b)) break;
        continue;
      case Kind.Reply:
        if (typeof a !== 'number') break;
        if (b === true) handler.resolveAsk(a, c);
        else handler.failAsk(a, deserializeError(c as SerializedError));
        continue;
      case Kind.Watch:
        if (typeof a !== 'string') break;
        handler.remoteWatch(peer, a);
        continue;
      case Kind.Unwatch:
        if (typeof a !== 'string') break;
        handler.remoteUnwatch(peer, a);
        continue;
      case Kind.Down:
        if (typeof a !== 'string' || typeof b !== 'string') break;
        handler.remoteDown(makeAddress(a, peer), b as DownReason, c === null || c === undefined ? undefined : deserializeError(c as SerializedError));
        continue;
      case Kind.Stop:
        if (typeof a !== 'string' || typeof b !== 'string' || !isDuration(c)) break;
        handler.remoteStop(a, b as StopReason, c);
        continue;
    }
    handler.malformed(batch.slice(i - 1 - arity, i), `envelope of kind ${String(kind)} from ${peer} has fields of the wrong type`);
  }
}
