/**
 * `mesolith demo`: the runtime at work. A supervisor in a worker runs three pipeline stages,
 * each in its own worker; the main thread pumps messages through them into a sink and prints
 * throughput every second. Midway one stage's worker is killed: the supervisor sees Down
 * (worker-exit), restarts the stage in a new worker, and the flow goes on.
 */
import { type ActorRef, ActorSystem, type ChildInfo, SUPERVISOR, type SupervisorArgs, type SupervisorMsg } from '../../actor/index.js';
import { type SinkMsg, type StageMsg, module as actors } from './actors.js';

export interface DemoOptions {
  readonly seconds: number;
  readonly stages: number;
  readonly out: (line: string) => void;
}

const BURST = 4_096;

export async function runRuntimeDemo({ seconds, stages, out }: DemoOptions): Promise<void> {
  const system = await ActorSystem.start({ name: 'demo' });
  system.events.on('supervisor.crashed', (e) => out(`  ! ${e.child} went down (${e.reason})`));
  system.events.on('supervisor.restarted', (e) => out(`  + supervisor restarted ${e.child} as ${e.ref} after ${e.backoffMs} ms`));
  try {
    const sink = await system.spawn<SinkMsg>({ module: actors, export: 'sink' }, { name: 'sink', worker: 'new' });
    const args: SupervisorArgs = {
      strategy: 'one_for_one',
      children: Array.from({ length: stages }, (_, i) => ({
        id: `stage-${i}`,
        start: { behaviour: { module: actors, export: 'stage' }, args: { sink }, name: `stage-${i}`, worker: 'new' as const },
      })),
    };
    const supervisor = await system.spawn<SupervisorMsg, SupervisorArgs>(SUPERVISOR, { name: 'stages', worker: 'new', args });
    const stageRefs = async (): Promise<ActorRef<StageMsg>[]> => {
      const children = await supervisor.ask<ChildInfo[]>({ type: 'supervisor.which_children' });
      return children.flatMap((c) => (c.ref === null ? [] : [system.ref<StageMsg>(c.ref)]));
    };
    out(`mesolith runtime demo: main thread -> ${stages} supervised stages (one worker each) -> sink (${sink.address})`);
    let targets = await stageRefs();
    let sent = 0;
    let lastCount = 0;
    let lastTick = performance.now();
    const started = lastTick;
    let crashed = false;
    for (let second = 1; second <= seconds; ) {
      await Promise.all(
        targets.map((stage) => {
          for (let i = 0; i < BURST; i++) stage.tell({ type: 'item', n: sent++ });
          return stage.ask({ type: 'sync' }).catch(() => undefined);
        }),
      );
      const now = performance.now();
      if (!crashed && now - started > (seconds * 1000) / 2) {
        crashed = true;
        const victim = targets[0]!;
        out(`  x killing the worker of ${victim.address} (fault injection)`);
        await system.terminateWorker(victim.node);
        targets = await stageRefs();
      }
      if (now - lastTick >= 1000) {
        const count = await sink.ask<number>({ type: 'count' });
        const rate = ((count - lastCount) / (now - lastTick)) * 1000;
        out(
          `t=${second}s  ${Math.round(rate).toLocaleString('en-US').padStart(11)} msg/s through ${targets.length} stages` +
            `   delivered ${count.toLocaleString('en-US')}   dead letters ${system.deadLetters.total.toLocaleString('en-US')}`,
        );
        lastCount = count;
        lastTick = now;
        second++;
        targets = await stageRefs();
      }
    }
    const stats = await system.stats();
    out(`done: ${stats.nodes.length} threads, ${stats.nodes.reduce((n, node) => n + node.actors.length, 0)} actors; stopping gracefully`);
  } finally {
    await system.stop();
  }
}
