import type { FrameworkId, TaskId, TaskStatus } from '../protocol/index.js';

export interface RetryPolicy {
  /** First resend of an unacknowledged update. Default 10 s (Mesos). */
  readonly initialMs: number;
  /** Resends back off by doubling up to this. Default 10 min. */
  readonly maxMs: number;
}

export interface StatusUpdateSink {
  /** Makes the update (or the acknowledgement) durable; resolves when it is. */
  checkpoint(status: TaskStatus, entry: 'update' | 'ack', seq: number): Promise<void>;
  forward(status: TaskStatus): void;
  /** The task's stream as it is durable now: to continue from after a write failed. */
  durable(frameworkId: FrameworkId, taskId: TaskId): DurableStream;
}

export interface DurableStream {
  readonly updates: readonly TaskStatus[];
  readonly acks: ReadonlySet<string>;
  /** Entries (updates and acknowledgements) in the stream. */
  readonly length: number;
}

interface Stream {
  readonly frameworkId: FrameworkId;
  readonly taskId: TaskId;
  /** Updates durable and not yet acknowledged by the framework, oldest first; the head is in flight. */
  readonly pending: TaskStatus[];
  readonly seen: Set<string>;
  nextSeq: number;
  backoffMs: number;
  /** When the head was last forwarded. */
  sentAt: number;
  checkpointing: boolean;
  /** The head's acknowledgement is being made durable: a duplicate ack must not count twice. */
  acking: boolean;
  /** Updates received and not durable yet (being written, or their write failed), in the order they came. */
  notDurable: TaskStatus[];
  /**
   * A checkpoint write of this stream failed: what is in memory may be ahead of the disk. Nothing
   * newer is written until what failed is written again (`rewrite`), in the order it came, so
   * that the stream on disk is always a prefix of the order its updates came in: a task's end
   * never lands ahead of a progress report sent before it.
   */
  dirty: boolean;
  /** Why the last write failed: what an update still not durable is rejected with. */
  failure: unknown;
  /** Writes in flight (updates by uuid, acknowledgements by `ack <uuid>`): a duplicate waits for its first copy. */
  readonly writing: Map<string, Promise<void>>;
  /** The rewrite in progress, if any. */
  rewriting: Promise<void> | null;
}

/**
 * The agent's status update manager (Mesos's TaskStatusUpdateManager): one ordered stream per
 * task. An update is made durable before the caller acknowledges it to the executor, forwarded
 * to the master, and resent with backoff until the framework acknowledges it; the next update
 * of a stream leaves only then. Duplicates (same uuid) are dropped. Resends are driven by
 * `resendDue(now)`, which the owner calls from one periodic timer (one timer per update cost
 * the agent a fifth of its time in garbage collection at a few thousand updates per second).
 */
export class StatusUpdateManager {
  /** By `streamKey`. */
  private readonly streams = new Map<string, Stream>();

  constructor(
    private readonly sink: StatusUpdateSink,
    private readonly retry: RetryPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** How often the owner should call `resendDue`: often enough for the shortest backoff. */
  get sweepIntervalMs(): number {
    return Math.max(5, Math.floor(this.retry.initialMs / 4));
  }

  /**
   * Takes an update from an executor. Resolves 'accepted' once it is durable (the executor may
   * then forget it) or 'duplicate' (once the first copy is durable); rejects if it could not be
   * made durable now. The manager keeps such an update and writes it again, in its place, when
   * the next update or copy of its stream comes or `writeUnwritten` is called; the executor
   * keeps it too and sends it again.
   */
  async update(status: TaskStatus, checkpointing: boolean): Promise<'accepted' | 'duplicate'> {
    const stream = this.streamOf(status.frameworkId, status.taskId, checkpointing);
    const known = stream.seen.has(status.uuid);
    if (!known) {
      stream.seen.add(status.uuid);
      if (!stream.checkpointing) {
        this.enqueue(stream, [status]);
        return 'accepted';
      }
      stream.notDurable.push(status);
    }
    if (stream.dirty || stream.rewriting !== null) await this.rewrite(stream);
    else if (!known) this.write(stream, status);
    // Its own write only: never a wait on the stream's later updates.
    await stream.writing.get(status.uuid);
    if (stream.notDurable.some((u) => u.uuid === status.uuid)) throw stream.failure;
    return known ? 'duplicate' : 'accepted';
  }

  /**
   * Writes again, in order, what could not be written, for every stream: called once writes
   * succeed again, for updates no executor will send again (it is gone). Resolves when each
   * stream has been tried; one whose write fails again stays as it was.
   */
  async writeUnwritten(): Promise<void> {
    const dirty = [...this.streams.values()].filter((s) => s.dirty);
    await Promise.allSettled(dirty.map((s) => this.rewrite(s).then(() => Promise.all(s.notDurable.map((u) => s.writing.get(u.uuid))))));
  }

  /**
   * Restores a stream from the checkpoint after a restart: updates not yet acknowledged wait
   * to be forwarded again, oldest first; every known uuid counts as seen, so an executor that
   * resends one is deduplicated.
   */
  recover(frameworkId: FrameworkId, taskId: TaskId, checkpointed: readonly TaskStatus[], acked: ReadonlySet<string>, nextSeq: number): void {
    const stream = this.newStream(frameworkId, taskId, true);
    stream.pending.push(...checkpointed.filter((s) => !acked.has(s.uuid)));
    for (const update of checkpointed) stream.seen.add(update.uuid);
    stream.nextSeq = nextSeq;
    this.streams.set(streamKey(frameworkId, taskId), stream);
  }

  /** Forwards every stream's head now (after the agent reregistered with the master), or only those of one framework (its scheduler is back). */
  resendAll(frameworkId?: FrameworkId): void {
    for (const stream of this.streams.values()) {
      const head = stream.pending[0];
      if (head !== undefined && !stream.acking && (frameworkId === undefined || head.frameworkId === frameworkId)) this.send(stream);
    }
  }

  /** The framework acknowledged `uuid`; returns that update if it was the one in flight. */
  async acknowledge(frameworkId: FrameworkId, taskId: TaskId, uuid: string): Promise<TaskStatus | null> {
    const stream = this.streams.get(streamKey(frameworkId, taskId));
    if (stream === undefined) return null;
    if (stream.dirty || stream.rewriting !== null) await this.rewrite(stream);
    const head = stream.pending[0];
    if (head === undefined || head.uuid !== uuid || stream.acking || stream.dirty) return null;
    stream.acking = true;
    try {
      if (stream.checkpointing) {
        const written = this.checkpoint(stream, head, 'ack', stream.nextSeq++);
        stream.writing.set(`ack ${uuid}`, written);
        await written.finally(() => stream.writing.delete(`ack ${uuid}`));
      }
    } finally {
      stream.acking = false;
    }
    // A rewrite that waited for this ack may have rebuilt the stream from disk without it, and sent the next one.
    if (stream.pending[0]?.uuid !== uuid) return head;
    stream.pending.shift();
    stream.backoffMs = this.retry.initialMs;
    if (stream.pending.length > 0) this.send(stream);
    return head;
  }

  /** Resends every in-flight update unacknowledged for longer than its backoff, which then doubles. */
  resendDue(): number {
    const now = this.now();
    let resent = 0;
    for (const stream of this.streams.values()) {
      if (stream.pending.length === 0 || stream.acking || now - stream.sentAt < stream.backoffMs) continue;
      stream.backoffMs = Math.min(this.retry.maxMs, stream.backoffMs * 2);
      this.send(stream);
      resent++;
    }
    return resent;
  }

  /** Updates not yet acknowledged, over every stream (those not durable yet included). */
  pendingCount(): number {
    let n = 0;
    for (const stream of this.streams.values()) n += stream.pending.length + stream.notDurable.length;
    return n;
  }

  /** Updates durable and not yet acknowledged. */
  unacknowledged(frameworkId: FrameworkId, taskId: TaskId): readonly TaskStatus[] {
    return this.streams.get(streamKey(frameworkId, taskId))?.pending ?? [];
  }

  /** Forgets a task whose terminal update was acknowledged. */
  remove(frameworkId: FrameworkId, taskId: TaskId): void {
    this.streams.delete(streamKey(frameworkId, taskId));
  }

  private streamOf(frameworkId: FrameworkId, taskId: TaskId, checkpointing: boolean): Stream {
    const key = streamKey(frameworkId, taskId);
    let stream = this.streams.get(key);
    if (stream === undefined) {
      stream = this.newStream(frameworkId, taskId, checkpointing);
      this.streams.set(key, stream);
    }
    return stream;
  }

  private newStream(frameworkId: FrameworkId, taskId: TaskId, checkpointing: boolean): Stream {
    return {
      frameworkId,
      taskId,
      pending: [],
      seen: new Set(),
      nextSeq: 0,
      backoffMs: this.retry.initialMs,
      sentAt: 0,
      checkpointing,
      acking: false,
      notDurable: [],
      dirty: false,
      failure: undefined,
      writing: new Map(),
      rewriting: null,
    };
  }

  /**
   * Writes an update at the stream's next place (writes resolve in the order they are made);
   * once durable it leaves `notDurable` and joins the updates to forward. The write is kept in
   * `writing` until it settles; it never rejects (a failure marks the stream dirty).
   */
  private write(stream: Stream, status: TaskStatus): void {
    const written = this.checkpoint(stream, status, 'update', stream.nextSeq++).then(
      () => {
        // A rewrite may have found it on disk and queued it already.
        const at = stream.notDurable.indexOf(status);
        if (at < 0) return;
        stream.notDurable.splice(at, 1);
        this.enqueue(stream, [status]);
      },
      () => undefined,
    );
    stream.writing.set(status.uuid, written);
    void written.then(() => {
      if (stream.writing.get(status.uuid) === written) stream.writing.delete(status.uuid);
    });
  }

  private async checkpoint(stream: Stream, status: TaskStatus, entry: 'update' | 'ack', seq: number): Promise<void> {
    try {
      await this.sink.checkpoint(status, entry, seq);
    } catch (error) {
      stream.dirty = true;
      stream.failure = error;
      throw error;
    }
  }

  /** Puts durable updates behind the stream's pending ones, forwarding the head if it was idle. */
  private enqueue(stream: Stream, updates: readonly TaskStatus[]): void {
    const idle = stream.pending.length === 0;
    stream.pending.push(...updates);
    if (idle && stream.pending.length > 0) this.send(stream);
  }

  /**
   * After a failed write: once the stream's writes in flight have settled, rebuilds it from what
   * is durable and writes again what is not, in the order it came. The stream is clean again as
   * soon as those writes are made: later updates are written behind them (if they fail, so do
   * the later ones), and each caller waits for its own write only.
   */
  private rewrite(stream: Stream): Promise<void> {
    stream.rewriting ??= (async () => {
      try {
        await Promise.allSettled([...stream.writing.values()]);
        if (this.streams.get(streamKey(stream.frameworkId, stream.taskId)) !== stream) return;
        const durable = this.sink.durable(stream.frameworkId, stream.taskId);
        const onDisk = new Set(durable.updates.map((u) => u.uuid));
        const head = stream.pending[0]?.uuid;
        stream.pending.splice(0, stream.pending.length, ...durable.updates.filter((u) => !durable.acks.has(u.uuid)));
        stream.notDurable = stream.notDurable.filter((u) => !onDisk.has(u.uuid));
        stream.nextSeq = durable.length;
        stream.dirty = false;
        if (stream.pending.length > 0 && stream.pending[0]!.uuid !== head) this.send(stream);
        for (const update of stream.notDurable) this.write(stream, update);
      } finally {
        stream.rewriting = null;
      }
    })();
    return stream.rewriting;
  }

  private send(stream: Stream): void {
    stream.sentAt = this.now();
    this.sink.forward(stream.pending[0]!);
  }
}

/** Task ids are unique per framework only. */
function streamKey(frameworkId: FrameworkId, taskId: TaskId): string {
  return `${frameworkId}/${taskId}`;
}
