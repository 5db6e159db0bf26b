/**
 * What the front door knows about a running cluster beyond one `state()` call: each agent's
 * status as its events tell it, crash and recovery counts per host, frameworks that were
 * removed, and the most recent events. The HTTP API, the web view and the CLI summary read it.
 */
import { EventEmitter } from 'eventemitter3';
import type { AgentRecovery, LocalCluster } from '../index.js';
import { type ObservedEvent, type ClusterView, actorRole, clusterView, watchCluster } from './cluster-adapter.js';

/** `active`: admitted by the master; `restarting`: its worker died, the supervisor brings it back; `down`: given up. */
export type AgentStatus = 'active' | 'restarting' | 'disconnected' | 'unreachable' | 'removed' | 'down';

export interface HostRecord {
  readonly hostId: string;
  agentId: string | undefined;
  status: AgentStatus;
  crashes: number;
  recoveries: number;
  lastRecovery: AgentRecovery | undefined;
}

export interface ClusterSnapshot extends ClusterView {
  readonly at: number;
  readonly hosts: readonly HostRecord[];
  /** Executor actors running, over all hosts (the cluster does not say which host each is on yet). */
  readonly executors: number;
}

const RECENT_EVENTS = 200;

export class ClusterMonitor extends EventEmitter<{ event: [ObservedEvent] }> {
  readonly startedAt = Date.now();
  private readonly hosts = new Map<string, HostRecord>();
  private readonly recent: ObservedEvent[] = [];
  private readonly unwatch: () => void;

  constructor(readonly cluster: LocalCluster) {
    super();
    this.unwatch = watchCluster(cluster, (event) => this.record(event));
  }

  /** The most recent events, oldest first. */
  recentEvents(): readonly ObservedEvent[] {
    return this.recent;
  }

  hostRecords(): readonly HostRecord[] {
    return [...this.hosts.values()].sort((a, b) => a.hostId.localeCompare(b.hostId, 'en', { numeric: true }));
  }

  async snapshot(): Promise<ClusterSnapshot> {
    const [view, stats] = await Promise.all([clusterView(this.cluster), this.cluster.system.stats()]);
    const executors = stats.nodes.reduce((n, node) => n + node.actors.filter((a) => actorRole(a.address) === 'executor').length, 0);
    return { ...view, at: Date.now(), hosts: this.hostRecords(), executors };
  }

  /** The status of an agent id, from the events seen so far (an agent the master lists and no event contradicts is active). */
  agentStatus(agentId: string): AgentStatus {
    for (const host of this.hosts.values()) if (host.agentId === agentId) return host.status;
    return 'active';
  }

  close(): void {
    this.unwatch();
    this.removeAllListeners();
  }

  private host(hostId: string): HostRecord {
    let host = this.hosts.get(hostId);
    if (host === undefined) {
      host = { hostId, agentId: undefined, status: 'active', crashes: 0, recoveries: 0, lastRecovery: undefined };
      this.hosts.set(hostId, host);
    }
    return host;
  }

  private byAgent(agentId: string): HostRecord | undefined {
    for (const host of this.hosts.values()) if (host.agentId === agentId) return host;
    return undefined;
  }

  private record(event: ObservedEvent): void {
    switch (event.name) {
      case 'agent.registered':
      case 'agent.reregistered':
        Object.assign(this.host(event.hostId), { agentId: event.agentId, status: 'active' });
        break;
      case 'agent.recovered': {
        const host = this.host(event.hostId);
        Object.assign(host, { agentId: event.agentId, status: 'active', lastRecovery: event.recovery });
        host.recoveries++;
        break;
      }
      case 'agent.crashed': {
        const host = this.host(event.hostId);
        host.crashes++;
        host.status = 'restarting';
        break;
      }
      case 'agent.given_up':
        this.host(event.hostId).status = 'down';
        break;
      case 'master.agent_reregistered': {
        const host = this.byAgent(event.agentId);
        if (host !== undefined) host.status = 'active';
        break;
      }
      case 'master.agent_disconnected':
      case 'master.agent_unreachable':
      case 'master.agent_removed': {
        const host = this.byAgent(event.agentId);
        // A crash already said why the agent is gone; the master's view of it adds nothing.
        if (host !== undefined && host.status !== 'restarting') host.status = event.name === 'master.agent_removed' ? 'removed' : event.name === 'master.agent_unreachable' ? 'unreachable' : 'disconnected';
        break;
      }
      default:
        break;
    }
    this.recent.push(event);
    if (this.recent.length > RECENT_EVENTS) this.recent.shift();
    this.emit('event', event);
  }
}
