import { type Address, type ActorSystem, type Behaviour, type NodeId, behaviour, isDown } from '../actor/index.js';
import { EXECUTOR } from '../executor/executor.js';
import type { LauncherMsg } from './launcher-messages.js';

export interface LauncherOptions {
  /** With `isolation: 'shared'`, executors packed into one worker per host, at most this many. */
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
      /** Each host's current agent, and how long its executors may outlive it. */
      const agents = new Map<string, { agent: Address; recoveryTimeoutMs: number }>();

      const destroy = async (placement: Placement, address: Address): Promise<void> => {
        if (placement.isolation === 'worker') await system.terminateWorker(placement.node);
        else await ctx.stop(ctx.refFor(address), 0);
      };

      /**
       * The host's agent has been away for its recovery timeout: executors of checkpointing
       * frameworks end themselves by now; any still here is hung, and is destroyed so that no
       * executor outlives the timeout.
       */
      const recoveryTimedOut = async (hostId: string): Promise<void> => {
        for (const [address, placement] of [...placements]) {
          if (placement.hostId !== hostId) continue;
          placements.delete(address);
          await destroy(placement, address);
          ctx.publish({ type: 'custom', source: ctx.self.address, name: 'launcher.executor_destroyed', data: { hostId, executor: address, reason: 'recovery-timeout' } });
        }
      };

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
            for (const [hostId, current] of agents) {
              if (current.agent !== message.ref.address) continue;
              ctx.timers.once(`recovery:${hostId}`, current.recoveryTimeoutMs, { type: 'launcher.recovery_timeout', hostId });
            }
            const placement = placements.get(message.ref.address);
            placements.delete(message.ref.address);
            if (placement?.isolation === 'worker' && message.reason !== 'worker-exit') await system.terminateWorker(placement.node);
            if (placement?.isolation === 'shared') {
              const pool = shared.get(placement.hostId);
              if (pool !== undefined && pool.node === placement.node) pool.executors--;
            }
            return undefined;
          }
          if (message.type === 'launcher.agent_started') {
            ctx.timers.cancel(`recovery:${message.hostId}`);
            agents.set(message.hostId, { agent: message.agent.address, recoveryTimeoutMs: message.recoveryTimeoutMs });
            ctx.watch(message.agent);
            return undefined;
          }
          if (message.type === 'launcher.recovery_timeout') return recoveryTimedOut(message.hostId);
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
            await destroy(placement, message.address as Address);
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
