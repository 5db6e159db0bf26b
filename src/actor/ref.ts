import { type Address, type NodeId, nameOf, nodeOf } from './address.js';

export interface AskOptions {
  /**
   * Default: the system's `askTimeoutMs` (5 s). 0…MAX_DURATION_MS (10 years), or `Infinity`:
   * no timeout, the ask then settles only by its reply, an error, `signal` or the target's death
   * (it stops, crashes or its worker exits, even with a deferred reply outstanding).
   */
  readonly timeoutMs?: number;
  /** Aborting it rejects the ask at once with ERR_ASK_ABORTED (its reason as `cause`). */
  readonly signal?: AbortSignal;
}

/** What a ref needs from the thread it lives in. */
export interface Router {
  tell(to: ActorRef, message: unknown, sender: Address | null): void;
  ask<R>(to: ActorRef, message: unknown, options: AskOptions | undefined): Promise<R>;
  implicitSender(): Address | null;
}

/** Per-thread cache slots: the local cell or the link a ref leads to, so tells skip lookups. */
export const kCell = Symbol('mesolith.cell');
export const kLink = Symbol('mesolith.link');

/**
 * A handle to an actor anywhere in the system. It is a plain value: it can be put in messages
 * (it travels as its address and arrives bound to the receiving thread) and compared by address.
 */
export class ActorRef<M = unknown> {
  readonly address: Address;
  readonly name: string;
  readonly node: NodeId;
  readonly #router: Router;
  [kCell]: unknown = undefined;
  [kLink]: unknown = undefined;

  constructor(address: Address, router: Router) {
    this.address = address;
    this.name = nameOf(address);
    this.node = nodeOf(address);
    this.#router = router;
  }

  /** Fire and forget. Inside an actor the sender defaults to that actor. */
  tell(message: M, sender?: ActorRef): void {
    this.#router.tell(this, message, sender ? sender.address : this.#router.implicitSender());
  }

  ask<R = unknown>(message: M, options?: AskOptions): Promise<R> {
    return this.#router.ask<R>(this, message, options);
  }

  equals(other: ActorRef | undefined | null): boolean {
    return other != null && other.address === this.address;
  }

  toString(): string {
    return this.address;
  }

  toJSON(): string {
    return this.address;
  }
}
