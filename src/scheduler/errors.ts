import { CodedError } from '../protocol/index.js';

/** Errors of the framework API, each with a stable `code`. */
export type FrameworkErrorCode =
  | 'ERR_REGISTRATION_TIMEOUT'
  | 'ERR_REGISTRATION_REFUSED'
  | 'ERR_LAUNCH_TIMEOUT'
  | 'ERR_ABORTED'
  | 'ERR_WAIT_TIMEOUT'
  | 'ERR_TASK_ENDED'
  | 'ERR_FRAMEWORK_FAILED_OVER'
  | 'ERR_FRAMEWORK_ERROR'
  | 'ERR_NOT_REGISTERED';

export class FrameworkError extends CodedError<FrameworkErrorCode> {}
