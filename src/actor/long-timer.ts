import { checkDuration } from './duration.js';

/** The longest delay Node's `setTimeout` honours; past it, Node fires after 1 ms. */
export const MAX_TIMER_STEP_MS = 2 ** 31 - 1;

/** What a long timer schedules its steps with: Node's timers, or a fake clock in tests. */
export interface TimerScheduler {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const nodeScheduler: TimerScheduler = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface LongTimerOptions {
  /** Do not keep the process alive for this timer (Node's `timer.unref()`). Default false. */
  readonly unref?: boolean;
  readonly scheduler?: TimerScheduler;
}

export interface LongTimer {
  /** True until it has fired (a timeout) or been cancelled. */
  readonly pending: boolean;
  cancel(): void;
}

/**
 * A timer of any duration up to MAX_DURATION_MS, run as a chain of `setTimeout` steps of at
 * most MAX_TIMER_STEP_MS each. `Infinity` never fires: it stays pending until cancelled.
 */
class SteppedTimer implements LongTimer {
  private handle: unknown = undefined;
  private remaining: number;
  private active = true;
  private readonly scheduler: TimerScheduler;

  constructor(
    private readonly callback: () => void,
    private readonly delayMs: number,
    private readonly repeat: boolean,
    private readonly options: LongTimerOptions,
  ) {
    this.scheduler = options.scheduler ?? nodeScheduler;
    this.remaining = delayMs;
    if (delayMs !== Infinity) this.arm();
  }

  get pending(): boolean {
    return this.active;
  }

  cancel(): void {
    if (!this.active) return;
    this.active = false;
    if (this.handle !== undefined) this.scheduler.clearTimeout(this.handle);
    this.handle = undefined;
  }

  private arm(): void {
    const step = Math.min(this.remaining, MAX_TIMER_STEP_MS);
    this.remaining -= step;
    this.handle = this.scheduler.setTimeout(this.step, step);
    if (this.options.unref) (this.handle as { unref?: () => void }).unref?.();
  }

  private readonly step = (): void => {
    if (this.remaining > 0) {
      this.arm();
      return;
    }
    this.handle = undefined;
    if (this.repeat) {
      this.remaining = this.delayMs;
      this.arm();
    } else {
      this.active = false;
    }
    this.callback();
  };
}

/** Calls `callback` once after `delayMs` (0…MAX_DURATION_MS, or Infinity: never). */
export function setLongTimeout(callback: () => void, delayMs: number, options: LongTimerOptions = {}): LongTimer {
  checkDuration('setLongTimeout', 'delayMs', delayMs, { infinite: true });
  return new SteppedTimer(callback, delayMs, false, options);
}

/** Calls `callback` every `intervalMs` (0…MAX_DURATION_MS, or Infinity: never). */
export function setLongInterval(callback: () => void, intervalMs: number, options: LongTimerOptions = {}): LongTimer {
  checkDuration('setLongInterval', 'intervalMs', intervalMs, { infinite: true });
  return new SteppedTimer(callback, intervalMs, true, options);
}
