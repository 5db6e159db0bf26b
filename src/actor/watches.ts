import type { Address, NodeId } from './address.js';
import type { ActorCell } from './cell.js';
import { serializeError } from './errors.js';
import type { DownReason, StopReason } from './messages.js';
import type { ActorRef } from './ref.js';
import { Kind } from './transport/envelope.js';

export interface Monitor {
  onDown(reason: DownReason, error?: Error): void;
}

/** What the watch bookkeeping needs from its node. */
export interface WatchHost {
  readonly id: NodeId;
  ref(address: Address): ActorRef;
  cell(name: string): ActorCell | undefined;
  /** Sends a control envelope to a peer, linking to it if needed; false once the node stopped. */
  send(peer: NodeId, kind: Kind, ...fields: unknown[]): boolean;
  /** Sends only over a link that is already there (there is nothing to tell a peer we never met). */
  sendIfLinked(peer: NodeId, kind: Kind, ...fields: unknown[]): void;
}

/**
 * Who watches whom, for one node. Local targets keep their monitors on their cell. Remote
 * targets are watched per node, not per actor: the first local monitor of a remote actor sends
 * one WATCH, the last one gone sends UNWATCH, and one DOWN fans out to every local monitor.
 * When a peer's link closes, every watch across it resolves at once.
 */
export class Watches {
  private readonly remoteMonitors = new Map<Address, Set<Monitor>>();
  /** Local cells that peers watch, by peer, so a peer's death forgets them. */
  private readonly watchedBy = new Map<NodeId, Set<ActorCell>>();

  constructor(private readonly host: WatchHost) {}

  monitor(target: Address, monitor: Monitor): void {
    const ref = this.host.ref(target);
    if (ref.node === this.host.id) {
      const cell = this.host.cell(ref.name);
      if (cell === undefined) queueMicrotask(() => monitor.onDown('noproc'));
      else cell.monitors.add(monitor);
      return;
    }
    let set = this.remoteMonitors.get(target);
    if (set === undefined) {
      set = new Set();
      this.remoteMonitors.set(target, set);
      if (!this.host.send(ref.node, Kind.Watch, ref.name)) queueMicrotask(() => this.remoteDown(target, 'noproc'));
    }
    set.add(monitor);
  }

  demonitor(target: Address, monitor: Monitor): void {
    const ref = this.host.ref(target);
    if (ref.node === this.host.id) {
      this.host.cell(ref.name)?.monitors.delete(monitor);
      return;
    }
    const set = this.remoteMonitors.get(target);
    if (set === undefined || !set.delete(monitor) || set.size > 0) return;
    this.remoteMonitors.delete(target);
    this.host.sendIfLinked(ref.node, Kind.Unwatch, ref.name);
  }

  /** A local actor is gone: its local monitors, and every peer watching it, hear it once. */
  notifyDown(cell: ActorCell, reason: StopReason, error: Error | undefined): void {
    for (const monitor of cell.monitors) monitor.onDown(reason, error);
    cell.monitors.clear();
    for (const peer of cell.remoteWatchers) {
      this.watchedBy.get(peer)?.delete(cell);
      this.host.sendIfLinked(peer, Kind.Down, cell.name, reason, error === undefined ? null : serializeError(error));
    }
    cell.remoteWatchers.clear();
  }

  /** A watched actor on another node is gone: tell this node's watchers of it. */
  remoteDown(target: Address, reason: DownReason, error?: Error): void {
    const set = this.remoteMonitors.get(target);
    if (set === undefined) return;
    this.remoteMonitors.delete(target);
    for (const monitor of set) monitor.onDown(reason, error);
  }

  /** A peer asks to hear when a local actor is gone (at once, if it already is). */
  remoteWatch(peer: NodeId, name: string): void {
    const cell = this.host.cell(name);
    if (cell === undefined) {
      this.host.sendIfLinked(peer, Kind.Down, name, 'noproc', null);
      return;
    }
    cell.remoteWatchers.add(peer);
    let cells = this.watchedBy.get(peer);
    if (cells === undefined) {
      cells = new Set();
      this.watchedBy.set(peer, cells);
    }
    cells.add(cell);
  }

  remoteUnwatch(peer: NodeId, name: string): void {
    this.host.cell(name)?.remoteWatchers.delete(peer);
  }

  /** The link to `peer` is gone: every actor watched there is down, and it watches nothing here. */
  peerGone(peer: NodeId, reason: DownReason): void {
    for (const target of [...this.remoteMonitors.keys()]) {
      if (this.host.ref(target).node === peer) this.remoteDown(target, reason);
    }
    for (const cell of this.watchedBy.get(peer) ?? []) cell.remoteWatchers.delete(peer);
    this.watchedBy.delete(peer);
  }
}
