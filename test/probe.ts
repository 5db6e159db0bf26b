import { type ActorContext, type ActorRef, type ActorSystem, type SystemEvent, behaviour } from '../src/index.js';

/**
 * A test actor on the main thread (like Akka's TestProbe): it keeps what it receives, and tests
 * wait for a message that matches, driven by delivery, not by sleeps.
 */
export class TestProbe {
  readonly received: unknown[] = [];
  private waiter: (() => void) | null = null;
  private context!: ActorContext<unknown>;
  ref!: ActorRef;

  static async create(system: ActorSystem, name?: string): Promise<TestProbe> {
    const probe = new TestProbe();
    probe.ref = await system.spawn(
      behaviour<unknown>({
        setup: (ctx) => {
          probe.context = ctx;
          return {
            receive: (message) => {
              probe.received.push(message);
              probe.waiter?.();
            },
          };
        },
      }),
      name === undefined ? {} : { name },
    );
    return probe;
  }

  watch(ref: ActorRef): void {
    this.context.watch(ref);
  }

  unwatch(ref: ActorRef): void {
    this.context.unwatch(ref);
  }

  /** Resolves with the first message not yet consumed that matches; consumes it. */
  async expect<T = unknown>(match: (message: unknown) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let scanned = 0;
    for (;;) {
      for (let i = scanned; i < this.received.length; i++) {
        if (match(this.received[i])) {
          const [found] = this.received.splice(i, 1);
          return found as T;
        }
      }
      scanned = this.received.length;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`probe: no matching message within ${timeoutMs} ms; received ${JSON.stringify(this.received)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = null;
          resolve();
        };
      });
    }
  }
}

/** Resolves with the next system event of `type` that matches. */
export function nextSystemEvent<K extends SystemEvent['type']>(
  system: ActorSystem,
  type: K,
  match: (event: Extract<SystemEvent, { type: K }>) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<Extract<SystemEvent, { type: K }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      system.events.off('event', listener);
      reject(new Error(`no "${type}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (event: SystemEvent) => {
      if (event.type !== type || !match(event as Extract<SystemEvent, { type: K }>)) return;
      clearTimeout(timer);
      system.events.off('event', listener);
      resolve(event as Extract<SystemEvent, { type: K }>);
    };
    system.events.on('event', listener);
  });
}
