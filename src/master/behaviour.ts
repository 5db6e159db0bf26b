import { randomUUID } from 'node:crypto';
import { behaviour, isDown } from '../actor/index.js';
import { MasterInbox, type MasterMsg, type MasterSelfMsg, type OfferId, asSystemEvent, describeStorageFailure } from '../protocol/index.js';
import { Master } from './master.js';
import { type MasterArgs, resolveMasterOptions } from './options.js';
import { MasterRegistry } from './registry.js';

/** The master as an actor: its inbox is checked against `MasterInbox`; everything else is `Master`'s. */
export const master = behaviour<MasterMsg | MasterSelfMsg, MasterArgs | undefined>({
  schema: MasterInbox,
  setup: (ctx, args) => {
    const registry = args?.workDir === undefined ? null : MasterRegistry.open(args.workDir);
    const core = new Master(
      resolveMasterOptions(args),
      {
        timers: ctx.timers,
        now: Date.now,
        newOfferId: () => randomUUID() as OfferId,
        toSelf: (message) => ctx.self.tell(message),
        watch: (peer) => ctx.watch(ctx.refFor(peer.address)),
        unwatch: (peer) => ctx.unwatch(ctx.refFor(peer.address)),
        publish: (event) => ctx.publish(asSystemEvent(ctx.self.address, event)),
        registry,
        describeFailure: describeStorageFailure,
      },
      registry?.read(),
    );
    return {
      receive: (message) => {
        if (isDown(message)) return core.down(message.ref.address, message.reason === 'shutdown');
        if (message.type === 'master.reserve' || message.type === 'master.unreserve') {
          const problem = core.receive(message, ctx.sender);
          if (problem === null) return true;
          ctx.deferReply().reject(Object.assign(new Error(String(problem)), { code: 'ERR_RESERVATION' }));
          return undefined;
        }
        return core.receive(message, ctx.sender);
      },
      stopped: () => registry?.close(),
    };
  },
});
