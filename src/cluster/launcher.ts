import { type Address, type ActorSystem, type Behaviour, type NodeId, behaviour, isDown } from '../actor/index.js';
import { EXECUTOR } from '../executor/executor.js';
import type { LauncherMsg } from './launcher-messages.js';

export interface LauncherOptions {
  /** With `isolation: 'shared'`, executors packed into one worker per host, at most this many. Default 64. */
  readonly executorsPerSharedWorker: number;
}

interface Placement {
  readonly node: NodeId;
  readonly hostId: string;
  readonly isolation: 'worker' | 'shared';
}

/**
 * The host side of executor placement (the role of the containerizer): it runs on the main
 * thread, the only one that can start workers, so executors are never children of an agent's
 * worker and outlive it. `worker` isolation: one worker per executor, ended when the executor
 * stops. `shared`: executors of a host packed into shared workers, for density.
 */
export function launcher(system: ActorSystem, options: LauncherOptions): Behaviour<LauncherMsg> {
  return behaviour<LauncherMsg>({
    setup: (ctx) => {
      const placements = new Map<Address, Placement>();
      const shared = new Map<string, { node: NodeId; executors: number }>();

      const sharedWorker = async (hostId: string): Promise<NodeId> => {
        const current = shared.get(hostId);
        if (current !== undefined && current.executors < options.executorsPerSharedWorker && system.workers().includes(current.node)) {
          current.executors++;
          return current.node;
        }
        const node = await system.spawnWorker();
        shared.set(hostId, { node, executors: 1 });
        return node;
      };

      return {
        receive: async (message) => {
          if (isDown(message)) {
            const placement = placements.get(message.ref.address);
            placements.delete(message.ref.address);
            if (placement?.isolation === 'worker' && message.reason !== 'worker-exit') await system.terminateWorker(placement.node);
            if (placement?.isolation === 'shared') {
              const pool = shared.get(placement.hostId);
              if (pool !== undefined && pool.node === placement.node) pool.executors--;
            }
            return undefined;
          }
          if (message.type === 'launcher.destroy_host') {
            const nodes = new Set([...placements.values()].filter((p) => p.hostId === message.hostId).map((p) => p.node));
            for (const [address, placement] of placements) if (placement.hostId === message.hostId) placements.delete(address);
            shared.delete(message.hostId);
            await Promise.all([...nodes].map((node) => system.terminateWorker(node)));
            return nodes.size;
          }
          if (message.type === 'launcher.destroy') {
            // An executor that would not reregister: end it the way a containerizer destroys a
            // container (its worker, with worker isolation).
            const placement = placements.get(message.address as Address);
            if (placement === undefined) return false;
            if (placement.isolation === 'worker') await system.terminateWorker(placement.node);
            else await ctx.stop(ctx.refFor(message.address), 0);
            return true;
          }
          const worker = message.isolation === 'shared' ? await sharedWorker(message.hostId) : 'new';
          const ref = await ctx.spawn(EXECUTOR, { worker, args: message.args });
          placements.set(ref.address, { node: ref.node, hostId: message.hostId, isolation: message.isolation });
          ctx.watch(ref);
          return ref.address;
        },
      };
    },
  });
}
