import { checkDuration } from './duration.js';
import { errors, shown } from './errors.js';
import { type LongTimer, setLongTimeout } from './long-timer.js';
import type { AskOptions } from './ref.js';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: LongTimer;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** The node the ask went to, so the asks can be failed at once if that worker dies. */
  node: string;
}

/**
 * The timeout of one ask, its options checked by hand (asks are the hot path): `fallback` (the
 * system's `askTimeoutMs`) unless `timeoutMs` is given; `Infinity` is no timeout.
 */
export function askTimeoutOf(options: AskOptions | undefined | null, fallback: number): number {
  if (options === undefined || options === null) return fallback;
  if (typeof options !== 'object') throw errors.invalidOptions(`invalid ask options: expected an object, got ${shown(options)}`);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw errors.invalidOptions(`invalid ask options: options.signal: expected an AbortSignal, got ${shown(options.signal)}`);
  }
  if (options.timeoutMs === undefined) return fallback;
  return checkDuration('ask options', 'options.timeoutMs', options.timeoutMs, { infinite: true });
}

/**
 * One dispatcher per thread matches replies to asks by request id: there is no listener per
 * call, only a map entry and a timer.
 */
export class AskDispatcher {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /** `describeRoute` says what became of the way to a node, for the message of an ask that timed out there. */
  constructor(private readonly describeRoute: (node: string) => string | undefined = () => undefined) {}

  get size(): number {
    return this.pending.size;
  }

  /**
   * Registers an ask and returns its id and the promise of its reply. `timeoutMs` is checked by
   * the caller; `Infinity` sets no timeout.
   */
  open<R>(to: string, node: string, timeoutMs: number, signal?: AbortSignal): [number, Promise<R>] {
    const id = this.nextId++;
    if (this.nextId > 0x7fffffff) this.nextId = 1;
    const openedAt = performance.now();
    const promise = new Promise<R>((resolve, reject) => {
      const entry: Pending = {
        resolve: resolve as (value: unknown) => void,
        reject,
        timer: setLongTimeout(() => this.fail(id, errors.askTimeout(to, timeoutMs, this.timeoutFacts(node, performance.now() - openedAt - timeoutMs))), timeoutMs),
        signal,
        onAbort: undefined,
        node,
      };
      if (signal) {
        if (signal.aborted) {
          entry.timer.cancel();
          reject(errors.askAborted(to, signal.reason));
          return;
        }
        entry.onAbort = () => this.fail(id, errors.askAborted(to, signal.reason));
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.pending.set(id, entry);
    });
    return [id, promise];
  }

  /** What a timed-out ask's message adds: where its envelope was, and whether this thread was blocked (the timer firing late). */
  private timeoutFacts(node: string, lateMs: number): string[] {
    const route = this.describeRoute(node);
    const facts = route === undefined ? [] : [route];
    if (lateMs >= 1_000) facts.push(`its timer fired ${Math.round(lateMs)} ms late: this thread was blocked`);
    return facts;
  }

  resolve(id: number, value: unknown): void {
    const entry = this.take(id);
    entry?.resolve(value);
  }

  fail(id: number, error: Error): void {
    const entry = this.take(id);
    entry?.reject(error);
  }

  /** Fails every ask that went to `node` (its worker died). */
  failNode(node: string, error: () => Error): void {
    for (const [id, entry] of this.pending) if (entry.node === node) this.fail(id, error());
  }

  failAll(error: () => Error): void {
    for (const id of [...this.pending.keys()]) this.fail(id, error());
  }

  private take(id: number): Pending | undefined {
    const entry = this.pending.get(id);
    if (entry === undefined) return undefined;
    this.pending.delete(id);
    entry.timer.cancel();
    if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
    return entry;
  }
}
