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
  durable(status: TaskStatus): DurableStream;
}

export interface DurableStream {
  readonly updates: readonly TaskStatus[];
  readonly acks: ReadonlySet<string>;
  /** Entries (updates and acknowledgements) in the stream. */
  readonly length: number;
}

interface Stream {
  /** Updates not yet acknowledged by the framework, oldest first; the head is in flight. */
  readonly pending: TaskStatus[];
  readonly seen: Set<string>;
  nextSeq: number;
  backoffMs: number;
  /** When the head was last forwarded. */
  sentAt: number;
  checkpointing: boolean;
  /** The head's acknowledgement is being made durable: a duplicate ack must not count twice. */
  acking: boolean;
  /**
   * A checkpoint write of this stream failed: what is in memory may be ahead of the disk. The
   * next use rebuilds the stream from what is durable (`resync`), so that an update retried by
   * its executor is written again at the right place, and nothing is forwarded out of order.
   */
  dirty: boolean;
  /** Updates whose checkpoint write is in flight: a duplicate of one is answered when it is durable, not before. */
  readonly writing: Map<string, Promise<void>>;
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
  /** By `<frameworkId>/<taskId>`: task ids are unique per framework only. */
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
   * made durable (the executor keeps it and sends it again).
   */
  async update(status: TaskStatus, checkpointing: boolean): Promise<'accepted' | 'duplicate'> {
    const key = `${status.frameworkId}/${status.taskId}`;
    let stream = this.streams.get(key);
    if (stream === undefined) {
      stream = { pending: [], seen: new Set(), nextSeq: 0, backoffMs: this.retry.initialMs, sentAt: 0, checkpointing, acking: false, dirty: false, writing: new Map() };
      this.streams.set(key, stream);
    }
    if (stream.dirty) this.resync(stream, status);
    if (stream.seen.has(status.uuid)) {
      // Acknowledged to the executor only once durable: if that write fails, the executor keeps it.
      await stream.writing.get(status.uuid);
      return 'duplicate';
    }
    stream.seen.add(status.uuid);
    const seq = stream.nextSeq++;
    if (checkpointing) {
      const written = this.checkpoint(stream, status, 'update', seq);
      stream.writing.set(status.uuid, written);
      try {
        await written;
      } finally {
        stream.writing.delete(status.uuid);
      }
    }
    // A resync while this write was in flight may have found it on disk and queued it already.
    if (stream.pending.some((s) => s.uuid === status.uuid)) return 'accepted';
    stream.pending.push(status);
    if (stream.pending.length === 1) this.send(stream);
    return 'accepted';
  }

  /**
   * Restores a stream from the checkpoint after a restart: updates not yet acknowledged wait
   * to be forwarded again, oldest first; every known uuid counts as seen, so an executor that
   * resends one is deduplicated.
   */
  recover(frameworkId: FrameworkId, taskId: TaskId, checkpointed: readonly TaskStatus[], acked: ReadonlySet<string>, nextSeq: number): void {
    this.streams.set(`${frameworkId}/${taskId}`, {
      pending: checkpointed.filter((s) => !acked.has(s.uuid)),
      seen: new Set(checkpointed.map((s) => s.uuid)),
      nextSeq,
      backoffMs: this.retry.initialMs,
      sentAt: 0,
      checkpointing: true,
      acking: false,
      dirty: false,
      writing: new Map(),
    });
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
    const stream = this.streams.get(`${frameworkId}/${taskId}`);
    if (stream?.dirty === true && stream.pending[0] !== undefined) this.resync(stream, stream.pending[0]);
    const head = stream?.pending[0];
    if (stream === undefined || head === undefined || head.uuid !== uuid || stream.acking) return null;
    stream.acking = true;
    try {
      if (stream.checkpointing) await this.checkpoint(stream, head, 'ack', stream.nextSeq++);
    } finally {
      stream.acking = false;
    }
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

  /** Updates not yet acknowledged, over every stream. */
  pendingCount(): number {
    let n = 0;
    for (const stream of this.streams.values()) n += stream.pending.length;
    return n;
  }

  /** Updates not yet acknowledged. */
  unacknowledged(frameworkId: FrameworkId, taskId: TaskId): readonly TaskStatus[] {
    return this.streams.get(`${frameworkId}/${taskId}`)?.pending ?? [];
  }

  /** Forgets a task whose terminal update was acknowledged. */
  remove(frameworkId: FrameworkId, taskId: TaskId): void {
    this.streams.delete(`${frameworkId}/${taskId}`);
  }

  private async checkpoint(stream: Stream, status: TaskStatus, entry: 'update' | 'ack', seq: number): Promise<void> {
    try {
      await this.sink.checkpoint(status, entry, seq);
    } catch (error) {
      stream.dirty = true;
      throw error;
    }
  }

  /** Rebuilds a stream from what is durable after a failed write; its head is forwarded again if it changed. */
  private resync(stream: Stream, status: TaskStatus): void {
    const durable = this.sink.durable(status);
    const head = stream.pending[0]?.uuid;
    stream.seen.clear();
    for (const update of durable.updates) stream.seen.add(update.uuid);
    stream.nextSeq = durable.length;
    stream.pending.splice(0, stream.pending.length, ...durable.updates.filter((u) => !durable.acks.has(u.uuid)));
    stream.dirty = false;
    if (stream.pending.length > 0 && stream.pending[0]!.uuid !== head) this.send(stream);
  }

  private send(stream: Stream): void {
    stream.sentAt = this.now();
    this.sink.forward(stream.pending[0]!);
  }
}
