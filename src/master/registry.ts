import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, type RootDatabase, open } from 'lmdb';
import { WriteHealth } from '../checkpoint/index.js';
import { checkLmdbFile } from '../checkpoint/lmdb-file-check.js';
import { lowSpace } from '../checkpoint/free-space.js';
import { writeFailure } from '../checkpoint/write-failure.js';
import type { AgentId, AgentInfo, FrameworkId, FrameworkInfo } from '../protocol/index.js';

/** The highest ids of the agents and frameworks that left the registry. */
const RETIRED_AGENT = 'retired/agent';
const RETIRED_FRAMEWORK = 'retired/framework';

interface RegistryState {
  readonly agents: ReadonlyMap<AgentId, AgentInfo>;
  /** Agents marked unreachable, with when (Mesos registry.unreachable). */
  readonly unreachable: ReadonlyMap<AgentId, { readonly info: AgentInfo; readonly time: number }>;
  readonly frameworks: ReadonlyMap<FrameworkId, FrameworkInfo>;
  /** The highest ids handed out, so that a restarted master never reuses one. */
  readonly lastAgent: number;
  readonly lastFramework: number;
}

const REGISTRY_FILE = 'registry.mdb';

/** The number at the end of an id (`agent-7` → 7). */
const serial = (id: string): number => Number(id.split('-').at(-1)) || 0;

/**
 * The master's registry (Mesos: the replicated log of admitted agents), in LMDB: which agents
 * and frameworks were admitted, and which agents are unreachable since when, so that a
 * restarted master readmits them when they come back. Agent operations follow Mesos's
 * registrar (AdmitSlave, UpdateSlave, MarkSlaveUnreachable, MarkSlaveReachable, RemoveSlave,
 * Prune); each is one transaction, resolved once durable. A damaged file is refused at open
 * (`ERR_CHECKPOINT_DAMAGED`); a failed write rejects with a `CheckpointWriteError`
 * (`ERR_CHECKPOINT_DISK_FULL`, `ERR_CHECKPOINT_IO`), and `healthy`, `lastError` and the
 * `error` / `recovered` events follow it, as for the agent's checkpoint.
 */
export class MasterRegistry extends WriteHealth {
  /**
   * The highest retired ids, kept here rather than read inside a write: writes are batched
   * (`apply`), and a read would not see a batch still in flight.
   */
  private retiredAgent: number;
  private retiredFramework: number;

  private constructor(
    readonly path: string,
    private readonly root: RootDatabase,
    private readonly db: Database<unknown, string>,
  ) {
    super();
    this.retiredAgent = Number(db.get(RETIRED_AGENT)) || 0;
    this.retiredFramework = Number(db.get(RETIRED_FRAMEWORK)) || 0;
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
    const unreachable = new Map<AgentId, { info: AgentInfo; time: number }>();
    let lastAgent = this.retiredAgent;
    let lastFramework = this.retiredFramework;
    for (const { key, value } of this.db.getRange({ start: 'agents/', end: 'agents/\uffff' })) {
      const id = key.slice('agents/'.length) as AgentId;
      agents.set(id, value as AgentInfo);
      lastAgent = Math.max(lastAgent, serial(id));
    }
    for (const { key, value } of this.db.getRange({ start: 'unreachable/', end: 'unreachable/\uffff' })) {
      const id = key.slice('unreachable/'.length) as AgentId;
      unreachable.set(id, value as { info: AgentInfo; time: number });
      lastAgent = Math.max(lastAgent, serial(id));
    }
    for (const { key, value } of this.db.getRange({ start: 'frameworks/', end: 'frameworks/\uffff' })) {
      const id = key.slice('frameworks/'.length) as FrameworkId;
      frameworks.set(id, value as FrameworkInfo);
      lastFramework = Math.max(lastFramework, serial(id));
    }
    return { agents, unreachable, frameworks, lastAgent, lastFramework };
  }

  admitAgent(id: AgentId, info: AgentInfo): Promise<void> {
    return this.apply(() => this.db.put(`agents/${id}`, info));
  }

  admitFramework(id: FrameworkId, info: FrameworkInfo): Promise<void> {
    return this.apply(() => this.db.put(`frameworks/${id}`, info));
  }

  /** A framework torn down: forgotten, and its id never handed out again. */
  removeFramework(id: FrameworkId): Promise<void> {
    return this.apply(() => {
      this.db.remove(`frameworks/${id}`);
      this.retiredFramework = Math.max(this.retiredFramework, serial(id));
      this.db.put(RETIRED_FRAMEWORK, this.retiredFramework);
    });
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

  close(): Promise<void> {
    return this.root.close();
  }

  /** Agents leave the registry: the highest id of theirs is kept, so that a restarted master does not hand it out again. */
  private retire(ids: readonly AgentId[]): void {
    this.retiredAgent = Math.max(this.retiredAgent, ...ids.map(serial));
    this.db.put(RETIRED_AGENT, this.retiredAgent);
  }

  /**
   * One transaction, resolved once it is durable; a failure is a coded `CheckpointWriteError`
   * and marks the registry unhealthy. A batch, not lmdb-js's `transaction(callback)`: that one
   * has LMDB's write thread wait, inside its transaction, for this thread to run the callback —
   * which a thread that is ending (a master crash) no longer does.
   */
  private async apply(writes: () => void): Promise<void> {
    try {
      // A registry transaction is a few small records: the reserve alone is its margin.
      const full = lowSpace(this.path, 0);
      if (full !== undefined) throw full;
      await this.db.batch(writes);
    } catch (error) {
      const failure = await writeFailure(error, this.path);
      this.failed(failure);
      throw failure;
    }
    this.committed();
    await this.root.flushed;
  }
}
