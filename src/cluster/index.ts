export type { AgentFlags, HostSpec } from '../agent/agent.js';
export type { MasterArgs } from '../master/master.js';
export type { MasterState } from '../master/messages.js';
export { Framework, type FrameworkOptions, type LaunchRequest, type Launched } from '../scheduler/framework.js';
export { type AgentRecovery, type ClusterState, LocalCluster, type HostOptions, type LocalClusterOptions } from './local-cluster.js';
export type { Offer, TaskDescription, TaskRun, TaskStatus } from './types.js';
