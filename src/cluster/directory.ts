import { type Behaviour, behaviour, isDown } from '../actor/index.js';
import { DirectoryInbox, type DirectoryMsg, type Peer } from '../protocol/index.js';

/**
 * Where the current master is, at an address that never changes (`directory@main`): agents
 * started (or restarted by their supervisor) after a master failover find the new one here.
 */
export function directory(initial: Peer<'master'>): Behaviour<DirectoryMsg> {
  return behaviour<DirectoryMsg>({
    schema: DirectoryInbox,
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
