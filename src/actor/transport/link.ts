import type { MessagePort } from 'node:worker_threads';
import type { NodeId } from '../address.js';
import { BatchDecoder, BatchEncoder, canEncode } from './codec.js';
import { ARITY } from './envelope.js';

const RESET = 'mesolith.reset';

export interface LinkOwner {
  readonly maxBatch: number;
  onBatch(peer: NodeId, batch: unknown): void;
  onClosed(peer: NodeId): void;
  /** An envelope whose payload msgpack cannot encode (a function, a class with no extension). */
  onUnencodable(peer: NodeId, envelope: unknown[], error: Error): void;
  refFactory: ConstructorParameters<typeof BatchDecoder>[0];
}

/**
 * One direction-pair of traffic with a peer node over a direct MessagePort. Envelopes queue in
 * `out` and leave as one encoded batch per microtask (or sooner when the batch is full). Until
 * the host hands over the port, envelopes wait here, so order is kept from the first send.
 */
export class Link {
  state: 'connecting' | 'open' | 'closed' = 'connecting';
  private port: MessagePort | null = null;
  private out: unknown[] = [];
  private envelopes = 0;
  private flushQueued = false;
  private encoder = new BatchEncoder();
  private decoder: BatchDecoder;
  batchesSent = 0;
  batchesReceived = 0;

  constructor(
    readonly peer: NodeId,
    private readonly owner: LinkOwner,
  ) {
    this.decoder = new BatchDecoder(owner.refFactory);
  }

  get hasPending(): boolean {
    return this.envelopes > 0;
  }

  attach(port: MessagePort): void {
    if (this.state === 'closed') {
      port.close();
      return;
    }
    this.port = port;
    this.state = 'open';
    port.on('message', (data: Uint8Array | [typeof RESET, Uint8Array]) => {
      this.batchesReceived++;
      let batch: unknown;
      try {
        if (Array.isArray(data) && data[0] === RESET) {
          this.decoder = new BatchDecoder(this.owner.refFactory);
          data = data[1];
        }
        batch = this.decoder.decode(data as Uint8Array);
      } catch (error) {
        batch = error instanceof Error ? error : new Error(String(error));
      }
      this.owner.onBatch(this.peer, batch);
    });
    port.on('close', () => this.closed());
    this.flush();
  }

  /** Append one envelope: its kind followed by its fields. */
  push(...fields: unknown[]): void {
    const out = this.out;
    for (let i = 0; i < fields.length; i++) out.push(fields[i]);
    this.queued();
  }

  push4(kind: number, a: unknown, b: unknown, c: unknown): void {
    this.out.push(kind, a, b, c);
    this.queued();
  }

  push5(kind: number, a: unknown, b: unknown, c: unknown, d: unknown): void {
    this.out.push(kind, a, b, c, d);
    this.queued();
  }

  private queued(): void {
    if (++this.envelopes >= this.owner.maxBatch) {
      this.flush();
    } else if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => {
        this.flushQueued = false;
        this.flush();
      });
    }
  }

  /** Drops whatever is queued (returned to the caller to dead-letter) and closes the port. */
  close(): unknown[] {
    const pending = this.out;
    this.out = [];
    this.envelopes = 0;
    if (this.state !== 'closed') {
      this.state = 'closed';
      this.port?.close();
    }
    return pending;
  }

  takePending(): unknown[] {
    const pending = this.out;
    this.out = [];
    this.envelopes = 0;
    return pending;
  }

  flush(): void {
    if (this.state !== 'open' || this.envelopes === 0 || this.port === null) return;
    const out = this.out;
    this.out = [];
    this.envelopes = 0;
    this.batchesSent++;
    let bytes: Uint8Array;
    try {
      bytes = this.encoder.encode(out);
    } catch {
      this.port.postMessage([RESET, this.encodeAfterFailure(out)]);
      return;
    }
    this.port.postMessage(bytes, [bytes.buffer as ArrayBuffer]);
  }

  /**
   * A failed pack may have left record structures the peer never saw, so both sides start a
   * fresh sequential stream (the RESET marker); the envelopes that cannot be encoded are handed
   * back to the owner one by one, and the rest are sent.
   */
  private encodeAfterFailure(out: unknown[]): Uint8Array {
    this.encoder = new BatchEncoder();
    const kept: unknown[] = [];
    for (let i = 0; i < out.length; ) {
      const end = i + 1 + (ARITY[out[i] as number] ?? 0);
      const envelope = out.slice(i, end);
      const problem = canEncode(envelope);
      if (problem === null) for (const field of envelope) kept.push(field);
      else this.owner.onUnencodable(this.peer, envelope, problem);
      i = end;
    }
    return this.encoder.encode(kept);
  }

  private closed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.owner.onClosed(this.peer);
  }
}
