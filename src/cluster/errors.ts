import { CodedError } from '../protocol/index.js';

/** Errors of `LocalCluster`, each with a stable `code`. */
export type ClusterErrorCode = 'ERR_CLUSTER_START_TIMEOUT' | 'ERR_WORK_DIR_IN_USE' | 'ERR_NO_SUCH_AGENT' | 'ERR_CLUSTER_STOPPED' | 'ERR_EVENT_TIMEOUT';

export class ClusterError extends CodedError<ClusterErrorCode> {}
