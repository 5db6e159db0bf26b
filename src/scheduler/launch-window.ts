import { type LongTimer, setLongTimeout } from '../actor/index.js';

/**
 * The tasks a framework has launched whose first update has not come back yet, at most `limit`
 * of them: `launch()` sends no more until some do, so that a burst of launches does not queue in
 * the master, the agents and the executors all at once (where every message waiting its turn
 * outlives the young generation and grows each thread's heap). A task that never answers (its
 * accept lost, say) stops counting after `expiryMs`, so the window cannot close for good.
 */
export class LaunchWindow {
  /** Task id → when it was launched; insertion order is launch order. */
  private readonly open = new Map<string, number>();
  private expiryTimer: LongTimer | undefined;

  constructor(
    private readonly limit: number,
    private readonly expiryMs: number,
    /** Called when room opens by expiry (room that updates open, the caller sees itself). */
    private readonly onExpiry: () => void,
  ) {}

  /** How many more tasks may be launched now. */
  room(now = Date.now()): number {
    for (const [taskId, launchedAt] of this.open) {
      if (launchedAt + this.expiryMs > now) break;
      this.open.delete(taskId);
    }
    return Math.max(0, this.limit - this.open.size);
  }

  launched(taskId: string, now = Date.now()): void {
    this.open.delete(taskId);
    this.open.set(taskId, now);
  }

  /** The task's update came back; true if that opened room. */
  answered(taskId: string): boolean {
    return this.open.delete(taskId);
  }

  /** Launches are held back for room: make sure the oldest slot's expiry calls back. */
  waitForRoom(now = Date.now()): void {
    if (this.expiryTimer !== undefined) return;
    const [oldest] = this.open.values();
    if (oldest === undefined) return;
    this.expiryTimer = setLongTimeout(() => {
      this.expiryTimer = undefined;
      this.onExpiry();
    }, Math.max(0, oldest + this.expiryMs - now), { unref: true });
  }

  clear(): void {
    this.open.clear();
    this.expiryTimer?.cancel();
    this.expiryTimer = undefined;
  }
}
