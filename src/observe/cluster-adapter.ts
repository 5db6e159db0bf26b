/**
 * The one place that knows how a LocalCluster reports itself today: the names and payloads of
 * the events its roles publish (`{ type: 'custom', name, data }` on `system.events`), how its
 * actors are named, the shape of `cluster.state()`, and the agents' metrics ask. Everything
 * else (logs, the HTTP API, the web view, the CLI summary) uses the typed view below, so that a
 * change of those internals is an edit of this file only.
 */
import type { AgentRecovery, LocalCluster, Resources, SystemEvent, TaskStateName } from '../index.js';

/** A cluster event as the front door sees it; `at` is when the main thread received it (ms since the epoch). */
export type ClusterEvent = { readonly at: number; readonly source: string } & (
  | { readonly name: 'agent.registered'; readonly agentId: string; readonly hostId: string }
  | { readonly name: 'agent.recovered'; readonly agentId: string; readonly hostId: string; readonly recovery: AgentRecovery }
  | { readonly name: 'agent.reregistered'; readonly agentId: string; readonly hostId: string }
  | { readonly name: 'agent.master_lost'; readonly agentId: string; readonly hostId: string; readonly silentMs: number }
  | { readonly name: 'agent.checkpoint_failed'; readonly hostId: string | undefined; readonly error: string }
  | { readonly name: 'agent.cleaned_up'; readonly agentId: string; readonly hostId: string; readonly destroyed: number }
  /** The host's supervisor saw its agent die (its worker was terminated, or it threw). */
  | { readonly name: 'agent.crashed'; readonly hostId: string; readonly reason: string; readonly error: string | undefined }
  | { readonly name: 'agent.restarted'; readonly hostId: string; readonly restarts: number; readonly backoffMs: number }
  /** The host's supervisor exceeded its restart intensity: the host stays down until `startAgent`. */
  | { readonly name: 'agent.given_up'; readonly hostId: string; readonly restarts: number }
  | { readonly name: 'master.agent_registered'; readonly agentId: string; readonly hostname: string }
  | { readonly name: 'master.agent_reregistered'; readonly agentId: string; readonly tasks: number }
  | { readonly name: 'master.agent_unreachable' | 'master.agent_disconnected' | 'master.agent_removed'; readonly agentId: string }
  | { readonly name: 'master.framework_disconnected'; readonly frameworkId: string; readonly failoverTimeoutMs: number }
  | { readonly name: 'master.framework_removed'; readonly frameworkId: string; readonly reason: string }
  | { readonly name: 'launcher.executor_destroyed'; readonly hostId: string; readonly executor: string; readonly reason: string }
  | { readonly name: 'worker.exit'; readonly node: string; readonly exitCode: number; readonly error: string | undefined }
  | { readonly name: 'actor.crashed'; readonly actor: string; readonly reason: string; readonly error: string | undefined }
  /** Anything else a role published: kept, untyped, for debug logs. */
  | { readonly name: 'other'; readonly event: string; readonly data: unknown }
);

export type ClusterEventName = ClusterEvent['name'];

type Data = Record<string, unknown>;
const str = (value: unknown): string => (typeof value === 'string' ? value : String(value));
const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value));
const optionalStr = (value: unknown): string | undefined => (value === undefined ? undefined : str(value));

/** Today a host's agent is the actor `agent-<hostId>`, supervised by `supervisor-<hostId>` under `agents`. */
const AGENT_NAME = /^agent-(host-\d+)@/;
const HOST_SUPERVISOR = /^supervisor-host-\d+@/;

function fromCustom(name: string, source: string, d: Data): ClusterEvent | undefined {
  const base = { at: Date.now(), source };
  switch (name) {
    case 'agent.registered':
    case 'agent.reregistered':
      return { ...base, name, agentId: str(d.agentId), hostId: str(d.hostId) };
    case 'agent.recovered':
      return { ...base, name, agentId: str(d.agentId), hostId: str(d.hostId), recovery: d as unknown as AgentRecovery };
    case 'agent.master_lost':
      return { ...base, name, agentId: str(d.agentId), hostId: str(d.hostId), silentMs: num(d.silentMs) };
    case 'agent.checkpoint_failed':
      return { ...base, name, hostId: AGENT_NAME.exec(source)?.[1], error: str(d.error) };
    case 'agent.cleaned_up':
      return { ...base, name, agentId: str(d.agentId), hostId: str(d.hostId), destroyed: num(d.destroyed) };
    case 'master.agent_registered':
      return { ...base, name, agentId: str(d.agentId), hostname: str(d.hostname) };
    case 'master.agent_reregistered':
      return { ...base, name, agentId: str(d.agentId), tasks: num(d.tasks) };
    case 'master.agent_unreachable':
    case 'master.agent_disconnected':
    case 'master.agent_removed':
      return { ...base, name, agentId: str(d.agentId) };
    case 'master.framework_disconnected':
      return { ...base, name, frameworkId: str(d.frameworkId), failoverTimeoutMs: num(d.failoverTimeoutMs) };
    case 'master.framework_removed':
      return { ...base, name, frameworkId: str(d.frameworkId), reason: str(d.reason) };
    case 'launcher.executor_destroyed':
      return { ...base, name, hostId: str(d.hostId), executor: str(d.executor), reason: str(d.reason) };
    default:
      return { ...base, name: 'other', event: name, data: d };
  }
}

/** Translates one runtime event; undefined for those the front door does not report. */
export function toClusterEvent(event: SystemEvent): ClusterEvent | undefined {
  const at = Date.now();
  switch (event.type) {
    case 'custom':
      return fromCustom(event.name, event.source, (event.data ?? {}) as Data);
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

/** Calls `listener` with every cluster event from now on; returns the unsubscribe function. */
export function watchCluster(cluster: LocalCluster, listener: (event: ClusterEvent) => void): () => void {
  const onEvent = (event: SystemEvent) => {
    const translated = toClusterEvent(event);
    if (translated !== undefined) listener(translated);
  };
  cluster.system.events.on('event', onEvent);
  return () => {
    cluster.system.events.off('event', onEvent);
  };
}

/** Each agent id with its host id (`host-N`), for agents that registered before anyone watched the events. */
export function agentHosts(cluster: LocalCluster): { readonly agentId: string; readonly hostId: string }[] {
  return cluster.agentIds().flatMap((agentId) => {
    const hostId = AGENT_NAME.exec(cluster.agentRef(agentId).address)?.[1];
    return hostId === undefined ? [] : [{ agentId, hostId }];
  });
}

export interface AgentView {
  readonly id: string;
  readonly hostname: string;
  /** The agent actor's address (Mesos's `pid`), if the cluster still has it. */
  readonly pid: string | undefined;
  readonly resources: Resources;
  readonly used: Resources;
  readonly reserved: Readonly<Record<string, Resources>>;
}

export interface TaskView {
  readonly id: string;
  readonly frameworkId: string;
  readonly agentId: string;
  readonly state: TaskStateName;
}

export interface FrameworkView {
  readonly id: string;
  readonly name: string;
  readonly checkpoint: boolean;
  readonly connected: boolean;
}

/** `cluster.state()` in the front door's terms. */
export interface ClusterView {
  readonly agents: readonly AgentView[];
  readonly frameworks: readonly FrameworkView[];
  readonly tasks: readonly TaskView[];
  /** The last recovery each host's agent reported, by host id. */
  readonly recoveries: Readonly<Record<string, AgentRecovery>>;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

export async function clusterView(cluster: LocalCluster): Promise<ClusterView> {
  const state = await cluster.state();
  const known = new Set(cluster.agentIds() as string[]);
  return {
    agents: state.agents.map((a) => ({
      id: a.agentId,
      hostname: a.hostname,
      pid: known.has(a.agentId) ? cluster.agentRef(a.agentId).address : undefined,
      resources: a.total,
      used: { cpus: round(a.total.cpus - a.free.cpus), mem: round(a.total.mem - a.free.mem) },
      reserved: a.reserved,
    })),
    frameworks: state.frameworks.map((f) => ({ id: f.frameworkId, name: f.name, checkpoint: f.checkpoint, connected: f.connected })),
    tasks: state.tasks.map((t) => ({ id: t.taskId, frameworkId: t.frameworkId, agentId: t.agentId, state: t.state })),
    recoveries: state.recoveries,
  };
}

/** Cumulative checkpoint write latency of one agent (the answer to `{ type: 'agent.metrics' }`). */
export interface AgentMetrics {
  readonly agentId: string;
  readonly checkpointWrites: { readonly count: number; readonly sumSeconds: number; readonly buckets: readonly { readonly le: number; readonly count: number }[] };
}

function isAgentMetrics(value: unknown): value is Omit<AgentMetrics, 'agentId'> {
  const writes = (value as { checkpointWrites?: AgentMetrics['checkpointWrites'] } | undefined)?.checkpointWrites;
  return (
    typeof writes === 'object' &&
    writes !== null &&
    typeof writes.count === 'number' &&
    typeof writes.sumSeconds === 'number' &&
    Array.isArray(writes.buckets) &&
    writes.buckets.every((b) => typeof b.le === 'number' && typeof b.count === 'number')
  );
}

/**
 * Each agent's metrics, from those that answer within `timeoutMs` with the expected shape; an
 * agent that does not (restarting, or too old to know the ask) is left out, not an error.
 */
export async function agentMetrics(cluster: LocalCluster, timeoutMs = 1_000): Promise<AgentMetrics[]> {
  const answers = await Promise.all(
    cluster.agentIds().map(async (agentId) => {
      const ref = cluster.system.ref<{ type: 'agent.metrics' }>(cluster.agentRef(agentId).address);
      const answer = await ref.ask<unknown>({ type: 'agent.metrics' }, { timeoutMs }).catch(() => undefined);
      return isAgentMetrics(answer) ? [{ agentId, checkpointWrites: answer.checkpointWrites }] : [];
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
