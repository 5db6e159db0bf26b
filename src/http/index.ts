export { type ClusterServer, type ServeOptions, serveCluster } from './server.js';
export { HttpError, ServerStartError } from './errors.js';
export { ClusterMonitor, type AgentStatus, type ClusterSnapshot } from '../observe/monitor.js';
export type { ObservedEvent } from '../observe/cluster-adapter.js';
export type { StateJson } from './state-json.js';
