import { type LongTimer, setLongTimeout } from './long-timer.js';

/**
 * `work`, unless `signal` aborts first: then it rejects at once with `signal.reason`, after
 * `onAbort` is given `work` to undo whatever it may still complete. A later settlement of
 * `work` is otherwise ignored.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, onAbort?: (late: Promise<T>) => void): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => {
      work.catch(() => undefined);
      onAbort?.(work);
      reject(signal.reason);
    };
    if (signal.aborted) {
      abort();
      return;
    }
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}

/** `work`'s value, or `undefined` once `ms` pass first (the work goes on; its result is ignored). */
export function within<T>(ms: number, work: Promise<T>): Promise<T | undefined> {
  let timer: LongTimer | undefined;
  const overdue = new Promise<undefined>((resolve) => (timer = setLongTimeout(() => resolve(undefined), ms)));
  return Promise.race([work, overdue]).finally(() => timer?.cancel());
}
