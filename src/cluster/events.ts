import { EventEmitter } from 'eventemitter3';
import * as v from 'valibot';
import type { ActorSystem, SystemEvent } from '../actor/index.js';
import { ClusterError } from './errors.js';
import { type ClusterEvent, type ClusterEventOf, ClusterEventSchema, type ClusterEventType } from '../protocol/index.js';

export type ClusterEventMap = { [K in ClusterEventType]: [event: ClusterEventOf<K>] } & { event: [event: ClusterEvent] };

/**
 * The roles' events (published on whichever thread each runs) as typed events: each is checked
 * against `ClusterEventSchema` as it arrives, then emitted by its `type` and as `event`.
 */
export class ClusterEvents extends EventEmitter<ClusterEventMap> {
  constructor(system: ActorSystem) {
    super();
    system.events.on('custom', (event: Extract<SystemEvent, { type: 'custom' }>) => {
      const parsed = v.safeParse(ClusterEventSchema, event.data);
      if (!parsed.success) return;
      const typed = parsed.output;
      (this.emit as (type: string, event: ClusterEvent) => boolean)(typed.type, typed);
      this.emit('event', typed);
    });
  }

  /** Resolves with the next event of `type` that `matches`; rejects (`ERR_EVENT_TIMEOUT`) after `timeoutMs` (default 60 s; `Infinity`: none). */
  next<K extends ClusterEventType>(type: K, matches: (event: ClusterEventOf<K>) => boolean = () => true, timeoutMs = 60_000): Promise<ClusterEventOf<K>> {
    return new Promise((resolve, reject) => {
      const off = () => (this.off as (type: K, fn: typeof listener) => void)(type, listener);
      const timer = timeoutMs === Infinity ? undefined : setTimeout(() => {
        off();
        reject(new ClusterError('ERR_EVENT_TIMEOUT', `no ${type} event within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (event: ClusterEventOf<K>) => {
        if (!matches(event)) return;
        off();
        clearTimeout(timer);
        resolve(event);
      };
      (this.on as (type: K, fn: typeof listener) => void)(type, listener);
    });
  }
}
