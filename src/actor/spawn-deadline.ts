import { errors } from './errors.js';
import { type LongTimer, setLongTimeout } from './long-timer.js';

/**
 * The signal one spawn runs under: aborted with ERR_SPAWN_TIMEOUT once `timeoutMs` passes,
 * with ERR_SPAWN_ABORTED when the caller's signal aborts or `cancel()` is called. Call `end()`
 * once the spawn has settled.
 */
export class SpawnDeadline {
  private readonly controller = new AbortController();
  private readonly timer: LongTimer;
  private readonly onCallerAbort: (() => void) | undefined;

  constructor(
    private readonly target: string,
    timeoutMs: number,
    private readonly caller?: AbortSignal,
  ) {
    this.timer = setLongTimeout(() => this.controller.abort(errors.spawnTimeout(target, timeoutMs)), timeoutMs);
    if (caller === undefined) return;
    this.onCallerAbort = () => this.cancel(caller.reason);
    if (caller.aborted) this.onCallerAbort();
    else caller.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  cancel(reason: unknown): void {
    if (!this.controller.signal.aborted) this.controller.abort(errors.spawnAborted(this.target, reason));
  }

  end(): void {
    this.timer.cancel();
    if (this.onCallerAbort !== undefined) this.caller?.removeEventListener('abort', this.onCallerAbort);
  }
}
