import type { ActorRef } from '../actor/index.js';
import type { ExecutorArgs } from '../executor/executor.js';

/** The host's executor launcher: agents ask it to start executors outside their own worker, and to destroy them. */
export type LauncherMsg =
  | {
      readonly type: 'launcher.launch';
      readonly hostId: string;
      readonly isolation: 'worker' | 'shared';
      readonly args: ExecutorArgs;
    }
  | { readonly type: 'launcher.destroy'; readonly address: string }
  /** A host's agent (re)started: while it is away its executors may live `recoveryTimeoutMs`, no longer. */
  | { readonly type: 'launcher.agent_started'; readonly hostId: string; readonly agent: ActorRef; readonly recoveryTimeoutMs: number }
  | { readonly type: 'launcher.recovery_timeout'; readonly hostId: string }
  /** A simulated host reboot: every executor worker of that host ends at once. */
  | { readonly type: 'launcher.destroy_host'; readonly hostId: string };
