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
  | 'ERR_SUPERVISOR_ESCALATED';

export class MesolithError extends Error {
  readonly code: RuntimeErrorCode;
  constructor(code: RuntimeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'MesolithError';
  }
}

export const errors = {
  askTimeout: (to: string, ms: number) =>
    new MesolithError('ERR_ASK_TIMEOUT', `ask to ${to} timed out after ${ms} ms`),
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
  behaviourNotFound: (module: string, exportName: string, cause?: unknown) =>
    new MesolithError(
      'ERR_BEHAVIOUR_NOT_FOUND',
      `behaviour "${exportName}" could not be loaded from ${module}: it must be a named export created with behaviour()`,
      { cause },
    ),
  systemStopped: () => new MesolithError('ERR_SYSTEM_STOPPED', 'the actor system has stopped'),
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
