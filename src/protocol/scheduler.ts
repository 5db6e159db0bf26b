import * as v from 'valibot';
import { message, text } from './fields.js';
import { AgentIdSchema, FrameworkIdSchema, OfferIdSchema } from './ids.js';
import { OfferSchema, TaskStatusSchema } from './model.js';
import { ResourcesSchema } from './resources.js';

/** Everything a framework's scheduler actor receives from the master. */
export const SchedulerInbox = v.variant('type', [
  message('scheduler.registered', { frameworkId: FrameworkIdSchema }),
  message('scheduler.offers', { offers: v.array(OfferSchema) }),
  message('scheduler.rescind', { offerId: OfferIdSchema }),
  message('scheduler.update', { status: TaskStatusSchema }),
  /** An agent was removed or marked unreachable (Mesos's slaveLost). */
  message('scheduler.agent_lost', { agentId: AgentIdSchema }),
  /** The totals of the agents the master knows, so that a task no agent could ever run is refused at once. Sent when they change. */
  message('scheduler.agents', { totals: v.array(ResourcesSchema) }),
  /** The master refused or ended this scheduler (a failover took the framework over, say). */
  message('scheduler.error', { code: text(64), message: text(65_536) }),
]);
export type SchedulerMsg = v.InferOutput<typeof SchedulerInbox>;
