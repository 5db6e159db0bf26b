import { type ActorSystem, behaviour, isDown } from '../../src/index.js';
import type { EventLog } from './event-log.js';

type WatchMsg = { readonly type: 'watch'; readonly addresses: readonly string[] };

/**
 * Watches executors from the main thread and logs when each ends (its Down), so that the log
 * can show whether an executor outlived its agent's recovery timeout (invariant 4).
 */
export class ExecutorWatch {
  private readonly downs = new Map<string, number>();
  private readonly waiters = new Set<() => void>();
  private send!: (message: WatchMsg) => void;

  private constructor(
    private readonly log: EventLog,
    private readonly gen: number,
  ) {}

  static async start(system: ActorSystem, log: EventLog, gen: number): Promise<ExecutorWatch> {
    const watch = new ExecutorWatch(log, gen);
    const ref = await system.spawn<WatchMsg>(
      behaviour<WatchMsg>({
        setup: (ctx) => ({
          receive: (message) => {
            if (isDown(message)) return watch.ended(message.ref.address);
            for (const address of message.addresses) ctx.watch(ctx.refFor(address));
            return undefined;
          },
        }),
      }),
      { name: 'chaos-executor-watch' },
    );
    watch.send = (message) => ref.tell(message);
    return watch;
  }

  watch(addresses: readonly string[]): void {
    for (const address of addresses) this.downs.delete(address);
    this.send({ type: 'watch', addresses });
  }

  /** Resolves once every one of `addresses` has ended, or at `deadline` (ms since the epoch); with those still running. */
  async untilEnded(addresses: readonly string[], deadline: number): Promise<string[]> {
    for (;;) {
      const running = addresses.filter((address) => !this.downs.has(address));
      const left = deadline - Date.now();
      if (running.length === 0 || left <= 0) return running;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
      });
    }
  }

  private ended(address: string): void {
    const at = Date.now();
    this.downs.set(address, at);
    this.log.write({ t: 'executor_down', gen: this.gen, address, at });
    for (const waiter of [...this.waiters]) waiter();
    this.waiters.clear();
  }
}
