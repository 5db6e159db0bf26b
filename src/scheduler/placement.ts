import { type Offer, type Resources, fits, subtract } from '../protocol/index.js';

/** What placing a batch of launches on the offers held decided. */
export interface Placement<L> {
  /** Each offer that got launches, with them. */
  readonly accepted: readonly { readonly offer: Offer; readonly launches: readonly L[] }[];
  /** Offers no launch fits. */
  readonly unused: readonly Offer[];
  /** Launches no offer fits (they wait for the next offers). */
  readonly waiting: readonly L[];
}

/**
 * Places launches on offers, each on the offer with the most cpus left, which spreads tasks
 * over agents. Linear in launches × offers; the caller places all the launches of a turn at once.
 */
export function place<L>(offers: Iterable<Offer>, launches: Iterable<L>, needs: (launch: L) => Resources): Placement<L> {
  const plans = [...offers].map((offer) => ({ offer, free: offer.resources, launches: [] as L[] }));
  const waiting: L[] = [];
  for (const launch of launches) {
    let best: (typeof plans)[number] | undefined;
    for (const plan of plans) if (fits(needs(launch), plan.free) && (best === undefined || plan.free.cpus > best.free.cpus)) best = plan;
    if (best === undefined) {
      waiting.push(launch);
      continue;
    }
    best.free = subtract(best.free, needs(launch));
    best.launches.push(launch);
  }
  return {
    accepted: plans.filter((p) => p.launches.length > 0).map(({ offer, launches: chosen }) => ({ offer, launches: chosen })),
    unused: plans.filter((p) => p.launches.length === 0).map((p) => p.offer),
    waiting,
  };
}
