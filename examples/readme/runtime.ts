// examples/readme/runtime.ts
import { isMainThread } from 'node:worker_threads';
import { ActorSystem, behaviour, isDown } from 'mesolith';

// Behaviours live in modules so that any worker can load them.
export const counter = behaviour<{ type: 'inc' } | { type: 'get' }, { start: number }>({
  setup: (ctx, args) => {
    let n = args.start;
    return {
      receive: (msg) => {
        if (isDown(msg)) return;              // Down messages arrive for watched actors
        if (msg.type === 'inc') n++;
        else return n;                        // a returned value answers an ask
      },
      stopped: (reason) => console.log('counter stopped:', reason),
    };
  },
});

if (isMainThread) {                           // workers load this module too, to find `counter`
  const system = await ActorSystem.start();
  const ref = await system.spawn({ module: import.meta.url, export: 'counter' },
                                 { name: 'counter', worker: 'new', args: { start: 0 } });
  ref.tell({ type: 'inc' });
  console.log(ref.address, await ref.ask({ type: 'get' }, { timeoutMs: 1000 })); // counter@w1 1
  await system.stop();                        // drains, stops newest first, ends the workers
}
