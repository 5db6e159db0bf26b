import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, type RootDatabase, open } from 'lmdb';
import type { AgentId, AgentInfo, FrameworkId, FrameworkInfo } from '../protocol/index.js';

/** The highest id of the agents that left the registry. */
const RETIRED_AGENT = 'retired/agent';

interface RegistryState {
  readonly agents: ReadonlyMap<AgentId, AgentInfo>;
  /** Agents marked unreachable, with when (Mesos registry.unreachable). */
  readonly unreachable: ReadonlyMap<AgentId, { readonly info: AgentInfo; readonly time: number }>;
  readonly frameworks: ReadonlyMap<FrameworkId, FrameworkInfo>;
  /** The highest ids handed out, so that a restarted master never reuses one. */
  readonly lastAgent: number;
  readonly lastFramework: number;
}

/** The number at the end of an id (`agent-7` → 7). */
const serial = (id: string): number => Number(id.split('-').at(-1)) || 0;

/**
 * The master's registry (Mesos: the replicated log of admitted agents), in LMDB: which agents
 * and frameworks were admitted, and which agents are unreachable since when, so that a
 * restarted master readmits them when they come back. Agent operations follow Mesos's
 * registrar (AdmitSlave, UpdateSlave, MarkSlaveUnreachable, MarkSlaveReachable, RemoveSlave,
 * Prune); each is one transaction.
 * Writes use lmdb-js's asynchronous API only, and resolve once flushed.
 */
export class MasterRegistry {
  private constructor(
    private readonly root: RootDatabase,
    private readonly db: Database<unknown, string>,
  ) {}

  static open(dir: string): MasterRegistry {
    mkdirSync(dir, { recursive: true });
    const root = open({ path: join(dir, 'registry.mdb'), noSubdir: true });
    return new MasterRegistry(root, root.openDB<unknown, string>({ name: 'registry' }));
  }

  read(): RegistryState {
    const agents = new Map<AgentId, AgentInfo>();
    const frameworks = new Map<FrameworkId, FrameworkInfo>();
    let lastAgent = 0;
    let lastFramework = 0;
    for (const { key, value } of this.db.getRange({ start: 'agents/', end: 'agents/\uffff' })) {
      const id = key.slice('agents/'.length) as AgentId;
      agents.set(id, value as AgentInfo);
      lastAgent = Math.max(lastAgent, serial(id));
    }
    const unreachable = new Map<AgentId, { info: AgentInfo; time: number }>();
    for (const { key, value } of this.db.getRange({ start: 'unreachable/', end: 'unreachable/\uffff' })) {
      const id = key.slice('unreachable/'.length) as AgentId;
      unreachable.set(id, value as { info: AgentInfo; time: number });
      lastAgent = Math.max(lastAgent, serial(id));
    }
    lastAgent = Math.max(lastAgent, Number(this.db.get(RETIRED_AGENT)) || 0);
    for (const { key, value } of this.db.getRange({ start: 'frameworks/', end: 'frameworks/\uffff' })) {
      const id = key.slice('frameworks/'.length) as FrameworkId;
      frameworks.set(id, value as FrameworkInfo);
      lastFramework = Math.max(lastFramework, Number(id.split('-').at(-1)) || 0);
    }
    return { agents, unreachable, frameworks, lastAgent, lastFramework };
  }

  async admitAgent(id: AgentId, info: AgentInfo): Promise<void> {
    await this.db.put(`agents/${id}`, info);
    await this.root.flushed;
  }

  async admitFramework(id: FrameworkId, info: FrameworkInfo): Promise<void> {
    await this.db.put(`frameworks/${id}`, info);
    await this.root.flushed;
  }

  async removeFramework(id: FrameworkId): Promise<void> {
    await this.db.remove(`frameworks/${id}`);
  }

  close(): Promise<void> {
    return this.root.close();
  }

  /** A readmitted agent's info changed (an additive reconfiguration): Mesos UpdateSlave. */
  updateAgent(id: AgentId, info: AgentInfo): Promise<void> {
    return this.apply(() => this.db.put(`agents/${id}`, info));
  }

  /** Mesos MarkSlaveUnreachable: no longer admitted, unreachable since `time`. */
  markAgentUnreachable(id: AgentId, info: AgentInfo, time: number): Promise<void> {
    return this.apply(() => {
      this.db.remove(`agents/${id}`);
      this.db.put(`unreachable/${id}`, { info, time });
    });
  }

  /** Mesos MarkSlaveReachable: an unreachable (or unknown) agent reregistered; it is admitted again. */
  markAgentReachable(id: AgentId, info: AgentInfo): Promise<void> {
    return this.apply(() => {
      this.db.remove(`unreachable/${id}`);
      this.db.put(`agents/${id}`, info);
    });
  }

  /** Mesos RemoveSlave: the agent is forgotten (its id is never handed out again). */
  removeAgent(id: AgentId): Promise<void> {
    return this.apply(() => {
      this.db.remove(`agents/${id}`);
      this.db.remove(`unreachable/${id}`);
      this.retire([id]);
    });
  }

  /** Mesos Prune: these unreachable agents are forgotten (registry GC). */
  pruneUnreachable(ids: readonly AgentId[]): Promise<void> {
    return this.apply(() => {
      for (const id of ids) this.db.remove(`unreachable/${id}`);
      this.retire(ids);
    });
  }

  /** Agents leave the registry: the highest id of theirs is kept, so that a restarted master does not hand it out again. */
  private retire(ids: readonly AgentId[]): void {
    const highest = Math.max(Number(this.db.get(RETIRED_AGENT)) || 0, ...ids.map(serial));
    this.db.put(RETIRED_AGENT, highest);
  }

  /** One transaction, resolved once it is durable. */
  private async apply(writes: () => void): Promise<void> {
    await this.root.transaction(writes);
    await this.root.flushed;
  }
}
