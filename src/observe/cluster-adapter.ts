/**
 * The one place that knows how a LocalCluster reports itself: its typed events
 * (`cluster.events`), the runtime's supervisor and worker events, how its actors are named, the
 * shape of `cluster.state()`, and the agents' `agent.state` answer. Everything else (logs, the
 * HTTP API, the web view, the CLI summary) uses the view below.
 */
import type { AgentRecovery, AgentSnapshot, ClusterEvent as RoleEvent, LocalCluster, ReceivedEvent, Resources, StorageFailure, SystemEvent, TaskStateName } from '../index.js';

/** A role's event under its name (`type` in the protocol), the rest of its fields as they are. */
type Named<E> = E extends { readonly type: infer T } ? { readonly name: T } & Omit<E, 'type'> : never;

/** A cluster event as the front door sees it; `at` is when the main thread received it (ms since the epoch). */
export type ObservedEvent = { readonly at: number; readonly source: string } & (
  | Named<Exclude<RoleEvent, { type: 'agent.recovered' | 'agent.checkpoint_failed' }>>
  | { readonly name: 'agent.recovered'; readonly agentId: string; readonly hostId: string; readonly recovery: AgentRecovery }
  | { readonly name: 'agent.checkpoint_failed'; readonly hostId: string; readonly error: string; readonly failure: StorageFailure }
  /** The host's supervisor saw its agent die (its worker was terminated, or it threw). */
  | { readonly name: 'agent.crashed'; readonly hostId: string; readonly reason: string; readonly error: string | undefined }
  | { readonly name: 'agent.restarted'; readonly hostId: string; readonly restarts: number; readonly backoffMs: number }
  /** The host's supervisor exceeded its restart intensity: the host stays down until `startAgent`. */
  | { readonly name: 'agent.given_up'; readonly hostId: string; readonly restarts: number }
  | { readonly name: 'worker.exit'; readonly node: string; readonly exitCode: number; readonly error: string | undefined }
  | { readonly name: 'actor.crashed'; readonly actor: string; readonly reason: string; readonly error: string | undefined }
);

export type ObservedEventName = ObservedEvent['name'];

const optionalStr = (value: unknown): string | undefined => (value === undefined ? undefined : String(value));

/** A host's agent is supervised by `supervisor-<hostId>` under `agents`. */
const HOST_SUPERVISOR = /^supervisor-host-\d+@/;

/** A role's event in the front door's terms. */
export function fromRoleEvent({ event, source, at }: ReceivedEvent): ObservedEvent {
  const { type, ...fields } = event;
  if (event.type === 'agent.recovered') {
    const { type: _, ...recovery } = event;
    return { at, source, name: 'agent.recovered', agentId: event.agentId, hostId: event.hostId, recovery };
  }
  if (event.type === 'agent.checkpoint_failed') return { at, source, name: 'agent.checkpoint_failed', hostId: event.hostId, error: event.failure.message, failure: event.failure };
  return { at, source, name: type, ...fields } as ObservedEvent;
}

/** Translates one runtime event; undefined for those the front door does not report. */
export function toClusterEvent(event: SystemEvent): ObservedEvent | undefined {
  const at = Date.now();
  switch (event.type) {
    case 'supervisor.crashed':
      if (HOST_SUPERVISOR.test(event.supervisor)) return { at, source: event.supervisor, name: 'agent.crashed', hostId: event.child, reason: event.reason, error: optionalStr(event.error) };
      return { at, source: event.supervisor, name: 'actor.crashed', actor: event.ref, reason: event.reason, error: optionalStr(event.error) };
    case 'supervisor.restarted':
      if (!HOST_SUPERVISOR.test(event.supervisor)) return undefined;
      return { at, source: event.supervisor, name: 'agent.restarted', hostId: event.child, restarts: event.restarts, backoffMs: event.backoffMs };
    case 'supervisor.escalated': {
      const hostId = /^supervisor-(host-\d+)@/.exec(event.supervisor)?.[1];
      if (hostId === undefined) return undefined;
      return { at, source: event.supervisor, name: 'agent.given_up', hostId, restarts: event.restarts };
    }
    case 'worker.exit':
      return { at, source: event.node, name: 'worker.exit', node: event.node, exitCode: event.exitCode, error: optionalStr(event.error) };
    default:
      return undefined;
  }
}

/**
 * Calls `listener` with the roles' events already received (`cluster.events.recent()`, so that
 * the start of the cluster is seen), then with every cluster event from now on; returns the
 * unsubscribe function.
 */
export function watchCluster(cluster: LocalCluster, listener: (event: ObservedEvent) => void): () => void {
  for (const received of cluster.events.recent()) listener(fromRoleEvent(received));
  const onRoleEvent = (_: RoleEvent, received: ReceivedEvent) => listener(fromRoleEvent(received));
  const onSystemEvent = (event: SystemEvent) => {
    const translated = toClusterEvent(event);
    if (translated !== undefined) listener(translated);
  };
  cluster.events.on('event', onRoleEvent);
  cluster.system.events.on('event', onSystemEvent);
  return () => {
    cluster.events.off('event', onRoleEvent);
    cluster.system.events.off('event', onSystemEvent);
  };
}

export interface AgentView {
  readonly id: string;
  readonly hostname: string;
  /** The agent actor's address (Mesos's `pid`), if the cluster still has it. */
  readonly pid: string | undefined;
  readonly attributes: Readonly<Record<string, string>>;
  /** As the master sees it (unreachable agents are listed apart: `unreachableAgents`). */
  readonly masterStatus: 'active' | 'disconnected';
  readonly resources: Resources;
  readonly used: Resources;
  readonly reserved: Readonly<Record<string, Resources>>;
  readonly registeredAt: number;
  readonly reregisteredAt: number | undefined;
}

export interface TaskView {
  readonly id: string;
  readonly name: string;
  readonly frameworkId: string;
  readonly agentId: string;
  readonly executorId: string | undefined;
  readonly state: TaskStateName;
  readonly reason: string | undefined;
  readonly source: string | undefined;
  readonly resources: Resources;
  readonly updatedAt: number;
}

export interface FrameworkView {
  readonly id: string;
  readonly name: string;
  readonly role: string | undefined;
  readonly checkpoint: boolean;
  readonly partitionAware: boolean;
  readonly connected: boolean;
  readonly registeredAt: number;
}

/** `cluster.state()` in the front door's terms. */
export interface ClusterView {
  readonly agents: readonly AgentView[];
  readonly frameworks: readonly FrameworkView[];
  readonly completedFrameworks: readonly { readonly id: string; readonly name: string; readonly removedAt: number; readonly reason: string }[];
  /** Agents the master marked unreachable (they may come back), since when. */
  readonly unreachableAgents: readonly { readonly id: string; readonly hostname: string; readonly unreachableAt: number }[];
  readonly tasks: readonly TaskView[];
  /** The last recovery each host's agent reported, by host id. */
  readonly recoveries: Readonly<Record<string, AgentRecovery>>;
  /** Why the master's registry cannot be written, if it cannot. */
  readonly registryFailure: StorageFailure | undefined;
}

export async function clusterView(cluster: LocalCluster): Promise<ClusterView> {
  const state = await cluster.state();
  const known = new Set(cluster.agentIds() as string[]);
  return {
    agents: state.agents.map((a) => ({
      id: a.agentId,
      hostname: a.hostname,
      pid: known.has(a.agentId) ? cluster.agentRef(a.agentId).address : undefined,
      attributes: a.attributes,
      masterStatus: a.status,
      resources: a.total,
      used: a.used,
      reserved: a.reserved,
      registeredAt: a.registeredAt,
      reregisteredAt: a.reregisteredAt,
    })),
    frameworks: state.frameworks.map((f) => ({ id: f.frameworkId, name: f.name, role: f.role, checkpoint: f.checkpoint, partitionAware: f.partitionAware, connected: f.connected, registeredAt: f.registeredAt })),
    completedFrameworks: state.completedFrameworks.map((f) => ({ id: f.frameworkId, name: f.name, removedAt: f.removedAt, reason: f.reason })),
    unreachableAgents: state.unreachableAgents.map((a) => ({ id: a.agentId, hostname: a.hostname, unreachableAt: a.unreachableAt })),
    tasks: state.tasks.map((t) => ({
      id: t.taskId,
      name: t.name,
      frameworkId: t.frameworkId,
      agentId: t.agentId,
      executorId: t.executorId,
      state: t.state,
      reason: t.reason,
      source: t.source,
      resources: t.resources,
      updatedAt: t.updatedAt,
    })),
    recoveries: state.recoveries,
    registryFailure: state.registryFailure,
  };
}

/** One agent's checkpoint: whether it can be written, and its cumulative write latency (from `agent.state`). */
export interface AgentMetrics {
  readonly agentId: string;
  readonly checkpointHealthy: boolean;
  readonly checkpointFailedWrites: number;
  readonly checkpointWrites: AgentSnapshot['checkpoint']['writes'];
  readonly unacknowledgedUpdates: number;
}

/**
 * Each agent's metrics, from those that answer within `timeoutMs`; an agent that does not
 * (restarting) is left out, not an error.
 */
export async function agentMetrics(cluster: LocalCluster, timeoutMs = 1_000): Promise<AgentMetrics[]> {
  const answers = await Promise.all(
    cluster.agentIds().map(async (agentId) => {
      const snapshot = await cluster.agentState(agentId, timeoutMs).catch(() => undefined);
      return snapshot === undefined
        ? []
        : [
            {
              agentId,
              checkpointHealthy: snapshot.checkpoint.healthy,
              checkpointFailedWrites: snapshot.checkpoint.failedWrites,
              checkpointWrites: snapshot.checkpoint.writes,
              unacknowledgedUpdates: snapshot.unacknowledgedUpdates,
            },
          ];
    }),
  );
  return answers.flat();
}

/** What kind of actor an address is, by today's naming: a metrics label of bounded cardinality. */
export function actorRole(address: string): string {
  const name = address.slice(0, address.lastIndexOf('@'));
  if (name === 'master') return 'master';
  if (name.startsWith('agent-')) return 'agent';
  if (name.startsWith('scheduler-')) return 'scheduler';
  if (name === 'agents' || name.startsWith('supervisor-')) return 'supervisor';
  if (name === 'launcher' || name === 'directory') return name;
  // The launcher spawns executors unnamed, in workers of their own or shared ones.
  if (name.startsWith('$')) return 'executor';
  return 'other';
}
