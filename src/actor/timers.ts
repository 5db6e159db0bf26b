/**
 * Keyed timers that send a message to their actor, as in Akka's TimerScheduler: a timer never
 * runs code outside the actor's mailbox, and all of them are cancelled when the actor stops.
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
  private readonly active = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly deliver: (message: M) => void) {}

  once(key: string, delayMs: number, message: M): void {
    this.cancel(key);
    this.active.set(
      key,
      setTimeout(() => {
        this.active.delete(key);
        this.deliver(message);
      }, delayMs),
    );
  }

  repeat(key: string, intervalMs: number, message: M): void {
    this.cancel(key);
    this.active.set(
      key,
      setInterval(() => this.deliver(message), intervalMs),
    );
  }

  cancel(key: string): void {
    const handle = this.active.get(key);
    if (handle === undefined) return;
    clearTimeout(handle);
    this.active.delete(key);
  }

  isActive(key: string): boolean {
    return this.active.has(key);
  }

  cancelAll(): void {
    for (const handle of this.active.values()) clearTimeout(handle);
    this.active.clear();
  }
}
