import * as v from 'valibot';
import type { SystemEvent } from './events.js';
import { validateOptions } from './options.js';

/** Which messages to lose: by their `type` field, optionally only those to actors of one name. */
export interface DropSpec {
  /** The message's `type` field, e.g. `'agent.register_executor'`. */
  readonly type: string;
  /** Only messages to the actor of this name (any thread). Default: any recipient. */
  readonly to?: string;
  /** How many matching messages to lose, across all threads. Default 1. */
  readonly count?: number;
}

/**
 * A drop rule as every thread holds it. `remaining` is shared memory: the count is exact across
 * threads (Atomics), so `count: 1` loses exactly one message wherever it arrives.
 */
export interface DropRule {
  readonly id: number;
  readonly type: string;
  readonly to: string | null;
  readonly count: number;
  readonly remaining: Int32Array;
}

const DropSpecSchema = v.strictObject({
  type: v.pipe(v.string(), v.minLength(1)),
  to: v.optional(v.pipe(v.string(), v.minLength(1))),
  count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
});

let nextRuleId = 0;

export function makeDropRule(spec: DropSpec): DropRule {
  const checked = validateOptions('drop rule', DropSpecSchema, spec);
  const remaining = new Int32Array(new SharedArrayBuffer(4));
  const count = checked.count ?? 1;
  remaining[0] = count;
  return { id: ++nextRuleId, type: checked.type, to: checked.to ?? null, count, remaining };
}

/**
 * The drop rules of one thread, checked as a message is put into a mailbox (the receiving side,
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
  claim(recipient: string, message: unknown): DropRule | undefined {
    if (typeof message !== 'object' || message === null) return undefined;
    const type = (message as { type?: unknown }).type;
    for (const rule of this.rules) {
      if (rule.type !== type || (rule.to !== null && rule.to !== recipient)) continue;
      if (Atomics.sub(rule.remaining, 0, 1) > 0) return rule;
    }
    return undefined;
  }
}

/** A message a drop rule lost. */
export type DroppedMessage = Extract<SystemEvent, { type: 'message.dropped' }>;

/**
 * A drop rule in force (`system.dropMessages`): `dropped` settles once it has lost `count`
 * messages, after which the rule is lifted everywhere; `remove()` lifts it sooner.
 */
export class MessageDrop {
  readonly lost: DroppedMessage[] = [];
  readonly dropped: Promise<readonly DroppedMessage[]>;
  private readonly unsubscribe: () => void;

  constructor(
    readonly rule: DropRule,
    subscribe: (listener: (event: DroppedMessage) => void) => () => void,
    private readonly lift: (rule: DropRule) => Promise<void>,
  ) {
    let resolve!: (lost: readonly DroppedMessage[]) => void;
    this.dropped = new Promise((r) => (resolve = r));
    this.unsubscribe = subscribe((event) => {
      if (event.rule !== rule.id) return;
      this.lost.push(event);
      if (this.lost.length < rule.count) return;
      resolve(this.lost);
      void this.remove();
    });
  }

  /** Lifts the rule on every thread. */
  remove(): Promise<void> {
    this.unsubscribe();
    return this.lift(this.rule);
  }
}
