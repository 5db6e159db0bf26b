import { type Address, type ActorSystem, type Behaviour, type NodeId, behaviour, isDown } from '../actor/index.js';
import { EXECUTOR } from '../executor/executor.js';
import { type Isolation, LauncherInbox, type LauncherMsg, type LauncherSelfMsg, asSystemEvent } from '../protocol/index.js';

export interface LauncherOptions {
  /** With `isolation: 'shared'`, executors packed into one worker per host, at most this many. */
  readonly executorsPerSharedWorker: number;
}

interface Placement {
  readonly node: NodeId;
  readonly hostId: string;
  readonly isolation: Isolation;
}

/**
 * The host side of executor placement (the role of the containerizer): it runs on the main
 * thread, the only one that can start workers, so executors are never children of an agent's
 * worker and outlive it. `worker` isolation: one worker per executor, ended when the executor
 * stops. `shared`: executors of a host packed into shared workers, for density.
 */
export function launcher(system: ActorSystem, options: LauncherOptions): Behaviour<LauncherMsg | LauncherSelfMsg> {
  return behaviour<LauncherMsg | LauncherSelfMsg>({
    schema: LauncherInbox,
    setup: (ctx) => {
      const placements = new Map<Address, Placement>();
      /** Executors in each shared worker; a worker left empty is ended. */
      const sharedWorkers = new Map<NodeId, { hostId: string; executors: number }>();
      /** The shared worker each host fills next. */
      const filling = new Map<string, NodeId>();
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
          // Its Down, which follows, releases its placement (and a shared worker it leaves empty).
          await destroy(placement, address);
          ctx.publish(asSystemEvent(ctx.self.address, { type: 'launcher.executor_destroyed', hostId, executor: address, reason: 'its agent did not come back within recoveryTimeoutMs' }));
        }
      };

      const sharedWorker = async (hostId: string): Promise<NodeId> => {
        const node = filling.get(hostId);
        const current = node === undefined ? undefined : sharedWorkers.get(node);
        if (node !== undefined && current !== undefined && current.executors < options.executorsPerSharedWorker && system.workers().includes(node)) {
          current.executors++;
          return node;
        }
        const started = await system.spawnWorker();
        sharedWorkers.set(started, { hostId, executors: 1 });
        filling.set(hostId, started);
        return started;
      };

      /** An executor of a shared worker ended: the worker ends with its last executor. */
      const leaveShared = async (node: NodeId): Promise<void> => {
        const pool = sharedWorkers.get(node);
        if (pool === undefined || --pool.executors > 0) return;
        sharedWorkers.delete(node);
        if (filling.get(pool.hostId) === node) filling.delete(pool.hostId);
        if (system.workers().includes(node)) await system.terminateWorker(node);
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
            if (placement?.isolation === 'shared') await leaveShared(placement.node);
            return undefined;
          }
          if (message.type === 'launcher.agent_started') {
            ctx.timers.cancel(`recovery:${message.hostId}`);
            agents.set(message.hostId, { agent: message.agent.address as Address, recoveryTimeoutMs: message.recoveryTimeoutMs });
            ctx.watch(ctx.refFor(message.agent.address));
            return undefined;
          }
          if (message.type === 'launcher.recovery_timeout') return recoveryTimedOut(message.hostId);
          if (message.type === 'launcher.destroy_host') {
            const nodes = new Set([...placements.values()].filter((p) => p.hostId === message.hostId).map((p) => p.node));
            for (const [address, placement] of placements) if (placement.hostId === message.hostId) placements.delete(address);
            for (const node of nodes) sharedWorkers.delete(node);
            filling.delete(message.hostId);
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
          // A failed spawn (its shared worker ended under it) is that launch's answer, not the
          // end of the launcher, which every host shares.
          const reply = ctx.deferReply();
          let worker: NodeId | 'new' = 'new';
          try {
            if (message.isolation === 'shared') worker = await sharedWorker(message.hostId);
            const ref = await ctx.spawn(EXECUTOR, { worker, args: message.args });
            placements.set(ref.address, { node: ref.node, hostId: message.hostId, isolation: message.isolation });
            ctx.watch(ref);
            reply.resolve(ref.address);
          } catch (error) {
            if (worker !== 'new') await leaveShared(worker);
            reply.reject(error);
          }
          return undefined;
        },
      };
    },
  });
}
