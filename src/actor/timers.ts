import { checkDuration } from './duration.js';
import { type LongTimer, setLongInterval, setLongTimeout } from './long-timer.js';

/**
 * Keyed timers that send a message to their actor, as in Akka's TimerScheduler: a timer never
 * runs code outside the actor's mailbox, and all of them are cancelled when the actor stops.
 * Delays are ms from 0 to MAX_DURATION_MS (10 years); `Infinity` never fires (the timer stays
 * active until cancelled, so a configured "no timeout" needs no special case). Anything else
 * throws ERR_INVALID_OPTIONS.
 */
export interface Timers<M> {
  /** Sends `message` to self after `delayMs`; replaces any timer with the same key. */
  once(key: string, delayMs: number, message: M): void;
  /** Sends `message` to self every `intervalMs`; replaces any timer with the same key. */
  repeat(key: string, intervalMs: number, message: M): void;
  cancel(key: string): void;
  isActive(key: string): boolean;
}

export class ActorTimers<M> implements Timers<M> {
  private readonly active = new Map<string, LongTimer>();

  constructor(private readonly deliver: (message: M) => void) {}

  once(key: string, delayMs: number, message: M): void {
    checkDuration('timers.once', 'delayMs', delayMs, { infinite: true });
    this.cancel(key);
    this.active.set(
      key,
      setLongTimeout(() => {
        this.active.delete(key);
        this.deliver(message);
      }, delayMs),
    );
  }

  repeat(key: string, intervalMs: number, message: M): void {
    checkDuration('timers.repeat', 'intervalMs', intervalMs, { infinite: true });
    this.cancel(key);
    this.active.set(
      key,
      setLongInterval(() => this.deliver(message), intervalMs),
    );
  }

  cancel(key: string): void {
    const timer = this.active.get(key);
    if (timer === undefined) return;
    timer.cancel();
    this.active.delete(key);
  }

  isActive(key: string): boolean {
    return this.active.has(key);
  }

  cancelAll(): void {
    for (const timer of this.active.values()) timer.cancel();
    this.active.clear();
  }
}
