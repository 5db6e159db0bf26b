import type { Database, RootDatabase } from 'lmdb';
import { type CheckpointStoreOptions, type Durability, openEnvironment } from './environment.js';
import { CheckpointError, type CheckpointWriteError } from './errors.js';
import { isTaskFinished, splitStream } from './finished.js';
import { type RunPath, type TaskId, type TaskPath, isValidId } from './ids.js';
import type { WorkDirLock } from './lock.js';
import { keys, parseKey } from './paths.js';
import { type CheckpointRecord, type StreamEntry, encodeValue, payloadOf } from './records.js';
import { lowSpace } from './free-space.js';
import { WriteHealth, writeFailure } from './write-failure.js';

type Entry = { readonly key: string; readonly value: Buffer | null };
type Waiter = { readonly resolve: () => void; readonly reject: (error: unknown) => void };

/** Writes that go to LMDB together, in one transaction. */
interface Batch {
  readonly entries: Entry[];
  readonly waiters: Waiter[];
  /** Keys of the update streams this batch appends to, to forget if it fails. */
  readonly streams: Set<string>;
}

const newBatch = (): Batch => ({ entries: [], waiters: [], streams: new Set() });

const STREAM_SUFFIX = '/task.updates';

/** What a batch puts into LMDB: its keys and values, and 64 bytes of overhead per entry. */
const batchBytes = (entries: readonly Entry[]): number => entries.reduce((sum, { key, value }) => sum + key.length + (value?.length ?? 0) + 64, 0);

/**
 * The checkpoint of one host's agent: an LMDB environment in `<workDir>/meta`. Writes are
 * group-committed: every write that arrives while a transaction is in flight joins the next
 * one, and all of them resolve together once it is flushed. One transaction is in flight at a
 * time, so that a failed one is known before the next starts. Only the asynchronous LMDB API is
 * used, since this runs in agent workers that can be terminated mid-write (DESIGN.md §5).
 *
 * A failed commit (a full disk, an I/O error) rejects its writes with a `CheckpointWriteError`
 * and leaves nothing of them on disk or in the store's memory; the store stays usable and the
 * next write is tried again (lmdb-js aborts the failed transaction and its environment stays
 * open: no reopen is needed). `healthy`, `lastError` and the `error` / `recovered` events tell
 * the agent when to stop taking work and when to resume.
 */
export class CheckpointStore extends WriteHealth {
  readonly path: string;
  readonly durability: Durability;
  private readonly root: RootDatabase;
  private readonly db: Database<unknown, string>;
  private readonly lock: WorkDirLock;
  private pending = newBatch();
  private scheduled = false;
  private inFlight = false;
  /** While a failed commit's error is worked out: writes issued meanwhile fail with it. */
  private failing: Promise<CheckpointWriteError> | null = null;
  private closed = false;
  /** Prefixes a non-strict read skipped (`removeSkipped`): deleted by the next commit that succeeds. */
  private readonly skipped = new Set<string>();
  /** Each task's update stream as written so far, so an append rewrites it without a read. */
  private readonly streams = new Map<string, readonly StreamEntry[]>();
  /** While a write is being built: the streams it replaced, to restore if it is refused. */
  private replaced: Map<string, readonly StreamEntry[] | undefined> | null = null;
  /** Transactions committed and records written, for the benchmark and stats. */
  commits = 0;
  recordsWritten = 0;

  private constructor(workDir: string, options: CheckpointStoreOptions) {
    super();
    this.durability = options.durability ?? 'durable';
    ({ path: this.path, lock: this.lock, root: this.root, db: this.db } = openEnvironment(workDir, options));
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
    const list = Array.isArray(records) ? records : [records as CheckpointRecord];
    return this.submit(() => {
      for (const record of list) this.entries(record);
    });
  }

  /** A task's update stream as written (and, after a failed write, as durable). */
  durableStream(task: TaskPath): readonly StreamEntry[] {
    return this.stream(keys.taskUpdates(task));
  }

  /** Deletes a finished executor run (all its tasks terminal and acknowledged), for GC. */
  async removeRun(run: RunPath): Promise<number> {
    return this.removePrefix(keys.runPrefix(run));
  }

  /** Tasks of a run that are not finished (see `isTaskFinished`). */
  unfinishedTasks(run: RunPath): TaskId[] {
    this.checkOpen();
    const prefix = `${keys.runPrefix(run)}tasks/`;
    const unfinished: TaskId[] = [];
    for (const key of this.db.getKeys({ start: prefix, end: `${prefix}\uffff` })) {
      const parsed = parseKey(key);
      if (parsed.kind === 'task-info' && !this.finished(parsed)) unfinished.push(parsed.taskId);
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

  /**
   * Removes a finished task's records (task.info and task.updates), so that a long-lived
   * executor's checkpoint does not grow with every task it ever ran; refuses a task that is not
   * terminal and acknowledged. Resolves with the number of records removed (0 if already gone).
   */
  async removeFinishedTask(task: TaskPath): Promise<number> {
    this.checkOpen();
    checkIds(task.agentId, task.frameworkId, task.executorId, task.runId, task.taskId);
    const prefix = keys.taskPrefix(task);
    const stream = this.stream(keys.taskUpdates(task));
    if (stream.length === 0 && this.db.getKeysCount({ start: prefix, end: `${prefix}\uffff` }) === 0) return 0;
    const { updates, acks } = splitStream(stream);
    if (!isTaskFinished({ updates, acks })) {
      const last = updates.at(-1)?.state ?? 'none';
      const unacked = updates.filter((u) => !acks.has(u.uuid)).length;
      throw new CheckpointError(
        'ERR_CHECKPOINT_INVALID',
        `task ${task.taskId} of run ${task.runId} is not terminal and acknowledged (last update: ${last}, ${unacked} not acknowledged); it cannot be removed`,
      );
    }
    return this.removePrefix(prefix);
  }

  /** Deletes an executor and all its runs (its meta directory, in Mesos terms). */
  async removeExecutor(run: Omit<RunPath, 'runId'>): Promise<number> {
    return this.removePrefix(keys.executorPrefix(run.agentId, run.frameworkId, run.executorId));
  }

  /** Deletes `agents/latest`: the next start is a new agent (Mesos: a rebooted agent whose info changed removes meta/slaves/latest). */
  async forgetAgent(): Promise<number> {
    return this.removePrefix(keys.latestAgent());
  }

  private finished(task: TaskPath): boolean {
    return isTaskFinished(splitStream(this.stream(keys.taskUpdates(task))));
  }

  /**
   * Deletes what a non-strict read skipped (`CheckpointState.skipped`). The deletion goes first
   * into every commit until one succeeds (a full disk may refuse the first ones), so that no
   * later write — a framework's info written again by its next launch — lands before it and
   * brings the skipped records back. A skipped update stream starts anew, empty.
   */
  removeSkipped(prefixes: readonly string[]): Promise<void> {
    for (const prefix of prefixes) {
      this.skipped.add(prefix);
      for (const key of this.keysUnder(prefix)) if (key.endsWith(STREAM_SUFFIX)) this.streams.set(key, []);
    }
    return this.submit(() => undefined);
  }

  private keysUnder(prefix: string): Iterable<string> {
    return this.db.getKeys({ start: prefix, end: `${prefix}\uffff` });
  }

  private async removePrefix(prefix: string): Promise<number> {
    let removed = 0;
    await this.submit(() => {
      for (const key of this.keysUnder(prefix)) {
        this.pending.entries.push({ key, value: null });
        this.streams.delete(key);
        removed++;
      }
    });
    return removed;
  }

  /** Waits for the writes issued so far to settle, then closes the environment and releases the work dir. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.submit(() => undefined).catch(() => undefined);
    this.closed = true;
    await this.root.close();
    this.lock.release();
  }

  /**
   * Adds what `build` writes to the next batch, all or nothing (a write refused half-way leaves
   * no entry behind); resolves when that batch is durable.
   */
  private submit(build: () => void): Promise<void> {
    try {
      this.checkOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.failing !== null) {
      return this.failing.then((failure) => {
        throw failure;
      });
    }
    const entries = this.pending.entries.length;
    const replaced = new Map<string, readonly StreamEntry[] | undefined>();
    this.replaced = replaced;
    try {
      build();
    } catch (error) {
      this.pending.entries.length = entries;
      for (const [key, stream] of replaced) {
        if (stream === undefined) this.streams.delete(key);
        else this.streams.set(key, stream);
      }
      return Promise.reject(error);
    } finally {
      this.replaced = null;
    }
    const done = new Promise<void>((resolve, reject) => this.pending.waiters.push({ resolve, reject }));
    this.schedule();
    return done;
  }

  private checkOpen(): void {
    if (this.closed) throw new CheckpointError('ERR_CHECKPOINT_CLOSED', 'the checkpoint store is closed');
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      void this.commit();
    });
  }

  /**
   * Commits the pending batch as one LMDB transaction. The next batch starts as soon as this one
   * is committed, and overlaps its flush to disk.
   */
  private async commit(): Promise<void> {
    const batch = this.pending;
    if (batch.waiters.length === 0) return;
    this.pending = newBatch();
    const skipped = [...this.skipped];
    if (batch.entries.length === 0 && skipped.length === 0) {
      for (const waiter of batch.waiters) waiter.resolve();
      return;
    }
    this.inFlight = true;
    let flushed: Promise<unknown> | undefined;
    const full = lowSpace(this.path, batchBytes(batch.entries));
    if (full !== undefined) {
      await this.fail(batch, full);
      return;
    }
    try {
      await this.db.batch(() => {
        for (const prefix of skipped) for (const key of this.keysUnder(prefix)) void this.db.remove(key);
        for (const { key, value } of batch.entries) {
          if (value === null) void this.db.remove(key);
          else void this.db.put(key, value);
        }
      });
      // Taken before the next batch starts: `flushed` follows lmdb-js's latest transaction.
      if (this.durability === 'durable') flushed = new Promise((resolve, reject) => this.root.flushed.then(resolve, reject));
    } catch (error) {
      await this.fail(batch, error);
      return;
    }
    this.inFlight = false;
    for (const prefix of skipped) this.skipped.delete(prefix);
    this.commits++;
    this.recordsWritten += batch.entries.length;
    this.committed();
    this.schedule();
    try {
      await flushed;
    } catch (error) {
      const failure = await writeFailure(error, this.path);
      for (const waiter of batch.waiters) waiter.reject(failure);
      return;
    }
    for (const waiter of batch.waiters) waiter.resolve();
  }

  /**
   * Nothing of a failed transaction is on disk. The writes queued behind it were accepted on top
   * of it (a stream append counts the failed entries), and the writes issued before its failure
   * is reported may depend on it: all of them fail with it, and the streams they touched are
   * forgotten, to be read again from disk.
   */
  private async fail(batch: Batch, error: unknown): Promise<void> {
    const queued = this.pending;
    this.pending = newBatch();
    for (const key of [...batch.streams, ...queued.streams]) this.streams.delete(key);
    this.failing = writeFailure(error, this.path);
    const failure = await this.failing;
    this.failing = null;
    this.inFlight = false;
    for (const waiter of [...batch.waiters, ...queued.waiters]) waiter.reject(failure);
    this.failed(failure);
  }

  private stream(key: string): readonly StreamEntry[] {
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
      this.pending.entries.push({ key, value: encodeValue(payload, key) });
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
    const next = [...stream];
    next[seq] = entry;
    if (this.replaced !== null && !this.replaced.has(key)) this.replaced.set(key, stream);
    this.streams.set(key, next);
    this.pending.entries.push({ key, value: encodeValue(next, key) });
    this.pending.streams.add(key);
  }
}

function checkIds(...ids: string[]): void {
  for (const id of ids) {
    if (!isValidId(id)) {
      throw new CheckpointError('ERR_CHECKPOINT_INVALID', `"${id}" cannot be a checkpoint id: use 1-128 characters from A-Z a-z 0-9 _ . : -`);
    }
  }
}

