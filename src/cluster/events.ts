import { EventEmitter } from 'eventemitter3';
import * as v from 'valibot';
import { type ActorSystem, type SystemEvent, setLongTimeout } from '../actor/index.js';
import { ClusterError } from './errors.js';
import { type ClusterEvent, type ClusterEventOf, ClusterEventSchema, type ClusterEventType } from '../protocol/index.js';

/** An event as received: when (ms since the epoch, on the main thread) and from which actor. */
export interface ReceivedEvent {
  readonly event: ClusterEvent;
  readonly source: string;
  readonly at: number;
}

export type ClusterEventMap = { [K in ClusterEventType]: [event: ClusterEventOf<K>] } & { event: [event: ClusterEvent, received: ReceivedEvent] };

/** Events kept for `recent()`: enough for a web view or a log attached after the start. */
const RECENT_EVENTS = 200;

/**
 * The roles' events (published on whichever thread each runs) as typed events: each is checked
 * against `ClusterEventSchema` as it arrives, then emitted by its `type` and as `event`. The
 * last 200 are kept, so that whoever attaches later (a logger, the web view) sees the start.
 */
export class ClusterEvents extends EventEmitter<ClusterEventMap> {
  private readonly kept: ReceivedEvent[] = [];

  constructor(system: ActorSystem) {
    super();
    system.events.on('custom', (event: Extract<SystemEvent, { type: 'custom' }>) => {
      const parsed = v.safeParse(ClusterEventSchema, event.data);
      if (!parsed.success) return;
      const typed = parsed.output;
      const received: ReceivedEvent = { event: typed, source: event.source, at: Date.now() };
      this.kept.push(received);
      if (this.kept.length > RECENT_EVENTS) this.kept.shift();
      (this.emit as (type: string, event: ClusterEvent) => boolean)(typed.type, typed);
      this.emit('event', typed, received);
    });
  }

  /** The last events received, oldest first. */
  recent(): readonly ReceivedEvent[] {
    return [...this.kept];
  }

  /** Resolves with the next event of `type` that `matches`; rejects (`ERR_EVENT_TIMEOUT`) after `timeoutMs` (default 60 s; `Infinity`: none). */
  next<K extends ClusterEventType>(type: K, matches: (event: ClusterEventOf<K>) => boolean = () => true, timeoutMs = 60_000): Promise<ClusterEventOf<K>> {
    return new Promise((resolve, reject) => {
      const off = () => (this.off as (type: K, fn: typeof listener) => void)(type, listener);
      const timer = setLongTimeout(() => {
        off();
        reject(new ClusterError('ERR_EVENT_TIMEOUT', `no ${type} event within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (event: ClusterEventOf<K>) => {
        if (!matches(event)) return;
        off();
        timer.cancel();
        resolve(event);
      };
      (this.on as (type: K, fn: typeof listener) => void)(type, listener);
    });
  }
}
