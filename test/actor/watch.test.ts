import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type ActorRef, ActorSystem, type Down, isDown } from '../../src/index.js';
import { type FaultMsg, fixture } from '../fixtures/behaviours.js';
import { TestProbe, nextSystemEvent } from '../probe.js';

const test = suite<{ system: ActorSystem; probe: TestProbe }>('watch');
test.before.each(async (ctx) => {
  ctx.system = await ActorSystem.start();
  ctx.probe = await TestProbe.create(ctx.system, 'probe');
});
test.after.each(async (ctx) => {
  await ctx.system.stop();
});

const downOf = (ref: ActorRef) => (message: unknown) => isDown(message) && message.ref.equals(ref);

async function spawnFaulty(system: ActorSystem, worker: 'new' | 'current' = 'new'): Promise<ActorRef<FaultMsg>> {
  const ref = await system.spawn<FaultMsg>({ module: fixture, export: 'faulty' }, { worker });
  assert.is(await ref.ask({ type: 'ping' }), 'pong');
  return ref;
}

test('Down(normal) when the target stops itself, same thread and across threads', async ({ system, probe }) => {
  for (const worker of ['current', 'new'] as const) {
    const target = await spawnFaulty(system, worker);
    probe.watch(target);
    target.tell({ type: 'stop' });
    const down = await probe.expect<Down>(downOf(target));
    assert.is(down.reason, 'normal');
  }
});

test('Down(crashed) with the error when a handler throws', async ({ system, probe }) => {
  for (const worker of ['current', 'new'] as const) {
    const target = await spawnFaulty(system, worker);
    probe.watch(target);
    target.tell({ type: 'throw', message: `crash in ${worker}` });
    const down = await probe.expect<Down>(downOf(target));
    assert.is(down.reason, 'crashed');
    assert.is(down.error?.message, `crash in ${worker}`);
    assert.is(down.error?.name, 'BoomError');
  }
});

test('Down(worker-exit) when the worker is terminated', async ({ system, probe }) => {
  const target = await spawnFaulty(system);
  probe.watch(target);
  await system.terminateWorker(target.node);
  const down = await probe.expect<Down>(downOf(target));
  assert.is(down.reason, 'worker-exit');
});

test('Down(worker-exit) when code in the worker calls process.exit', async ({ system, probe }) => {
  const target = await spawnFaulty(system);
  probe.watch(target);
  const exited = nextSystemEvent(system, 'worker.exit', (e) => e.node === target.node);
  target.tell({ type: 'exit', code: 3 });
  const down = await probe.expect<Down>(downOf(target));
  assert.is(down.reason, 'worker-exit');
  assert.is((await exited).exitCode, 3);
});

test('Down(worker-exit) when an uncaught error kills the worker', async ({ system, probe }) => {
  const target = await spawnFaulty(system);
  probe.watch(target);
  const exited = nextSystemEvent(system, 'worker.exit', (e) => e.node === target.node);
  target.tell({ type: 'uncaught', message: 'thrown from a timer' });
  const down = await probe.expect<Down>(downOf(target));
  assert.is(down.reason, 'worker-exit');
  assert.match((await exited).error ?? '', /thrown from a timer/);
});

test('every actor of a dead worker is reported, and a watcher in another worker hears it too', async ({ system, probe }) => {
  const worker = await system.spawnWorker();
  const a = await system.spawn({ module: fixture, export: 'echo' }, { worker, name: 'a' });
  const b = await system.spawn({ module: fixture, export: 'echo' }, { worker, name: 'b' });
  const remoteWatcher = await system.spawn({ module: fixture, export: 'watcher' }, { worker: 'new', args: { target: a } });
  await remoteWatcher.ask({ type: 'watch', ref: b });
  assert.is(await remoteWatcher.ask({ type: 'ping', ref: a }), 'ping');
  probe.watch(a);
  probe.watch(b);
  assert.is(await a.ask('ping'), 'ping', 'the watches left before this ask on the same link');
  await system.terminateWorker(worker);
  assert.is((await probe.expect<Down>(downOf(a))).reason, 'worker-exit');
  assert.is((await probe.expect<Down>(downOf(b))).reason, 'worker-exit');
  let downs: { ref: string; reason: string }[] = [];
  while (downs.length < 2) downs = await remoteWatcher.ask({ type: 'downs' });
  assert.equal(
    downs.map((d) => `${d.ref}:${d.reason}`).sort(),
    [`a@${worker}:worker-exit`, `b@${worker}:worker-exit`],
  );
});

test('watching an actor that does not exist yields Down(noproc) at once', async ({ system, probe }) => {
  const worker = await system.spawnWorker();
  for (const address of ['ghost@main', `ghost@${worker}`, 'ghost@w404']) {
    const ghost = system.ref(address);
    probe.watch(ghost);
    assert.is((await probe.expect<Down>(downOf(ghost))).reason, 'noproc', address);
  }
});

test('watching an actor that already stopped yields noproc; unwatch means no Down', async ({ system, probe }) => {
  const gone = await spawnFaulty(system);
  await system.stopActor(gone);
  probe.watch(gone);
  assert.is((await probe.expect<Down>(downOf(gone))).reason, 'noproc');

  const quiet = await spawnFaulty(system);
  const loud = await spawnFaulty(system, 'current');
  probe.watch(quiet);
  probe.unwatch(quiet);
  probe.watch(loud);
  await system.stopActor(quiet);
  await system.stopActor(loud);
  await probe.expect<Down>(downOf(loud));
  assert.not.ok(probe.received.some(downOf(quiet)), 'no Down after unwatch');
});

test.run();
