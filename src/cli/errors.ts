/** A mistake on the command line or in what it points at: reported in one line, exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Error codes that mean the user asked for something impossible (exit 2), not that mesolith failed (exit 1). */
const USAGE_CODES = new Set(['ERR_INVALID_OPTIONS', 'ERR_INSECURE_BIND', 'ERR_ADDRESS_IN_USE', 'ERR_ADDRESS_NOT_AVAILABLE', 'ERR_ADDRESS_FORBIDDEN', 'ERR_CHECKPOINT_LOCKED', 'ERR_NOT_A_WORK_DIR', 'ERR_NO_BENCHMARKS', 'ERR_UNKNOWN_BENCHMARK']);

export function exitCodeOf(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && USAGE_CODES.has(code) ? 2 : 1;
}

/** `mesolith: <message> (<code>)`. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
