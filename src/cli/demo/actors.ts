/** The actors of the runtime demo (`mesolith demo`): a sink, and stages that forward to it. */
import { type ActorRef, behaviour, isDown } from '../../actor/index.js';

export const module = import.meta.url;

export type SinkMsg = { type: 'item'; n: number } | { type: 'count' };
export const sink = behaviour<SinkMsg>({
  setup: () => {
    let received = 0;
    return {
      receive: (message) => {
        if (isDown(message)) return;
        if (message.type === 'item') received++;
        else return received;
        return undefined;
      },
    };
  },
});

export type StageMsg = { type: 'item'; n: number } | { type: 'sync' };
/** Does a little work per item and forwards it; answers `sync` once earlier items are handled. */
export const stage = behaviour<StageMsg, { sink: ActorRef<SinkMsg> }>({
  setup: (_ctx, args) => ({
    receive: (message) => {
      if (isDown(message)) return;
      if (message.type === 'sync') return true;
      args.sink.tell({ type: 'item', n: (message.n * 2654435761) >>> 0 });
      return undefined;
    },
  }),
});
