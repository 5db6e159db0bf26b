import type { CheckpointRecord, CheckpointStore } from '../checkpoint/index.js';
import type { StorageFailure } from '../protocol/index.js';

/** Upper bounds (seconds) of the write latency histogram's buckets; the last bucket is +Inf. */
export const WRITE_LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

/** Cumulative, as Prometheus histograms are: `counts[i]` writes took at most `WRITE_LATENCY_BUCKETS[i]`. */
export interface WriteLatency {
  readonly count: number;
  readonly sumSeconds: number;
  readonly buckets: readonly { readonly le: number; readonly count: number }[];
}

export interface CheckpointWriterEvents {
  /** The first failure after a healthy period (later ones are not reported again). */
  failed(failure: StorageFailure): void;
  /** A write succeeded again after `failedForMs` of failures. */
  recovered(failedForMs: number): void;
}

/**
 * The agent's writes to its checkpoint: each resolves once durable, or rejects (a full disk, an
 * I/O error: the store is then unhealthy until a commit succeeds again). While it is unhealthy
 * the agent takes no new work that must be checkpointed, and `probe()` retries. It also keeps
 * the write latency histogram.
 */
export class CheckpointWriter {
  private failedSince: number | undefined;
  private readonly counts = new Array<number>(WRITE_LATENCY_BUCKETS.length).fill(0);
  private written = 0;
  private sumSeconds = 0;
  /** Writes that did not become durable (a full disk, an I/O error, a refused record). */
  failedWrites = 0;

  constructor(
    private readonly store: CheckpointStore,
    private readonly bootId: string,
    private readonly describe: (error: unknown) => StorageFailure,
    events: CheckpointWriterEvents,
    now: () => number,
  ) {
    store.on('error', (error) => {
      if (this.failedSince !== undefined) return;
      this.failedSince = now();
      events.failed(describe(error));
    });
    store.on('recovered', () => {
      const failedForMs = now() - (this.failedSince ?? now());
      this.failedSince = undefined;
      events.recovered(failedForMs);
    });
  }

  get healthy(): boolean {
    return this.store.healthy;
  }

  /** Why writes fail now; undefined while they succeed. */
  get lastFailure(): StorageFailure | undefined {
    const error = this.store.lastError;
    return error === undefined ? undefined : this.describe(error);
  }

  write(records: CheckpointRecord | readonly CheckpointRecord[]): Promise<void> {
    const started = performance.now();
    return this.store.write(records).then(
      () => this.observe((performance.now() - started) / 1000),
      (error: unknown) => {
        this.failedWrites++;
        throw error;
      },
    );
  }

  /** Tries a small idempotent write (the boot id); resolves whether writes succeed again. */
  probe(): Promise<boolean> {
    return this.write({ type: 'boot-id', bootId: this.bootId }).then(
      () => true,
      () => false,
    );
  }

  latency(): WriteLatency {
    return {
      count: this.written,
      sumSeconds: this.sumSeconds,
      buckets: WRITE_LATENCY_BUCKETS.map((le, i) => ({ le, count: this.counts.slice(0, i + 1).reduce((a, b) => a + b, 0) })),
    };
  }

  private observe(seconds: number): void {
    this.written++;
    this.sumSeconds += seconds;
    const at = WRITE_LATENCY_BUCKETS.findIndex((le) => seconds <= le);
    if (at >= 0) this.counts[at]!++;
  }
}
