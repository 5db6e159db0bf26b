import { CodedError } from './coded-error.js';

/** Why a value was refused where it entered the cluster: a stable `code`, and the field at fault. */
export type ProtocolErrorCode = 'ERR_INVALID_ID' | 'ERR_INVALID_TASK';

export class ProtocolError extends CodedError<ProtocolErrorCode> {
  constructor(
    code: ProtocolErrorCode,
    /** The path of the offending field, e.g. `resources.cpus`; empty for the value as a whole. */
    readonly field: string,
    message: string,
  ) {
    super(code, message);
  }
}
