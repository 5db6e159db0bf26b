import { errors } from './errors.js';
import * as v from 'valibot';
import type { Address } from './address.js';
import type { SystemEvent } from './events.js';
import { validateOptions } from './options.js';

/**
 * Which messages a fault rule applies to: by their `type` field, optionally only those to
 * actors of one name, or from actors of one name (Mesos's DROP_PROTOBUFS(message, from, to)).
 */
export interface MessageSpec {
  /** The message's `type` field, e.g. `'agent.register_executor'`. */
  readonly type: string;
  /** Only messages to the actor of this name (any thread). Default: any recipient. */
  readonly to?: string;
  /** Only messages whose sender is the actor of this name (any thread). Default: any sender, or none. */
  readonly from?: string;
  /**
   * How many matching messages the rule applies to, across all threads; `Infinity`: every one
   * until the rule is removed. Default 1 (`tapMessages`: `Infinity`).
   */
  readonly count?: number;
}

/** Which messages to lose (`system.dropMessages`). */
export type DropSpec = MessageSpec;

/** What a rule does to a message it claims: loses it, holds it until released, or lets it through and reports it. */
export type FaultAction = 'drop' | 'hold' | 'tap';

/**
 * A fault rule as every thread holds it. `remaining` is shared memory: the count is exact across
 * threads (Atomics), so `count: 1` claims exactly one message wherever it arrives.
 */
export interface DropRule {
  readonly id: number;
  readonly action: FaultAction;
  readonly type: string;
  readonly to: string | null;
  readonly from: string | null;
  readonly count: number;
  readonly remaining: Int32Array;
}

const MessageSpecSchema = v.strictObject({
  type: v.pipe(v.string(), v.minLength(1)),
  to: v.optional(v.pipe(v.string(), v.minLength(1))),
  from: v.optional(v.pipe(v.string(), v.minLength(1))),
  count: v.optional(v.union([v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(0x7fffffff)), v.literal(Infinity)], 'must be a whole number from 1, or Infinity')),
});

let nextRuleId = 0;

export function makeFaultRule(action: FaultAction, spec: MessageSpec): DropRule {
  const label = action === 'drop' ? 'drop rule' : action === 'hold' ? 'hold rule' : 'tap rule';
  const checked = validateOptions(label, MessageSpecSchema, spec);
  const remaining = new Int32Array(new SharedArrayBuffer(4));
  const count = checked.count ?? (action === 'tap' ? Infinity : 1);
  remaining[0] = count === Infinity ? 0 : count;
  return { id: ++nextRuleId, action, type: checked.type, to: checked.to ?? null, from: checked.from ?? null, count, remaining };
}

/** The name part of an address (`name@node`). */
const nameIn = (address: Address | null): string | null => (address === null ? null : address.slice(0, address.lastIndexOf('@')));

/**
 * The fault rules of one thread, checked as a message is put into a mailbox (the receiving side,
 * so a rule also applies to actors started after it, e.g. a restarted agent).
 */
export class DropRules {
  private rules: readonly DropRule[] = [];

  set(rules: readonly DropRule[]): void {
    this.rules = rules;
  }

  get active(): boolean {
    return this.rules.length > 0;
  }

  /** The rule that claims this message, if any; claiming uses up one of its count. */
  claim(recipient: string, sender: Address | null, message: unknown): DropRule | undefined {
    if (typeof message !== 'object' || message === null) return undefined;
    const type = (message as { type?: unknown }).type;
    for (const rule of this.rules) {
      if (rule.type !== type || (rule.to !== null && rule.to !== recipient)) continue;
      if (rule.from !== null && rule.from !== nameIn(sender)) continue;
      if (rule.count === Infinity || Atomics.sub(rule.remaining, 0, 1) > 0) return rule;
    }
    return undefined;
  }
}

/** A message a drop rule lost. */
export type DroppedMessage = Extract<SystemEvent, { type: 'message.dropped' }>;
/** A message a hold rule holds (with its payload), until `release()`. */
export type HeldMessage = Extract<SystemEvent, { type: 'message.held' }>;
/** A message a tap saw on its way into a mailbox (with its payload); it was delivered. */
export type TappedMessage = Extract<SystemEvent, { type: 'message.tapped' }>;

type Subscribe<E> = (listener: (event: E) => void) => () => void;

/**
 * What a rule in force has claimed so far (`claimed`), and `all`, which settles once it has
 * claimed `count` messages (never, for `count: Infinity`).
 */
abstract class FaultRuleHandle<E extends { readonly rule: number }> {
  readonly claimed: E[] = [];
  protected readonly all: Promise<readonly E[]>;
  private readonly unsubscribe: () => void;
  private waiters: { match: (event: E) => boolean; resolve: (event: E) => void }[] = [];
  private consumed = new Set<E>();

  constructor(
    readonly rule: DropRule,
    subscribe: Subscribe<E>,
    protected readonly lift: (rule: DropRule) => Promise<void>,
  ) {
    let resolve!: (claimed: readonly E[]) => void;
    this.all = new Promise((r) => (resolve = r));
    this.unsubscribe = subscribe((event) => {
      if (event.rule !== rule.id) return;
      this.claimed.push(event);
      for (const waiter of this.waiters) {
        if (!waiter.match(event)) continue;
        this.waiters = this.waiters.filter((w) => w !== waiter);
        this.consumed.add(event);
        waiter.resolve(event);
        break;
      }
      if (this.claimed.length === rule.count) {
        resolve(this.claimed);
        this.completed();
      }
    });
  }

  /**
   * The first claimed message that `match`es and no earlier `next` returned: one already
   * claimed, or the next to be. Rejects with `ERR_FAULT_TIMEOUT` after `timeoutMs` (default 10 s).
   */
  next(match: (event: E) => boolean = () => true, timeoutMs = 10_000): Promise<E> {
    const found = this.claimed.find((event) => !this.consumed.has(event) && match(event));
    if (found !== undefined) {
      this.consumed.add(found);
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(errors.faultTimeout(this.rule.type, timeoutMs));
      }, timeoutMs);
      const waiter = {
        match,
        resolve: (event: E) => {
          clearTimeout(timer);
          resolve(event);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Lifts the rule on every thread (what it already claimed stays claimed). */
  remove(): Promise<void> {
    this.unsubscribe();
    return this.lift(this.rule);
  }

  /** The rule claimed its `count`. */
  protected abstract completed(): void;
}

/**
 * A drop rule in force (`system.dropMessages`): `dropped` settles once it has lost `count`
 * messages, after which the rule is lifted everywhere; `remove()` lifts it sooner.
 */
export class MessageDrop extends FaultRuleHandle<DroppedMessage> {
  get lost(): readonly DroppedMessage[] {
    return this.claimed;
  }

  get dropped(): Promise<readonly DroppedMessage[]> {
    return this.all;
  }

  protected completed(): void {
    void this.remove();
  }
}

/**
 * A tap in force (`system.tapMessages`): each matching message is delivered as usual and also
 * reported here with its payload and sender (`claimed`, `next`), until `count` have passed.
 */
export class MessageTap extends FaultRuleHandle<TappedMessage> {
  get seen(): readonly TappedMessage[] {
    return this.claimed;
  }

  /** Settles once `count` messages have passed the tap. */
  get tapped(): Promise<readonly TappedMessage[]> {
    return this.all;
  }

  protected completed(): void {
    void this.remove();
  }
}

/**
 * A hold rule in force (`system.holdMessages`): matching messages are kept out of their
 * mailboxes — delayed, not lost — until `release()` delivers them, in the order each thread
 * held them. The rule stops claiming once it has held `count`; `held` settles then.
 */
export class MessageHold extends FaultRuleHandle<HeldMessage> {
  constructor(
    rule: DropRule,
    subscribe: Subscribe<HeldMessage>,
    lift: (rule: DropRule) => Promise<void>,
    private readonly deliver: (rule: DropRule, deliver: boolean) => Promise<void>,
  ) {
    super(rule, subscribe, lift);
  }

  get held(): Promise<readonly HeldMessage[]> {
    return this.all;
  }

  /** Lifts the rule, then delivers every message it holds (on every thread). */
  async release(): Promise<void> {
    await this.remove();
    await this.deliver(this.rule, true);
  }

  /** Lifts the rule and loses what it holds (as if it had dropped them). */
  async discard(): Promise<void> {
    await this.remove();
    await this.deliver(this.rule, false);
  }

  protected completed(): void {}
}
