/**
 * Every error the runtime raises, each with a stable `code` so callers never match on message text.
 * Errors that cross a thread boundary are flattened by `serializeError` and rebuilt by
 * `deserializeError`, keeping name, message, stack, `code` and the `cause` chain.
 */
export type RuntimeErrorCode =
  | 'ERR_ASK_TIMEOUT'
  | 'ERR_ASK_ABORTED'
  | 'ERR_MAILBOX_FULL'
  | 'ERR_NO_SUCH_ACTOR'
  | 'ERR_ACTOR_STOPPED'
  | 'ERR_WORKER_EXITED'
  | 'ERR_NAME_TAKEN'
  | 'ERR_INVALID_OPTIONS'
  | 'ERR_INVALID_MESSAGE'
  | 'ERR_BEHAVIOUR_NOT_FOUND'
  | 'ERR_SYSTEM_STOPPED'
  | 'ERR_SYSTEM_IN_WORKER'
  | 'ERR_SPAWN_TIMEOUT'
  | 'ERR_SPAWN_ABORTED'
  | 'ERR_INVALID_ADDRESS'
  | 'ERR_SUPERVISOR_ESCALATED'
  | 'ERR_FAULT_TIMEOUT';

export class MesolithError extends Error {
  readonly code: RuntimeErrorCode;
  constructor(code: RuntimeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'MesolithError';
  }
}

const MAX_SHOWN = 120;

/** Text cut to `max` characters, for messages that quote what a caller gave. */
export function cut(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * A short, safe description of a value a caller gave, for error messages: strings are cut to
 * MAX_SHOWN characters and nothing of the value's own code (getters, toString) runs.
 */
export function shown(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(cut(value, MAX_SHOWN)) + (value.length > MAX_SHOWN ? ` (${value.length} characters)` : '');
    case 'function':
      return 'a function';
    case 'object':
      if (value === null) return 'null';
      try {
        return Array.isArray(value) ? 'an array' : 'an object';
      } catch {
        return 'an object';
      }
    default:
      return String(value);
  }
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? ` ${code}` : '';
}

export const errors = {
  askTimeout: (to: string, ms: number, facts: readonly string[] = []) =>
    new MesolithError('ERR_ASK_TIMEOUT', `ask to ${to} timed out after ${ms} ms${facts.length === 0 ? '' : ` (${facts.join('; ')})`}`),
  askAborted: (to: string, reason: unknown) =>
    new MesolithError('ERR_ASK_ABORTED', `ask to ${to} was aborted`, { cause: reason }),
  mailboxFull: (to: string, capacity: number) =>
    new MesolithError('ERR_MAILBOX_FULL', `mailbox of ${to} is full (capacity ${capacity})`),
  noSuchActor: (to: string) => new MesolithError('ERR_NO_SUCH_ACTOR', `no actor at ${to}`),
  actorStopped: (to: string) =>
    new MesolithError('ERR_ACTOR_STOPPED', `${to} stopped before it replied`),
  workerExited: (node: string) =>
    new MesolithError('ERR_WORKER_EXITED', `worker ${node} exited`),
  nameTaken: (name: string, node: string) =>
    new MesolithError('ERR_NAME_TAKEN', `an actor named "${name}" already runs on ${node}`),
  invalidOptions: (message: string) => new MesolithError('ERR_INVALID_OPTIONS', message),
  invalidMessage: (to: string, detail: string) =>
    new MesolithError('ERR_INVALID_MESSAGE', `message to ${to} failed validation: ${detail}`),
  behaviourNotFound: (module: string, exportName: string) =>
    new MesolithError(
      'ERR_BEHAVIOUR_NOT_FOUND',
      `behaviour ${shown(exportName)} could not be loaded from ${shown(module)}: it must be a named export created with behaviour()`,
    ),
  behaviourImportFailed: (module: string, exportName: string, cause: unknown) =>
    new MesolithError(
      'ERR_BEHAVIOUR_NOT_FOUND',
      `behaviour ${shown(exportName)} could not be loaded from ${shown(module)}: importing the module threw${codeOf(cause)}: ${cause instanceof Error ? cut(cause.message) : shown(cause)}`,
      { cause },
    ),
  systemStopped: () => new MesolithError('ERR_SYSTEM_STOPPED', 'the actor system has stopped'),
  systemInWorker: (node: string) =>
    new MesolithError(
      'ERR_SYSTEM_IN_WORKER',
      `ActorSystem.start() was called in worker ${node} of an actor system: the worker imported this module to find a behaviour in it, ` +
        'which ran the module\'s top level again. Start the system only in the main thread — guard that code with ' +
        '`if (isMainThread)` (from node:worker_threads) — or keep behaviours in a module of their own',
    ),
  spawnTimeout: (what: string, ms: number) =>
    new MesolithError(
      'ERR_SPAWN_TIMEOUT',
      `spawn of ${what} did not complete within ${ms} ms; the half-started actor (and any worker started for it) was ended`,
    ),
  spawnAborted: (what: string, reason: unknown) =>
    new MesolithError('ERR_SPAWN_ABORTED', `spawn of ${what} was aborted`, { cause: reason }),
  invalidAddress: (value: unknown) =>
    new MesolithError('ERR_INVALID_ADDRESS', `${shown(value)} is not an actor address: expected "name@node"`),
  faultTimeout: (type: string, ms: number) => new MesolithError('ERR_FAULT_TIMEOUT', `no message of type ${type} within ${ms} ms`),
  supervisorEscalated: (name: string, restarts: number, withinMs: number, cause?: unknown) =>
    new MesolithError(
      'ERR_SUPERVISOR_ESCALATED',
      `supervisor ${name} exceeded its restart intensity (${restarts} restarts within ${withinMs} ms) and gave up`,
      { cause },
    ),
};

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string;
  readonly cause?: SerializedError | { readonly value: unknown };
  /** The error's other own string, number and boolean properties (a checkpoint error's `key`, say). */
  readonly props?: Readonly<Record<string, string | number | boolean>>;
}

export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) {
    return { name: 'Error', message: String(error) };
  }
  const out: { -readonly [K in keyof SerializedError]: SerializedError[K] } = {
    name: error.name,
    message: error.message,
  };
  if (error.stack !== undefined) out.stack = error.stack;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') out.code = code;
  const props: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key !== 'code' && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) props[key] = value;
  }
  if (Object.keys(props).length > 0) out.props = props;
  if (error.cause !== undefined && depth < 8) {
    out.cause =
      error.cause instanceof Error ? serializeError(error.cause, depth + 1) : { value: error.cause };
  }
  return out;
}

export function deserializeError(data: SerializedError): Error {
  const cause =
    data.cause === undefined
      ? undefined
      : 'name' in data.cause
        ? deserializeError(data.cause)
        : data.cause.value;
  const error = new Error(data.message, cause === undefined ? undefined : { cause });
  error.name = data.name;
  if (data.stack !== undefined) error.stack = data.stack;
  if (data.code !== undefined) (error as Error & { code: string }).code = data.code;
  if (data.props !== undefined) Object.assign(error, data.props);
  return error;
}
