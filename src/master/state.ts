import type { FrameworkId, FrameworkInfo, MasterState, StorageFailure } from '../protocol/index.js';
import { sumOf } from './agent-resources.js';
import type { MasterBook } from './book.js';
import type { FrameworkEntry } from './entries.js';

/** What `master.state` answers: the master's book as it is now, and why registry writes fail, if they do. */
export function masterState(book: MasterBook, registryFailure: StorageFailure | undefined): MasterState {
  const framework = (id: FrameworkId, info: FrameworkInfo, entry: FrameworkEntry | undefined) => ({
    frameworkId: id,
    name: info.name,
    ...(info.role === undefined ? {} : { role: info.role }),
    checkpoint: info.checkpoint,
    partitionAware: info.partitionAware === true,
    connected: entry?.connected === true,
    recovered: entry === undefined,
    registeredAt: entry?.registeredAt ?? 0,
  });
  return {
    agents: [...book.agents.values()].map((a) => ({
      agentId: a.id,
      hostname: a.info.hostname,
      attributes: a.info.attributes,
      status: a.connected ? 'active' : 'disconnected',
      total: a.info.resources,
      used: a.resources.usedResources(),
      free: a.resources.free(),
      reserved: a.resources.reservations(),
      registeredAt: a.registeredAt,
      ...(a.reregisteredAt === undefined ? {} : { reregisteredAt: a.reregisteredAt }),
    })),
    recoveredAgents: [...book.recovered].map(([agentId, info]) => ({ agentId, hostname: info.hostname })),
    unreachableAgents: [...book.unreachable].map(([agentId, { info, time }]) => ({ agentId, hostname: info.hostname, unreachableAt: time })),
    frameworks: [
      ...[...book.frameworks.values()].map((f) => framework(f.id, f.info, f)),
      ...[...book.admitted].filter(([id]) => !book.frameworks.has(id)).map(([id, info]) => framework(id, info, undefined)),
    ],
    completedFrameworks: [...book.completedFrameworks],
    tasks: [...book.tasks.values()].map((t) => ({
      taskId: t.taskId,
      frameworkId: t.frameworkId,
      agentId: t.agentId,
      ...(t.executorId === undefined ? {} : { executorId: t.executorId }),
      name: t.name,
      state: t.state,
      ...(t.reason === undefined ? {} : { reason: t.reason }),
      ...(t.source === undefined ? {} : { source: t.source }),
      resources: sumOf(t.allocation),
      updatedAt: t.updatedAt,
    })),
    ...(registryFailure === undefined ? {} : { registryFailure }),
  };
}
