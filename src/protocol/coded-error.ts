/**
 * An error with a stable `code`, so that callers never match on message text. Each layer above
 * the protocol names its codes and its class (`CheckpointError`, `ClusterError`, …) on it; its
 * `name` is the class's.
 */
export class CodedError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
