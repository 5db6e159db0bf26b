/**
 * SIGINT and SIGTERM: the first asks for a graceful stop (the returned signal aborts); the
 * second ends the process at once with 128 + the signal's number, after `onForce` (which must
 * be synchronous).
 */
const EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export interface StopRequest {
  readonly signal: AbortSignal;
  /** The name of the first signal received, once there was one. */
  readonly received: () => NodeJS.Signals | undefined;
  /** Removes the handlers (the process then reacts to signals as by default). */
  readonly dispose: () => void;
}

export function onStopSignals(onFirst: (name: NodeJS.Signals) => void, onForce: (name: NodeJS.Signals) => void): StopRequest {
  const controller = new AbortController();
  let first: NodeJS.Signals | undefined;
  const handler = (name: NodeJS.Signals) => {
    if (first === undefined) {
      first = name;
      onFirst(name);
      controller.abort();
      return;
    }
    onForce(name);
    process.exit(EXIT_CODES[name] ?? 1);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    received: () => first,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
