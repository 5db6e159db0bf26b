import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, type RootDatabase, open } from 'lmdb';
import type { AgentId, AgentInfo, FrameworkId, FrameworkInfo } from '../protocol/index.js';

interface RegistryState {
  readonly agents: ReadonlyMap<AgentId, AgentInfo>;
  readonly frameworks: ReadonlyMap<FrameworkId, FrameworkInfo>;
  /** The highest ids handed out, so that a restarted master never reuses one. */
  readonly lastAgent: number;
  readonly lastFramework: number;
}

/**
 * The master's registry (Mesos: the replicated log of admitted agents), in LMDB: which agents
 * and frameworks were admitted, so that a restarted master readmits them when they come back.
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
      lastAgent = Math.max(lastAgent, Number(id.split('-').at(-1)) || 0);
    }
    for (const { key, value } of this.db.getRange({ start: 'frameworks/', end: 'frameworks/\uffff' })) {
      const id = key.slice('frameworks/'.length) as FrameworkId;
      frameworks.set(id, value as FrameworkInfo);
      lastFramework = Math.max(lastFramework, Number(id.split('-').at(-1)) || 0);
    }
    return { agents, frameworks, lastAgent, lastFramework };
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
}
