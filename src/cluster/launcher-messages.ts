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
  /** A simulated host reboot: every executor worker of that host ends at once. */
  | { readonly type: 'launcher.destroy_host'; readonly hostId: string };
