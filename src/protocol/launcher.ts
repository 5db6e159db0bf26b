import * as v from 'valibot';
import { FiniteDurationSchema } from './durations.js';
import { message, text } from './fields.js';
import { HostIdSchema } from './ids.js';
import { ExecutorArgsSchema } from './executor.js';
import { IsolationSchema } from './model.js';
import { peer } from './peer.js';

/** The host's executor launcher: agents ask it to start executors outside their own worker, and to destroy them. */
export const LauncherInbox = v.variant('type', [
  /** Answers with the executor's address. */
  message('launcher.launch', { hostId: HostIdSchema, isolation: IsolationSchema, args: ExecutorArgsSchema }),
  message('launcher.destroy', { address: text(512) }),
  /** A host's agent (re)started: while it is away its executors may live `recoveryTimeoutMs`, no longer. */
  message('launcher.agent_started', { hostId: HostIdSchema, agent: peer('agent'), recoveryTimeoutMs: FiniteDurationSchema }),
  /** A simulated host reboot: every executor worker of that host ends abruptly (`system.terminateWorker`). */
  message('launcher.destroy_host', { hostId: HostIdSchema }),
]);
export type LauncherMsg = v.InferOutput<typeof LauncherInbox>;

/** What the launcher sends itself: never accepted from another thread. */
export type LauncherSelfMsg = { readonly type: 'launcher.recovery_timeout'; readonly hostId: string };
