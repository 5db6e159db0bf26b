export { AGENT_DEFAULTS, type AgentArgs, type AgentFlags, type HostSpec } from '../agent/options.js';
export { MASTER_DEFAULTS, type MasterArgs, type MasterFlags } from '../master/options.js';
export { Framework, type FrameworkOptions, type LaunchOptions, type LaunchRequest, type Launched, type WaitOptions } from '../scheduler/framework.js';
export { FrameworkError, type FrameworkErrorCode } from '../scheduler/errors.js';
export { ClusterError, type ClusterErrorCode } from './errors.js';
export { ClusterEvents, type ClusterEventMap, type ReceivedEvent } from './events.js';
export { type AgentRecovery, type ClusterState, LocalCluster, type HostOptions, type LocalClusterOptions } from './local-cluster.js';
