/**
 * `GET /state`: the cluster in the shape of Mesos's `/master/state`, with its field names where
 * the two overlap (`slaves`, `frameworks`, `completed_frameworks`, `tasks`, `completed_tasks`,
 * `id`, `pid`, `hostname`, `resources`, `used_resources`, `reserved_resources`,
 * `unreserved_resources`, `active`, `framework_id`, `slave_id`, `state`), so that tools written
 * for Mesos can read it. mesolith's own additions (`host_id`, `status`, `crashes`,
 * `recoveries`, `last_recovery`, `executors`) use the same snake case.
 */
import { TERMINAL_STATES, type AgentRecovery, type Resources } from '../index.js';
import type { ClusterSnapshot } from '../observe/monitor.js';
import type { AgentStatus } from '../observe/monitor.js';

export interface MesosResources {
  readonly cpus: number;
  readonly mem: number;
  readonly disk: number;
  readonly gpus: number;
}

/** As Mesos writes resources: every scalar present, 0 when absent. */
const resources = (r: Resources): MesosResources => ({ cpus: r.cpus, mem: r.mem, disk: r.disk ?? 0, gpus: 0 });
const round = (n: number) => Math.round(n * 1000) / 1000;

function recoveryJson(r: AgentRecovery | undefined) {
  if (r === undefined) return null;
  return {
    reconnected: r.reconnected ?? 0,
    destroyed: r.destroyed ?? 0,
    lost: r.lost ?? 0,
    tasks: r.tasks ?? 0,
    recovery_ms: r.recoveryMs ?? null,
    checkpoint_errors: r.checkpointErrors ?? 0,
    rebooted: r.rebooted ?? false,
    phases:
      r.phases === undefined ? null : { checkpoint_read_ms: r.phases.checkpointReadMs, reconnect_ms: r.phases.reconnectMs, reregister_ms: r.phases.reregisterMs },
  };
}

export interface StateJsonContext {
  readonly version: string;
  readonly startTime: number;
  readonly hostname: string;
  readonly masterPid: string;
  readonly statusOf: (agentId: string) => AgentStatus;
  /** Only this framework (Mesos's `framework_id` query parameter). */
  readonly frameworkId?: string;
}

export function stateJson(snapshot: ClusterSnapshot, context: StateJsonContext) {
  const hostOf = new Map(snapshot.hosts.flatMap((h) => (h.agentId === undefined ? [] : [[h.agentId, h] as const])));
  const slaves = snapshot.agents.map((agent) => {
    const host = hostOf.get(agent.id);
    const reservedTotal = Object.values(agent.reserved).reduce((sum, r) => ({ cpus: sum.cpus + r.cpus, mem: sum.mem + r.mem }), { cpus: 0, mem: 0 });
    const status = context.statusOf(agent.id);
    return {
      id: agent.id,
      pid: agent.pid ?? null,
      hostname: agent.hostname,
      host_id: host?.hostId ?? null,
      attributes: agent.attributes,
      registered_time: agent.registeredAt / 1000,
      ...(agent.reregisteredAt === undefined ? {} : { reregistered_time: agent.reregisteredAt / 1000 }),
      resources: resources(agent.resources),
      used_resources: resources(agent.used),
      reserved_resources: Object.fromEntries(Object.entries(agent.reserved).map(([role, r]) => [role, resources(r)])),
      unreserved_resources: resources({ cpus: round(agent.resources.cpus - reservedTotal.cpus), mem: round(agent.resources.mem - reservedTotal.mem) }),
      active: status === 'active',
      status,
      crashes: host?.crashes ?? 0,
      recoveries: host?.recoveries ?? 0,
      last_recovery: recoveryJson(host?.lastRecovery ?? (host === undefined ? undefined : snapshot.recoveries[host.hostId])),
    };
  });
  const taskJson = (t: ClusterSnapshot['tasks'][number]) => ({
    id: t.id,
    name: t.name,
    framework_id: t.frameworkId,
    slave_id: t.agentId,
    executor_id: t.executorId ?? '',
    state: t.state,
    resources: resources(t.resources),
    // Mesos lists a task's statuses; the master keeps the latest, with its reason and source.
    statuses: [{ state: t.state, timestamp: t.updatedAt / 1000, ...(t.reason === undefined ? {} : { reason: t.reason }), ...(t.source === undefined ? {} : { source: t.source }) }],
  });
  const wanted = <T extends { id: string }>(items: readonly T[]) => (context.frameworkId === undefined ? items : items.filter((f) => f.id === context.frameworkId));
  const frameworks = wanted(snapshot.frameworks).map((f) => {
    const tasks = snapshot.tasks.filter((t) => t.frameworkId === f.id);
    return {
      id: f.id,
      name: f.name,
      role: f.role ?? '*',
      registered_time: f.registeredAt / 1000,
      active: f.connected,
      connected: f.connected,
      checkpoint: f.checkpoint,
      tasks: tasks.filter((t) => !TERMINAL_STATES.has(t.state)).map(taskJson),
      completed_tasks: tasks.filter((t) => TERMINAL_STATES.has(t.state)).map(taskJson),
    };
  });
  const completed = wanted(snapshot.completedFrameworks).map((f) => ({
    id: f.id,
    name: f.name ?? null,
    active: false,
    unregistered_time: f.removedAt / 1000,
    reason: f.reason,
    completed_tasks: snapshot.tasks.filter((t) => t.frameworkId === f.id).map(taskJson),
  }));
  return {
    version: context.version,
    start_time: context.startTime / 1000,
    hostname: context.hostname,
    pid: context.masterPid,
    activated_slaves: slaves.filter((s) => s.active).length,
    deactivated_slaves: slaves.filter((s) => !s.active).length,
    executors: snapshot.executors,
    slaves,
    unreachable_slaves: snapshot.unreachableAgents.map((a) => ({ id: a.id, hostname: a.hostname, unreachable_time: a.unreachableAt / 1000 })),
    frameworks,
    completed_frameworks: completed,
  };
}

export type StateJson = ReturnType<typeof stateJson>;
