import type { MessagePort } from 'node:worker_threads';
import type { NodeId } from '../address.js';
import { BatchDecoder, BatchEncoder, canEncode } from './codec.js';
import { ARITY, Kind, MAX_INTERNED } from './envelope.js';

const RESET = 'mesolith.reset';

export interface LinkOwner {
  readonly maxBatch: number;
  onBatch(link: Link, batch: unknown): void;
  onClosed(peer: NodeId): void;
  /** An envelope whose payload msgpack cannot encode (a function, a class with no extension). */
  onUnencodable(link: Link, envelope: unknown[], error: Error): void;
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
  /** Batches posted and batches taken from the port: equal on both ends means nothing in flight. */

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
      this.owner.onBatch(this, batch);
    });
    port.on('close', () => this.closed());
    this.flush();
  }

  /** Ids this side announced (INTERN) and the strings behind them. */
  private readonly outIds = new Map<string, number>();
  private readonly outNames: string[] = [];
  /** Strings the peer announced, by id. */
  private readonly inNames: string[] = [];
  private memoName: string | null = null;
  private memoNameId: number | string = 0;
  private memoSender: string | null = null;
  private memoSenderId: number | string = 0;

  tell(name: string, sender: string | null, message: unknown): void {
    this.out.push(Kind.Tell, this.nameId(name), this.senderId(sender), message);
    this.queued();
  }

  ask(name: string, sender: string | null, message: unknown, askId: number): void {
    this.out.push(Kind.Ask, this.nameId(name), this.senderId(sender), message, askId);
    this.queued();
  }

  reply(askId: number, ok: boolean, value: unknown): void {
    this.out.push(Kind.Reply, askId, ok, value);
    this.queued();
  }

  /** Any other envelope: its kind followed by its fields. */
  control(kind: Kind, ...fields: unknown[]): void {
    this.out.push(kind, ...fields);
    this.queued();
  }

  private nameId(name: string): number | string {
    if (name !== this.memoName) {
      this.memoName = name;
      this.memoNameId = this.intern(name);
    }
    return this.memoNameId;
  }

  private senderId(sender: string | null): number | string | null {
    if (sender === null) return null;
    if (sender !== this.memoSender) {
      this.memoSender = sender;
      this.memoSenderId = this.intern(sender);
    }
    return this.memoSenderId;
  }

  private intern(value: string): number | string {
    let id = this.outIds.get(value);
    if (id === undefined) {
      if (this.outNames.length >= MAX_INTERNED) return value;
      id = this.outNames.length;
      this.outIds.set(value, id);
      this.outNames.push(value);
      this.out.push(Kind.Intern, id, value);
      this.envelopes++;
    }
    return id;
  }

  /** The string an envelope field on this link stands for (outbound side). */
  outbound(field: unknown): unknown {
    return typeof field === 'number' ? this.outNames[field] : field;
  }

  /** The string a received field stands for, or undefined if it names no announced id. */
  inbound(field: unknown): string | null | undefined {
    if (typeof field === 'number') return this.inNames[field];
    return typeof field === 'string' || field === null ? field : undefined;
  }

  /** Records an INTERN from the peer; false if it is malformed. */
  learn(id: unknown, value: unknown): boolean {
    if (typeof id !== 'number' || typeof value !== 'string' || id !== this.inNames.length) return false;
    this.inNames.push(value);
    return true;
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
      else this.owner.onUnencodable(this, envelope, problem);
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
