import type { Address, NodeId } from './address.js';
import type { Behaviour, BehaviourRef } from './behaviour.js';
import type { ActorCell } from './cell.js';
import type { Replier, SpawnOptions } from './context.js';
import { errors } from './errors.js';
import { DOWN, type DownReason } from './messages.js';
import type { Monitor } from './watches.js';
import type { ActorRef } from './ref.js';

/**
 * What one actor holds toward others, and lets go of as it stops: the children it started
 * (newest last), the monitors it holds on the actors it watches, and the asks it took over to
 * answer later.
 */
export class CellTies {
  readonly children: ActorRef[] = [];
  /** Monitors this cell holds on others, by target. */
  private readonly watching = new Map<Address, Monitor>();
  /** Asks answered later (`deferReply`) and not yet answered: failed if the actor stops first. */
  private readonly deferred = new Set<Replier>();

  constructor(private readonly cell: ActorCell) {}

  /** A child, forgotten once it is gone; stopped at once if this actor stopped while it started. */
  async spawn<C, A>(behaviour: Behaviour<C, A> | BehaviourRef, options: SpawnOptions<A>): Promise<ActorRef<C>> {
    const child = await this.cell.runtime.spawn(behaviour, options, this.cell.self);
    if (!this.cell.alive) {
      await this.cell.runtime.stopActor(child.address, 'shutdown');
      throw errors.actorStopped(this.cell.address);
    }
    this.children.push(child);
    this.cell.runtime.monitor(child.address, {
      onDown: () => {
        const at = this.children.findIndex((ref) => ref.address === child.address);
        if (at >= 0) this.children.splice(at, 1);
      },
    });
    return child as ActorRef<C>;
  }

  isChild(ref: ActorRef): boolean {
    return this.children.some((child) => child.address === ref.address);
  }

  watch(ref: ActorRef): void {
    if (this.watching.has(ref.address) || !this.cell.alive) return;
    const monitor: Monitor = {
      onDown: (reason: DownReason, error?: Error) => {
        if (this.watching.get(ref.address) !== monitor) return;
        this.watching.delete(ref.address);
        this.cell.enqueueSystem(
          error === undefined ? { type: DOWN, ref, reason } : { type: DOWN, ref, reason, error },
        );
      },
    };
    this.watching.set(ref.address, monitor);
    this.cell.runtime.monitor(ref.address, monitor);
  }

  unwatch(ref: ActorRef): void {
    const monitor = this.watching.get(ref.address);
    if (monitor === undefined) return;
    this.watching.delete(ref.address);
    this.cell.runtime.demonitor(ref.address, monitor);
  }

  unwatchAll(): void {
    for (const [target, monitor] of this.watching) this.cell.runtime.demonitor(target, monitor);
    this.watching.clear();
  }

  /** The replier of the ask `askId` (0: a tell, for which it does nothing). */
  defer(askId: number, replyNode: NodeId | null): Replier {
    let done = askId === 0 || replyNode === null;
    const replier: Replier = {
      resolve: (value) => {
        if (done) return;
        done = true;
        this.deferred.delete(replier);
        this.cell.runtime.replyOk(replyNode!, askId, value);
      },
      reject: (error) => {
        if (done) return;
        done = true;
        this.deferred.delete(replier);
        this.cell.runtime.replyError(replyNode!, askId, error);
      },
    };
    if (!done) this.deferred.add(replier);
    return replier;
  }

  rejectDeferred(): void {
    for (const replier of [...this.deferred]) replier.reject(errors.actorStopped(this.cell.address));
  }
}
