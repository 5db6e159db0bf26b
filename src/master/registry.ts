import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, type RootDatabase, open } from 'lmdb';
import { WriteHealth } from '../checkpoint/index.js';
import { checkLmdbFile } from '../checkpoint/lmdb-file-check.js';
import { writeFailure } from '../checkpoint/write-failure.js';
import type { AgentId, AgentInfo, FrameworkId, FrameworkInfo } from '../protocol/index.js';

interface RegistryState {
  readonly agents: ReadonlyMap<AgentId, AgentInfo>;
  readonly frameworks: ReadonlyMap<FrameworkId, FrameworkInfo>;
  /** The highest ids handed out, so that a restarted master never reuses one. */
  readonly lastAgent: number;
  readonly lastFramework: number;
}

const REGISTRY_FILE = 'registry.mdb';

/**
 * The master's registry (Mesos: the replicated log of admitted agents), in LMDB: which agents
 * and frameworks were admitted, so that a restarted master readmits them when they come back.
 * Writes use lmdb-js's asynchronous API only, and resolve once flushed. A damaged file is
 * refused at open (`ERR_CHECKPOINT_DAMAGED`); a failed write rejects with a
 * `CheckpointWriteError` (`ERR_CHECKPOINT_DISK_FULL`, `ERR_CHECKPOINT_IO`), and `healthy`,
 * `lastError` and the `error` / `recovered` events follow it, as for the agent's checkpoint.
 */
export class MasterRegistry extends WriteHealth {
  private constructor(
    readonly path: string,
    private readonly root: RootDatabase,
    private readonly db: Database<unknown, string>,
  ) {
    super();
  }

  static open(dir: string): MasterRegistry {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, REGISTRY_FILE);
    checkLmdbFile(
      path,
      { overlappingSync: true },
      'Restore it from a backup, or delete it: the master then forgets the agents and frameworks it admitted, and they register again as new ones (drain the agents first).',
    );
    // No event-turn batching: its batch-start write is rejected, unhandled, when a commit fails.
    const root = open({ path, noSubdir: true, eventTurnBatching: false });
    return new MasterRegistry(path, root, root.openDB<unknown, string>({ name: 'registry' }));
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

  admitAgent(id: AgentId, info: AgentInfo): Promise<void> {
    return this.commit(this.db.put(`agents/${id}`, info), true);
  }

  admitFramework(id: FrameworkId, info: FrameworkInfo): Promise<void> {
    return this.commit(this.db.put(`frameworks/${id}`, info), true);
  }

  removeFramework(id: FrameworkId): Promise<void> {
    return this.commit(this.db.remove(`frameworks/${id}`), false);
  }

  close(): Promise<void> {
    return this.root.close();
  }

  private async commit(write: Promise<unknown>, flush: boolean): Promise<void> {
    try {
      await write;
    } catch (error) {
      const failure = await writeFailure(error, this.path);
      this.failed(failure);
      throw failure;
    }
    this.committed();
    if (flush) await this.root.flushed;
  }
}
