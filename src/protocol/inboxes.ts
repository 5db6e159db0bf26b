import type { AgentMsg } from './agent.js';
import type { DirectoryMsg } from './directory.js';
import type { ExecutorMsg } from './executor.js';
import type { LauncherMsg } from './launcher.js';
import type { MasterMsg } from './master.js';
import type { SchedulerMsg } from './scheduler.js';

/** Every inbox of the cluster, by role: what `Peer<K>` can send. */
export interface Inboxes {
  master: MasterMsg;
  agent: AgentMsg;
  executor: ExecutorMsg;
  launcher: LauncherMsg;
  scheduler: SchedulerMsg;
  directory: DirectoryMsg;
}
