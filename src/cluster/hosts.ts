import { randomUUID } from 'node:crypto';
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import type { ActorRef } from '../actor/index.js';
import type { AgentFlags, HostSpec } from '../agent/options.js';
import type { AgentId, AgentMsg, Resources } from '../protocol/index.js';
import type { AgentRecovery } from './admissions.js';
import { ClusterError } from './errors.js';
import type { ClusterEvents } from './events.js';
import type { HostOptions, LocalClusterOptions } from './options.js';

export interface Host {
  spec: HostSpec;
  agent: ActorRef<AgentMsg>;
  agentId: AgentId | undefined;
  flags: AgentFlags | undefined;
}

/** One spec per host of `agents` (a count of identical hosts, or one entry per host), each with its own work dir under `workDir` and its own boot id. */
export function hostSpecs(agents: LocalClusterOptions['agents'], workDir: string): HostSpec[] {
  const hostOptions: readonly HostOptions[] = typeof agents === 'object' ? agents : Array.from({ length: agents ?? 1 }, () => ({}));
  const defaultResources: Resources = { cpus: cpus().length, mem: Math.floor(totalmem() / 1024 / 1024 / hostOptions.length / 2) };
  return hostOptions.map((host, i): HostSpec => {
    const hostId = `host-${i + 1}`;
    return {
      hostId,
      hostname: `${hostname()}-${hostId}`,
      workDir: join(workDir, hostId),
      bootId: randomUUID(),
      resources: host.resources ?? defaultResources,
      attributes: host.attributes ?? {},
    };
  });
}

/** The cluster's hosts in order, each with the agent id its agent was admitted with, and what each host's last agent recovery did. */
export class Hosts {
  private readonly hosts: Host[] = [];
  private readonly recoveries = new Map<string, AgentRecovery>();

  constructor(events: ClusterEvents) {
    const admitted = (event: { hostId: string; agentId: AgentId }) => {
      const host = this.byHostId(event.hostId);
      if (host !== undefined) host.agentId = event.agentId;
    };
    events.on('agent.recovered', ({ type: _, ...recovery }) => {
      admitted(recovery);
      this.recoveries.set(recovery.hostId, recovery);
    });
    events.on('agent.registered', admitted);
  }

  /** Adds a host whose agent has started; an agent that recovered before this (its event came first) gives the host its id. */
  add(spec: HostSpec, agent: ActorRef<AgentMsg>, flags: AgentFlags | undefined): void {
    this.hosts.push({ spec, agent, agentId: this.recoveries.get(spec.hostId)?.agentId, flags });
  }

  byHostId(hostId: string): Host | undefined {
    return this.hosts.find((h) => h.spec.hostId === hostId);
  }

  /** The host of that agent; `ERR_NO_SUCH_AGENT` if this cluster has none. */
  byAgentId(agentId: AgentId | string): Host {
    const host = this.hosts.find((h) => h.agentId === agentId);
    if (host === undefined) throw new ClusterError('ERR_NO_SUCH_AGENT', `no agent ${agentId} in this cluster (agents: ${this.agentIds().join(', ')})`);
    return host;
  }

  /** Agent ids in host order. */
  agentIds(): AgentId[] {
    return this.hosts.flatMap((h) => (h.agentId === undefined ? [] : [h.agentId]));
  }

  /** The last recovery of each host's agent, by host id. */
  lastRecoveries(): Record<string, AgentRecovery> {
    return Object.fromEntries(this.recoveries);
  }

  [Symbol.iterator](): Iterator<Host> {
    return this.hosts[Symbol.iterator]();
  }
}
