import { type ActorRef, type Behaviour, behaviour, isDown } from '../actor/index.js';
import type { MasterMsg } from '../master/messages.js';

export type DirectoryMsg =
  | { readonly type: 'directory.master' }
  | { readonly type: 'directory.set_master'; readonly master: ActorRef<MasterMsg> };

/**
 * Where the current master is, at an address that never changes (`directory@main`): agents
 * started (or restarted by their supervisor) after a master failover find the new one here.
 */
export function directory(initial: ActorRef<MasterMsg>): Behaviour<DirectoryMsg> {
  return behaviour<DirectoryMsg>({
    setup: () => {
      let master = initial;
      return {
        receive: (message) => {
          if (isDown(message)) return undefined;
          if (message.type === 'directory.set_master') master = message.master;
          return master;
        },
      };
    },
  });
}
