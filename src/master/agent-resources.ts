import { NO_RESOURCES, type OfferId, type Reservations, type Resources, UNRESERVED, add, fits, minOf, nonNegative, subtract } from '../protocol/index.js';

/** What a task or an offer takes from an agent: some of its role's reservation, some of the unreserved rest. */
export interface Allocation {
  readonly role: string;
  readonly reserved: Resources;
  readonly unreserved: Resources;
}

export const sumOf = (a: Allocation): Resources => add(a.reserved, a.unreserved);

/**
 * One agent's resources as the master accounts them (Mesos: the allocator's view of a slave):
 * its total, the parts reserved to roles (dynamic reservations, which the agent checkpoints),
 * what tasks use and what outstanding offers hold, per pool. A framework of role R is offered
 * the unreserved rest plus what is left of R's reservation; a task uses its role's reservation
 * first.
 */
export class AgentResources {
  private readonly reserved = new Map<string, Resources>();
  private readonly used = new Map<string, Resources>();
  private readonly held = new Map<OfferId, Allocation>();

  constructor(
    private total: Resources,
    reservations: Reservations = {},
  ) {
    for (const [role, resources] of Object.entries(reservations)) this.reserved.set(role, resources);
  }

  get totalResources(): Resources {
    return this.total;
  }

  /** The reservations, as the agent checkpoints them. */
  reservations(): Reservations {
    return Object.fromEntries(this.reserved);
  }

  /** Not used by tasks (offers held count as free), over every pool. */
  free(): Resources {
    let free = this.total;
    for (const used of this.used.values()) free = subtract(free, used);
    return free;
  }

  /** Used by tasks, over every pool. */
  usedResources(): Resources {
    return subtract(this.total, this.free());
  }

  /** What an offer to a framework of `role` can hold now. */
  offerable(role: string): Allocation {
    return { role, reserved: role === UNRESERVED ? NO_RESOURCES : this.available(role), unreserved: this.available(UNRESERVED) };
  }

  hold(offerId: OfferId, allocation: Allocation): void {
    this.held.set(offerId, allocation);
  }

  /** The offer is accepted, declined or rescinded: what it held is available again (and returned). */
  release(offerId: OfferId): Allocation | undefined {
    const allocation = this.held.get(offerId);
    this.held.delete(offerId);
    return allocation;
  }

  offerIds(): OfferId[] {
    return [...this.held.keys()];
  }

  /** How a task needing `need` is carved out of `from` (its role's reservation first); null if it does not fit. */
  carve(need: Resources, from: Allocation): Allocation | null {
    if (!fits(need, sumOf(from))) return null;
    const reserved = minOf(need, from.reserved);
    return { role: from.role, reserved, unreserved: subtract(need, reserved) };
  }

  use(allocation: Allocation): void {
    this.change(allocation, add);
  }

  unuse(allocation: Allocation): void {
    this.change(allocation, subtract);
  }

  /**
   * Takes `resources` from the unreserved pool into `role`'s reservation (Mesos RESERVE); only
   * what is available now (not used, not held by another offer). False if they do not fit.
   */
  reserve(role: string, resources: Resources): boolean {
    if (role === UNRESERVED || !fits(resources, this.available(UNRESERVED))) return false;
    this.reserved.set(role, add(this.reserved.get(role) ?? NO_RESOURCES, resources));
    return true;
  }

  /** Gives back part of `role`'s reservation (Mesos UNRESERVE); only what its tasks do not use. */
  unreserve(role: string, resources: Resources): boolean {
    const current = this.reserved.get(role);
    if (current === undefined || !fits(resources, this.available(role))) return false;
    const left = subtract(current, resources);
    if (left.cpus <= 0 && left.mem <= 0) this.reserved.delete(role);
    else this.reserved.set(role, left);
    return true;
  }

  /** The agent reregistered: a new total, and the tasks it runs charged again (offers are void). */
  reset(total: Resources, tasks: Iterable<Allocation>): void {
    this.total = total;
    this.used.clear();
    this.held.clear();
    for (const allocation of tasks) this.use(allocation);
  }

  /** Charges a task the master learns of without an offer (a reregistering agent's report). */
  charge(role: string, need: Resources): Allocation {
    const allocation = this.carve(need, this.offerable(role)) ?? { role, reserved: NO_RESOURCES, unreserved: need };
    this.use(allocation);
    return allocation;
  }

  private capacity(pool: string): Resources {
    if (pool !== UNRESERVED) return this.reserved.get(pool) ?? NO_RESOURCES;
    let unreserved = this.total;
    for (const reservation of this.reserved.values()) unreserved = subtract(unreserved, reservation);
    return unreserved;
  }

  private available(pool: string): Resources {
    let left = subtract(this.capacity(pool), this.used.get(pool) ?? NO_RESOURCES);
    for (const offer of this.held.values()) left = subtract(left, pool === UNRESERVED ? offer.unreserved : offer.role === pool ? offer.reserved : NO_RESOURCES);
    return nonNegative(left);
  }

  private change(allocation: Allocation, op: (a: Resources, b: Resources) => Resources): void {
    if (allocation.role !== UNRESERVED) this.used.set(allocation.role, op(this.used.get(allocation.role) ?? NO_RESOURCES, allocation.reserved));
    this.used.set(UNRESERVED, op(this.used.get(UNRESERVED) ?? NO_RESOURCES, allocation.unreserved));
  }
}
