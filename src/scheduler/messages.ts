import type { FrameworkId } from '../checkpoint/index.js';
import type { Offer, TaskStatus } from '../cluster/types.js';

/** Everything a framework's scheduler actor receives from the master. */
export type SchedulerMsg =
  | { readonly type: 'scheduler.registered'; readonly frameworkId: FrameworkId }
  | { readonly type: 'scheduler.offers'; readonly offers: readonly Offer[] }
  | { readonly type: 'scheduler.rescind'; readonly offerId: string }
  | { readonly type: 'scheduler.update'; readonly status: TaskStatus }
  | { readonly type: 'scheduler.error'; readonly message: string };
