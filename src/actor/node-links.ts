import type { MessagePort } from 'node:worker_threads';
import { type Address, type NodeId, makeAddress } from './address.js';
import { errors, serializeError } from './errors.js';
import type { DeadLetterReason } from './messages.js';
import type { HostApi, LocalNode } from './node.js';
import type { ActorRef } from './ref.js';
import { ARITY, Kind } from './transport/envelope.js';
import { type InboundHandler, dispatchBatch } from './transport/inbound.js';
import { Link, type LinkOwner } from './transport/link.js';
import type { Watches } from './watches.js';

/**
 * One node's links to the other threads it talks to, one per peer: made on first use (the host
 * wires the port), their batches handed to `inbound`, and when one fails, what becomes of the
 * envelopes it held, the watches across it and the asks that went to its peer.
 */
export class NodeLinks implements LinkOwner {
  readonly maxBatch: number;
  readonly refFactory: (address: Address) => ActorRef;
  private readonly links = new Map<NodeId, Link>();

  constructor(
    private readonly node: LocalNode,
    private readonly host: HostApi,
    private readonly watches: Watches,
    private readonly inbound: InboundHandler,
  ) {
    this.maxBatch = node.options.maxBatch;
    this.refFactory = node.refFactory;
  }

  get(peer: NodeId): Link | undefined {
    return this.links.get(peer);
  }

  all(): IterableIterator<Link> {
    return this.links.values();
  }

  linkTo(peer: NodeId): Link {
    let link = this.links.get(peer);
    if (link === undefined) {
      link = new Link(peer, this);
      this.links.set(peer, link);
      const created = link;
      this.host.connect(this.node.id, peer).then(
        (ok) => {
          if (!ok) this.linkFailed(created, 'no-such-node');
        },
        () => this.linkFailed(created, 'no-such-node'),
      );
    }
    return link;
  }

  /** The state of the link to `peer`, for the message of an ask to it that timed out. */
  describeLink(peer: NodeId): string | undefined {
    if (peer === this.node.id) return undefined;
    const link = this.links.get(peer);
    if (link === undefined) return `no link from ${this.node.id} to ${peer}`;
    const waiting = link.hasPending ? ', envelopes waiting to leave' : '';
    return `the link from ${this.node.id} to ${peer} is ${link.state}: ${link.batchesSent} batches sent, ${link.batchesReceived} received${waiting}`;
  }

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
    this.node.asks.failNode(link.peer, () => error ?? errors.noSuchActor(`node ${link.peer}`));
  }

  /** Envelopes that could not leave: tells become dead letters, asks fail at once. */
  private undeliverable(link: Link, parts: unknown[], reason: DeadLetterReason): void {
    for (let i = 0; i < parts.length; ) {
      const kind = parts[i] as Kind;
      if (kind === Kind.Tell || kind === Kind.Ask) {
        const to = makeAddress(link.outbound(parts[i + 1]) as string, link.peer);
        this.node.deadLetter(to, link.outbound(parts[i + 2]) as Address | null, parts[i + 3], reason, `node ${link.peer} is gone`);
        if (kind === Kind.Ask) this.node.asks.fail(parts[i + 4] as number, errors.noSuchActor(to));
      }
      i += 1 + (ARITY[kind] ?? 0);
    }
  }

  onUnencodable(link: Link, envelope: unknown[], error: Error): void {
    const kind = envelope[0] as Kind;
    const detail = `cannot be sent to another thread: ${error.message}`;
    if (kind === Kind.Tell || kind === Kind.Ask) {
      const to = makeAddress(link.outbound(envelope[1]) as string, link.peer);
      this.node.deadLetter(to, link.outbound(envelope[2]) as Address | null, envelope[3], 'malformed', detail);
      if (kind === Kind.Ask) this.node.asks.fail(envelope[4] as number, errors.invalidMessage(to, detail));
    } else if (kind === Kind.Reply && envelope[2] === true) {
      const problem = errors.invalidMessage(`the reply to ask ${String(envelope[1])}`, detail);
      link.reply(envelope[1] as number, false, serializeError(problem));
    } else if (kind === Kind.Down) {
      link.control(Kind.Down, envelope[1], envelope[2], null);
    }
  }

  onBatch(link: Link, batch: unknown): void {
    dispatchBatch(this.inbound, link, batch);
  }

  /** At shutdown: sends what every link still holds, then closes them all. */
  closeAll(): void {
    for (const link of this.links.values()) link.flush();
    for (const link of [...this.links.values()]) {
      this.links.delete(link.peer);
      link.close();
    }
  }
}
