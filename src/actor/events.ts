import type { Address, NodeId } from './address.js';
import type { DeadLetter } from './messages.js';

/** Events on the system's stream. Worker nodes forward theirs to the main thread in batches. */
export type SystemEvent =
  | { readonly type: 'supervisor.started'; readonly supervisor: Address; readonly child: string; readonly ref: Address }
  | {
      readonly type: 'supervisor.crashed';
      readonly supervisor: Address;
      readonly child: string;
      readonly ref: Address;
      readonly reason: string;
      readonly error?: string;
    }
  | {
      readonly type: 'supervisor.restarted';
      readonly supervisor: Address;
      readonly child: string;
      readonly ref: Address;
      readonly restarts: number;
      readonly backoffMs: number;
    }
  | { readonly type: 'supervisor.escalated'; readonly supervisor: Address; readonly restarts: number }
  | { readonly type: 'actor.hook-failed'; readonly actor: Address; readonly hook: 'stopped'; readonly error: string }
  | { readonly type: 'worker.exit'; readonly node: NodeId; readonly exitCode: number; readonly error?: string }
  /** A drop rule (`system.dropMessages`) lost this message on its way into `actor`'s mailbox. */
  | { readonly type: 'message.dropped'; readonly rule: number; readonly actor: Address; readonly messageType: string; readonly node: NodeId }
  /** A hold rule (`system.holdMessages`) keeps this message from `actor`'s mailbox until released. */
  | { readonly type: 'message.held'; readonly rule: number; readonly actor: Address; readonly sender: Address | null; readonly messageType: string; readonly node: NodeId; readonly message: unknown }
  /** A tap (`system.tapMessages`) saw this message go into `actor`'s mailbox. */
  | { readonly type: 'message.tapped'; readonly rule: number; readonly actor: Address; readonly sender: Address | null; readonly messageType: string; readonly node: NodeId; readonly message: unknown }
  | { readonly type: 'custom'; readonly source: Address; readonly name: string; readonly data?: unknown };

/** What a worker node forwards to the main thread. */
export interface ForwardedEvents {
  readonly deadLetters: DeadLetter[];
  /** Dead letters counted but not forwarded because a batch was over its cap. */
  readonly deadLettersOmitted: number;
  readonly omittedByReason: Record<string, number>;
  readonly events: SystemEvent[];
}
