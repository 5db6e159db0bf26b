import { checkDuration, setLongTimeout } from '../actor/index.js';
import { FrameworkError, type FrameworkErrorCode } from './errors.js';

export interface WaitBounds {
  /** Default 30 s; `Infinity`: no bound. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 30_000;

/**
 * A wait that settles exactly once: by what `start` sets up (it calls `settle` or `fail`, and
 * returns how to undo itself), or `timeoutCode` after `timeoutMs`, or `ERR_ABORTED` when the
 * signal fires. It is undone whichever way it ends. `detail` adds to the timeout's message.
 */
export function boundedWait<T>(
  what: string,
  bounds: WaitBounds,
  start: (settle: (value: T) => void, fail: (error: Error) => void) => () => void,
  timeoutCode: Extract<FrameworkErrorCode, 'ERR_LAUNCH_TIMEOUT' | 'ERR_WAIT_TIMEOUT'> = 'ERR_WAIT_TIMEOUT',
  detail: () => string = () => '',
): Promise<T> {
  let timeoutMs: number;
  try {
    timeoutMs = checkDuration('wait options', 'timeoutMs', bounds.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS, { infinite: true });
  } catch (error) {
    return Promise.reject(error);
  }
  const aborted = () => new FrameworkError('ERR_ABORTED', `waiting for ${what} was aborted`, { cause: bounds.signal?.reason });
  if (bounds.signal?.aborted === true) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let undo = () => {};
    const finish = (outcome: () => void) => {
      if (done) return;
      done = true;
      timer.cancel();
      bounds.signal?.removeEventListener('abort', onAbort);
      undo();
      outcome();
    };
    const onAbort = () => finish(() => reject(aborted()));
    const timer = setLongTimeout(() => finish(() => reject(new FrameworkError(timeoutCode, `no ${what} within ${timeoutMs} ms${detail()}`))), timeoutMs);
    bounds.signal?.addEventListener('abort', onAbort, { once: true });
    const undoStart = start(
      (value) => finish(() => resolve(value)),
      (error) => finish(() => reject(error)),
    );
    if (done) undoStart();
    else undo = undoStart;
  });
}
