/** The actors of the mailbox benchmark; loadable in any worker. */
import { type ActorRef, type Replier, behaviour, isDown } from '../../src/index.js';

export const module = import.meta.url;

export type SinkMsg = { type: 'work'; n: number } | { type: 'expect'; total: number } | { type: 'sync' };
/**
 * Counts work messages; `expect` is answered (with the time, comparable across threads) once
 * `total` have arrived since the sink started, whichever of the two arrives first.
 */
export const sink = behaviour<SinkMsg>({
  setup: (ctx) => {
    let received = 0;
    let target = Number.POSITIVE_INFINITY;
    let waiting: Replier | null = null;
    const check = () => {
      if (received < target || waiting === null) return;
      waiting.resolve(performance.timeOrigin + performance.now());
      waiting = null;
    };
    return {
      receive: (message) => {
        if (isDown(message)) return;
        if (message.type === 'work') {
          if (++received === target) check();
          return undefined;
        }
        if (message.type === 'sync') return received;
        target = message.total;
        waiting = ctx.deferReply();
        check();
        return undefined;
      },
    };
  },
});

export type SourceMsg = { type: 'go'; count: number; burst: number };
/**
 * Sends `count` work messages to its target in bursts. After each burst it asks the target to
 * `sync` (answered once the burst is handled, by per-pair FIFO), so a bounded mailbox holds.
 */
export const source = behaviour<SourceMsg, { target: ActorRef<SinkMsg> }>({
  setup: (ctx, args) => ({
    receive: async (message) => {
      if (isDown(message)) return;
      const target = args.target;
      let n = 0;
      while (n < message.count) {
        const end = Math.min(message.count, n + message.burst);
        while (n < end) target.tell({ type: 'work', n: n++ });
        await ctx.ask(target, { type: 'sync' }, { timeoutMs: 60_000 });
      }
    },
  }),
});

export const echo = behaviour<unknown>({ setup: () => ({ receive: (message) => message }) });

/** Asks its target `rounds` times in sequence and returns each round trip in ms. */
export const pinger = behaviour<{ type: 'pings'; rounds: number }, { target: ActorRef }>({
  setup: (ctx, args) => ({
    receive: async (message) => {
      if (isDown(message)) return [];
      const samples: number[] = [];
      for (let i = 0; i < message.rounds; i++) {
        const sent = performance.now();
        await ctx.ask(args.target, { type: 'ping', n: i });
        samples.push(performance.now() - sent);
      }
      return samples;
    },
  }),
});
