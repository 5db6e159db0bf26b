import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, type RootDatabase, open } from 'lmdb';
import { CheckpointError } from './errors.js';
import { isValidId } from './ids.js';
import { WorkDirLock } from './lock.js';
import { keys, parseKey } from './paths.js';
import { type CheckpointRecord, type StreamEntry, TERMINAL_STATES, encodeValue, payloadOf, recordEncoder } from './records.js';
import type { RunPath, TaskId, TaskPath } from './ids.js';

/**
 * `durable` (default): a write resolves once its transaction is committed and flushed to disk.
 * `no-sync-unsafe`: LMDB never syncs; a write resolves once committed in memory. It exists only
 * to measure what durability costs, and loses data on a host crash: never use it for agents.
 */
export type Durability = 'durable' | 'no-sync-unsafe';

export interface CheckpointStoreOptions {
  readonly durability?: Durability;
  /** Initial LMDB map size in bytes; LMDB grows it as needed. Default 64 MiB. */
  readonly mapSize?: number;
  /** Who holds the work dir lock, for the error a second opener sees. */
  readonly owner?: string;
  /** Break a lock held by this same process (the caller knows that holder is dead). */
  readonly takeOverLock?: boolean;
}

type Entry = { readonly key: string; readonly value: Buffer | null };

/**
 * The checkpoint of one host's agent: an LMDB environment in `<workDir>/meta`. Writes are
 * group-committed: every write that arrives before a transaction starts joins it, and all of
 * them resolve together once it is flushed. Only the asynchronous LMDB API is used, since this
 * runs in agent workers that can be terminated mid-write (DESIGN.md §5).
 */
export class CheckpointStore {
  readonly path: string;
  readonly durability: Durability;
  private readonly root: RootDatabase;
  private readonly db: Database<unknown, string>;
  private readonly lock: WorkDirLock;
  private pending: Entry[] = [];
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;
  private closed = false;
  /** Each task's update stream as written so far, so an append rewrites it without a read. */
  private readonly streams = new Map<string, StreamEntry[]>();
  /** Transactions committed and records written, for the benchmark and stats. */
  commits = 0;
  recordsWritten = 0;

  private constructor(workDir: string, options: CheckpointStoreOptions) {
    this.durability = options.durability ?? 'durable';
    const metaDir = join(workDir, 'meta');
    try {
      mkdirSync(metaDir, { recursive: true });
    } catch (cause) {
      throw new CheckpointError(
        'ERR_CHECKPOINT_UNWRITABLE',
        `cannot create the checkpoint directory ${metaDir}: ${(cause as Error).message}. Give the agent a work dir it can write.`,
        { cause },
      );
    }
    this.lock = WorkDirLock.acquire(join(metaDir, 'agent.lock'), options.owner ?? 'agent', options.takeOverLock ?? false);
    this.path = join(metaDir, 'checkpoint.mdb');
    try {
      this.root = open({
        path: this.path,
        noSubdir: true,
        mapSize: options.mapSize ?? 64 * 1024 * 1024,
        noSync: this.durability === 'no-sync-unsafe',
        overlappingSync: this.durability === 'durable',
      });
      this.db = openRecords(this.root);
    } catch (cause) {
      this.lock.release();
      throw new CheckpointError(
        'ERR_CHECKPOINT_UNWRITABLE',
        `cannot open the checkpoint at ${this.path}: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  static async open(workDir: string, options: CheckpointStoreOptions = {}): Promise<CheckpointStore> {
    return new CheckpointStore(workDir, options);
  }

  /** The database, for readers in this thread (see `readState`). */
  get database(): Database<unknown, string> {
    return this.db;
  }

  /** Resolves once every record is durable (or committed, with `no-sync-unsafe`). */
  write(records: CheckpointRecord | readonly CheckpointRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new CheckpointError('ERR_CHECKPOINT_CLOSED', 'the checkpoint store is closed'));
    const list = Array.isArray(records) ? records : [records as CheckpointRecord];
    try {
      for (const record of list) this.entries(record);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.enqueue();
  }

  /** A task's update stream as written (and, after a failed write, as durable). */
  durableStream(task: TaskPath): readonly StreamEntry[] {
    return this.stream(keys.taskUpdates(task));
  }

  /** Deletes a finished executor run (all its tasks terminal and acknowledged), for GC. */
  async removeRun(run: RunPath): Promise<number> {
    if (this.closed) throw new CheckpointError('ERR_CHECKPOINT_CLOSED', 'the checkpoint store is closed');
    return this.removePrefix(keys.runPrefix(run));
  }

  /** Tasks of a run that are not finished: no terminal update yet, or one not acknowledged. */
  unfinishedTasks(run: RunPath): TaskId[] {
    const prefix = `${keys.runPrefix(run)}tasks/`;
    const unfinished: TaskId[] = [];
    for (const key of this.db.getKeys({ start: prefix, end: `${prefix}\uffff` })) {
      const parsed = parseKey(key);
      if (parsed.kind !== 'task-info') continue;
      const stream = this.stream(keys.taskUpdates(parsed));
      const updates = stream.flatMap((e) => (e.kind === 'update' ? [e.update] : []));
      const acked = new Set(stream.flatMap((e) => (e.kind === 'ack' ? [e.uuid] : [])));
      const last = updates.at(-1);
      if (last === undefined || !TERMINAL_STATES.has(last.state) || updates.some((u) => !acked.has(u.uuid))) {
        unfinished.push(parsed.taskId);
      }
    }
    return unfinished;
  }

  /** Removes a run once every task in it is terminal and acknowledged; refuses otherwise. */
  async removeFinishedRun(run: RunPath): Promise<number> {
    const unfinished = this.unfinishedTasks(run);
    if (unfinished.length > 0) {
      throw new CheckpointError(
        'ERR_CHECKPOINT_INVALID',
        `run ${run.runId} of executor ${run.executorId} still has ${unfinished.length} task(s) not terminal and acknowledged (${unfinished.slice(0, 5).join(', ')}); it cannot be removed`,
      );
    }
    return this.removeRun(run);
  }

  /** Deletes an executor and all its runs (its meta directory, in Mesos terms). */
  async removeExecutor(run: Omit<RunPath, 'runId'>): Promise<number> {
    if (this.closed) throw new CheckpointError('ERR_CHECKPOINT_CLOSED', 'the checkpoint store is closed');
    return this.removePrefix(keys.executorPrefix(run.agentId, run.frameworkId, run.executorId));
  }

  /** Deletes `agents/latest`: the next start is a new agent (Mesos: a rebooted agent whose info changed removes meta/slaves/latest). */
  async forgetAgent(): Promise<number> {
    if (this.closed) throw new CheckpointError('ERR_CHECKPOINT_CLOSED', 'the checkpoint store is closed');
    return this.removePrefix(keys.latestAgent());
  }

  private async removePrefix(prefix: string): Promise<number> {
    let removed = 0;
    for (const key of this.db.getKeys({ start: prefix, end: `${prefix}\uffff` })) {
      this.pending.push({ key, value: null });
      this.streams.delete(key);
      removed++;
    }
    await this.enqueue();
    return removed;
  }

  /** Waits for pending writes, then closes the environment and releases the work dir. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.pending.length > 0 || this.scheduled) await this.enqueue();
    this.closed = true;
    await this.root.close();
    this.lock.release();
  }

  private enqueue(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => void this.commit());
    }
    return done;
  }

  /**
   * Everything written in this event turn goes to LMDB together: lmdb-js puts the async writes
   * of one turn in one transaction, and one flush then makes all of them durable.
   */
  private async commit(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    try {
      let last: Promise<unknown> = Promise.resolve();
      for (const entry of batch) last = entry.value === null ? this.db.remove(entry.key) : this.db.put(entry.key, entry.value);
      await last;
      if (this.durability === 'durable') await this.root.flushed;
      this.commits++;
      this.recordsWritten += batch.length;
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    }
  }

  private stream(key: string): StreamEntry[] {
    let stream = this.streams.get(key);
    if (stream === undefined) {
      const stored = this.db.get(key);
      stream = stored === undefined ? [] : (payloadOf(key, stored) as StreamEntry[]);
      this.streams.set(key, stream);
    }
    return stream;
  }

  private entries(record: CheckpointRecord): void {
    const put = (key: string, payload: unknown): void => {
      this.pending.push({ key, value: encodeValue(payload) });
    };
    switch (record.type) {
      case 'boot-id':
        return put(keys.bootId(), { bootId: record.bootId });
      case 'resources':
        return put(keys.resources(), { reservations: record.reservations });
      case 'agent':
        checkIds(record.agentId);
        put(keys.agentInfo(record.agentId), { info: record.info });
        return put(keys.latestAgent(), { agentId: record.agentId });
      case 'framework':
        checkIds(record.agentId, record.frameworkId);
        return put(keys.frameworkInfo(record.agentId, record.frameworkId), {
          info: record.info,
          schedulerAddress: record.schedulerAddress ?? null,
        });
      case 'executor':
        checkIds(record.agentId, record.frameworkId, record.executorId);
        return put(keys.executorInfo(record.agentId, record.frameworkId, record.executorId), { info: record.info });
      case 'run':
        checkIds(record.run.agentId, record.run.frameworkId, record.run.executorId, record.run.runId);
        put(keys.runPid(record.run), { pid: record.pid });
        return put(keys.latestRun(record.run.agentId, record.run.frameworkId, record.run.executorId), { runId: record.run.runId });
      case 'sentinel':
        return put(keys.sentinel(record.run), { completedAt: Date.now() });
      case 'task':
        checkIds(record.task.taskId);
        return put(keys.taskInfo(record.task), { info: record.info });
      case 'update':
        return this.append(record.task, record.seq, { kind: 'update', update: record.update });
      case 'ack':
        return this.append(record.task, record.seq, { kind: 'ack', uuid: record.uuid });
    }
  }

  /**
   * Appends to a task's stream. `seq` is the entry's index: the next one appends, an existing
   * one is replaced (a retry after a crash is idempotent), and a gap is refused.
   */
  private append(task: TaskPath, seq: number, entry: StreamEntry): void {
    checkIds(task.agentId, task.frameworkId, task.executorId, task.runId, task.taskId);
    const key = keys.taskUpdates(task);
    const stream = this.stream(key);
    if (!Number.isInteger(seq) || seq < 0 || seq > stream.length) {
      throw new CheckpointError(
        'ERR_CHECKPOINT_INVALID',
        `update ${seq} of ${key} would leave a gap: the stream has ${stream.length} entries`,
      );
    }
    stream[seq] = entry;
    this.pending.push({ key, value: encodeValue(stream) });
  }
}

/** The records database of a checkpoint environment: values go through `recordEncoder`. */
export function openRecords(root: RootDatabase): Database<unknown, string> {
  // lmdb-js takes a custom encoder object here; its typings only list the built-in encodings.
  const options = { name: 'records', encoder: recordEncoder };
  return root.openDB<unknown, string>(options);
}

function checkIds(...ids: string[]): void {
  for (const id of ids) {
    if (!isValidId(id)) {
      throw new CheckpointError('ERR_CHECKPOINT_INVALID', `"${id}" cannot be a checkpoint id: use 1-128 characters from A-Z a-z 0-9 _ . : -`);
    }
  }
}

