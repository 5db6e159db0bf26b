import type { Timers } from '../actor/index.js';
import { type AgentId, type ClusterEvent, type FrameworkId, type MasterMsg, type MasterSelfMsg, type Offer, type OfferId, type Resources, UNRESERVED, fits } from '../protocol/index.js';
import { sumOf } from './agent-resources.js';
import { type AgentEntry, type FrameworkEntry, type OfferEntry, roleOf } from './entries.js';

/** Below this, what is left of an agent is not worth an offer (Mesos: MIN_CPUS, MIN_MEM). */
const MIN_OFFER: Resources = { cpus: 0.01, mem: 1 };

export interface OffersDeps {
  readonly agents: ReadonlyMap<AgentId, AgentEntry>;
  readonly frameworks: ReadonlyMap<FrameworkId, FrameworkEntry>;
  readonly timers: Timers<MasterSelfMsg>;
  /** Rescinds an offer left unanswered this long (Mesos --offer_timeout); none: never. */
  readonly offerTimeoutMs: number | undefined;
  now(): number;
  newOfferId(): OfferId;
  publish(event: ClusterEvent): void;
}

type ReservationChange = Extract<MasterMsg, { type: 'master.reserve' | 'master.unreserve' }>;

/**
 * The master's allocator: offers each agent's free resources to connected frameworks in turn
 * (skipping those that declined that agent recently), keeps outstanding offers, and closes them
 * when they are accepted, declined, rescinded or time out. Reservations change through offers.
 */
export class Offers {
  private readonly open = new Map<OfferId, OfferEntry>();
  private turn = 0;

  constructor(private readonly deps: OffersDeps) {}

  soon(): void {
    if (!this.deps.timers.isActive('allocate')) this.deps.timers.once('allocate', 0, { type: 'master.allocate' });
  }

  allocate(): void {
    const order = [...this.deps.frameworks.values()].filter((f) => f.connected);
    if (order.length === 0) return;
    const now = this.deps.now();
    for (const agent of this.deps.agents.values()) {
      if (!agent.connected || agent.busy !== undefined) continue;
      for (let tried = 0; tried < order.length; tried++) {
        const framework = order[this.turn++ % order.length]!;
        const until = framework.refused.get(agent.id);
        if (until !== undefined && until > now) continue;
        const allocation = agent.resources.offerable(roleOf(framework.info));
        const resources = sumOf(allocation);
        if (!fits(MIN_OFFER, resources)) continue;
        const reserved = allocation.reserved.cpus > 0 || allocation.reserved.mem > 0 ? { reserved: allocation.reserved } : {};
        const offer: Offer = { offerId: this.deps.newOfferId(), agentId: agent.id, hostname: agent.info.hostname, resources, ...reserved };
        this.open.set(offer.offerId, { ...offer, frameworkId: framework.id, allocation });
        agent.resources.hold(offer.offerId, allocation);
        framework.scheduler.tell({ type: 'scheduler.offers', offers: [offer] });
        if (this.deps.offerTimeoutMs !== undefined) this.deps.timers.once(`offer:${offer.offerId}`, this.deps.offerTimeoutMs, { type: 'master.offer_timeout', offerId: offer.offerId });
        break;
      }
    }
  }

  /** The offer if it is still outstanding and was made to this framework. */
  of(frameworkId: FrameworkId, offerId: OfferId): OfferEntry | undefined {
    const offer = this.open.get(offerId);
    return offer?.frameworkId === frameworkId ? offer : undefined;
  }

  /** Closes an offer (accepted, declined, or void): what it held can be offered again. */
  close(offerId: OfferId): OfferEntry | undefined {
    const offer = this.open.get(offerId);
    if (offer === undefined) return undefined;
    this.open.delete(offerId);
    this.deps.timers.cancel(`offer:${offerId}`);
    this.deps.agents.get(offer.agentId)?.resources.release(offerId);
    return offer;
  }

  /** Takes an offer back from its framework, which is told. */
  rescind(offerId: OfferId): void {
    const offer = this.close(offerId);
    if (offer === undefined) return;
    this.deps.frameworks.get(offer.frameworkId)?.scheduler.tell({ type: 'scheduler.rescind', offerId });
    this.soon();
  }

  /** The agent is gone, disconnected or unreachable: its offers are rescinded. */
  rescindAgent(agent: AgentEntry): void {
    for (const offerId of agent.resources.offerIds()) this.rescind(offerId);
  }

  /** The framework is gone or failed over: its offers are void (its scheduler is not told). */
  closeFramework(frameworkId: FrameworkId): void {
    for (const offer of [...this.open.values()]) if (offer.frameworkId === frameworkId) this.close(offer.offerId);
  }

  decline(frameworkId: FrameworkId, offerId: OfferId, refuseMs: number): void {
    const offer = this.of(frameworkId, offerId);
    if (offer === undefined) return;
    this.close(offerId);
    this.deps.frameworks.get(frameworkId)?.refused.set(offer.agentId, this.deps.now() + refuseMs);
    this.deps.timers.once(`refuse:${frameworkId}:${offer.agentId}`, refuseMs, { type: 'master.allocate' });
    this.soon();
  }

  revive(frameworkId: FrameworkId): void {
    this.deps.frameworks.get(frameworkId)?.refused.clear();
    this.soon();
  }

  /**
   * RESERVE / UNRESERVE part of an offer for the framework's role. The offer is used up; the
   * agent is told its new reservations to checkpoint (and again whenever it reregisters).
   * Returns why it cannot be done, or null.
   */
  changeReservation(message: ReservationChange): string | null {
    const framework = this.deps.frameworks.get(message.frameworkId);
    const offer = this.of(message.frameworkId, message.offerId);
    if (framework === undefined || offer === undefined) return `offer ${message.offerId} is no longer valid`;
    const role = roleOf(framework.info);
    if (role === UNRESERVED) return `framework ${framework.id} has no role: reservations are made for a role (FrameworkInfo.role)`;
    const agent = this.deps.agents.get(offer.agentId)!;
    this.close(offer.offerId);
    this.soon();
    const reserving = message.type === 'master.reserve';
    const from = reserving ? offer.allocation.unreserved : offer.allocation.reserved;
    const { cpus, mem } = message.resources;
    if (!fits(message.resources, from) || !(reserving ? agent.resources.reserve(role, message.resources) : agent.resources.unreserve(role, message.resources))) {
      return `cannot ${reserving ? 'reserve' : 'unreserve'} cpus ${cpus}, mem ${mem} for role ${role}: the offer has cpus ${from.cpus}, mem ${from.mem} ${reserving ? 'unreserved' : 'reserved to it'}`;
    }
    agent.ref.tell({ type: 'agent.checkpoint_resources', reservations: agent.resources.reservations() });
    this.deps.publish({ type: 'master.reservations_changed', agentId: agent.id, reservations: agent.resources.reservations() });
    return null;
  }
}
