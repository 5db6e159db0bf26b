/**
 * The behaviours of the embed-runtime example. They live in a module of their own, with no
 * top-level code: every worker that runs one of them imports this module.
 */
import { behaviour } from 'mesolith';

/** Where these behaviours live, for spawns and supervisor child specs. */
export const actorsModule = import.meta.url;

export type SquarerMsg =
  | { readonly type: 'square'; readonly n: number }
  /** Answers only after `ms`: an ask with a shorter timeout gives up first. */
  | { readonly type: 'slow'; readonly ms: number }
  /** Throws: the actor crashes, and its supervisor starts a new one. */
  | { readonly type: 'crash' };

export const squarer = behaviour<SquarerMsg>({
  setup: (ctx) => ({
    receive: async (msg) => {
      if (msg.type === 'square') return { n: msg.n, square: msg.n * msg.n, by: ctx.self.address };
      if (msg.type === 'slow') {
        await new Promise((resolve) => setTimeout(resolve, msg.ms));
        return 'done at last';
      }
      if (msg.type === 'crash') throw new Error('asked to crash');
      return undefined;
    },
  }),
});
