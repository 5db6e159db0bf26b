// examples/readme/supervision.ts
import { isMainThread } from 'node:worker_threads';
import { ActorSystem, type ChildInfo, SUPERVISOR, type SupervisorArgs, type SupervisorMsg, behaviour } from 'mesolith';

export const db = behaviour<{ type: 'crash' }>({
  setup: () => ({ receive: () => { throw new Error('db crashed'); } }),   // any message crashes it
});
export const cache = behaviour({ setup: () => ({ receive: () => undefined }) });

if (isMainThread) {
  const module = import.meta.url;
  const system = await ActorSystem.start();
  const restarted = new Promise<void>((resolve) => system.events.on('supervisor.restarted', (e) => {
    console.log(e.child, 'restarted as', e.ref);   // db restarted as db@w4
    resolve();
  }));
  const sup = await system.spawn<SupervisorMsg, SupervisorArgs>(SUPERVISOR, { worker: 'new', args: {
    strategy: 'one_for_one',                       // | 'one_for_all' | 'rest_for_one'
    intensity: { maxRestarts: 3, withinMs: 5_000 }, // exceeded: stop children, crash (escalate)
    backoff: { initialMs: 10, maxMs: 5_000, jitter: 0.2 },
    children: [
      { id: 'db', start: { behaviour: { module, export: 'db' }, name: 'db', worker: 'new' }, restart: 'permanent' },
      { id: 'cache', start: { behaviour: { module, export: 'cache' }, worker: { shared: 'pool' } },
        restart: 'transient', shutdownMs: 1_000 },   // start.timeoutMs: bound on each start
    ],
  }});
  const children = await sup.ask<ChildInfo[]>({ type: 'supervisor.which_children' });
  system.ref(children.find((c) => c.id === 'db')!.ref!).tell({ type: 'crash' });
  await restarted;
  await system.stop();
}
