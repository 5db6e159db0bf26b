import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ActorSystem } from '../../src/index.js';
import { type TickerMsg, fixture } from '../fixtures/behaviours.js';
import { withSystem } from '../helpers.js';
import { TestProbe } from '../probe.js';

const test = suite('lifecycle');

test('graceful stop drains every mailbox, stops the workers, and leaves no handle open', async () => {
  const script = fileURLToPath(new URL('../fixtures/graceful-stop.js', import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, 20_000);
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  assert.is(code, 0, 'the process exited on its own after system.stop()');
  const result = JSON.parse(out) as { reports: { counted: number; reason: string }[]; workers: number };
  assert.equal(result.reports, [
    { counted: 500, reason: 'shutdown' },
    { counted: 500, reason: 'shutdown' },
  ]);
  assert.is(result.workers, 0);
});

test('stopping a parent stops its children newest first, across workers, after its own hook', () =>
  withSystem({}, async (system) => {
    const log = await TestProbe.create(system);
    const parent = await system.spawn({ module: fixture, export: 'parent' }, { worker: 'new', args: { log: log.ref } });
    await parent.ask({ type: 'spawn', name: 'first', worker: 'new' });
    await parent.ask({ type: 'spawn', name: 'second', worker: 'current' });
    await parent.ask({ type: 'spawn', name: 'third', worker: 'new' });
    await system.stopActor(parent);
    // Reports come over different links, whose relative order is not defined: order them by
    // the time each actor stopped (performance.timeOrigin + now() is comparable across threads).
    const stops: { stopped: string; reason: string; at: number }[] = [];
    while (stops.length < 4) stops.push(await log.expect());
    stops.sort((x, y) => x.at - y.at);
    assert.equal(stops.map((s) => `${s.stopped}:${s.reason}`), ['parent:normal', 'third:shutdown', 'second:shutdown', 'first:shutdown']);
  }));

test('system.stop stops top-level actors newest first, then refuses new work', async () => {
  const reports: { stopped: string; reason: string; at: number }[] = [];
  const system = await withSystem({}, async (system) => {
    const log = await system.spawn({ kind: 'mesolith.behaviour', setup: () => ({ receive: (m: unknown) => void reports.push(m as never) }) });
    for (const name of ['one', 'two', 'three']) {
      await system.spawn({ module: fixture, export: 'loggingChild' }, { name, worker: 'new', args: { log, name } });
    }
    return system;
  });
  reports.sort((x, y) => x.at - y.at);
  assert.equal(reports.map((r) => `${r.stopped}:${r.reason}`), ['three:shutdown', 'two:shutdown', 'one:shutdown']);
  const late = await system.spawn({ module: fixture, export: 'echo' }).catch((e: { code: string }) => e.code);
  assert.is(late, 'ERR_SYSTEM_STOPPED');
});

test('a stopped actor whose async handler hangs is killed after its grace', () =>
  withSystem({ shutdownGraceMs: 50 }, async (system) => {
    const log = await TestProbe.create(system);
    const hung = await system.spawn({ module: fixture, export: 'faulty' }, { worker: 'new' });
    log.watch(hung);
    const hanging = hung.ask({ type: 'hang', notify: log.ref }).catch((e: { code: string }) => e.code);
    assert.is(await log.expect(), 'hanging');
    const started = Date.now();
    await system.stopActor(hung);
    assert.ok(Date.now() - started < 2_000);
    assert.is((await log.expect<{ reason: string }>()).reason, 'killed');
    assert.is(await hanging, 'ERR_ACTOR_STOPPED', 'the ask in flight is failed, not left to time out');
  }));

test('system.stop does not wait past stopTimeoutMs and the 1 s end of a worker whose thread is stuck', async () => {
  const system = await ActorSystem.start({ stopTimeoutMs: 300, shutdownGraceMs: 100 });
  const blocker = await system.spawn<{ type: 'block'; ms: number }>({ module: fixture, export: 'blocker' }, { worker: 'new' });
  const echo = await system.spawn({ module: fixture, export: 'echo' }, { worker: 'new' });
  assert.is(await echo.ask('ready'), 'ready');
  blocker.tell({ type: 'block', ms: 60_000 });
  const started = Date.now();
  await system.stop();
  assert.ok(Date.now() - started < 5_000, `stopped after ${Date.now() - started} ms`);
  assert.equal(system.workers(), []);
});

test('timers fire once or repeatedly, can be cancelled, and die with the actor', () =>
  withSystem({}, async (system) => {
    const log = await TestProbe.create(system);
    const ticker = await system.spawn<TickerMsg>({ module: fixture, export: 'ticker' }, { worker: 'new', args: { log: log.ref } });
    ticker.tell({ type: 'start', key: 'once', ms: 5, repeat: false });
    assert.equal(await log.expect(), { tick: 'once' });
    ticker.tell({ type: 'start', key: 'every', ms: 5, repeat: true });
    for (let i = 0; i < 3; i++) assert.equal(await log.expect(), { tick: 'every' });
    await ticker.ask({ type: 'cancel', key: 'every' });
    ticker.tell({ type: 'start', key: 'after-cancel', ms: 30, repeat: false });
    await log.expect((m) => (m as { tick: string }).tick === 'after-cancel');
    const lateTicks = log.received.filter((m) => (m as { tick: string }).tick === 'every').length;
    assert.ok(lateTicks <= 1, 'at most one tick was already in flight when cancelled');
    await ticker.ask({ type: 'start', key: 'orphan', ms: 5, repeat: true });
    await system.stopActor(ticker);
    const stats = await system.stats();
    assert.is(stats.deadLetters.total, 0, 'no timer fired into the stopped actor');
  }));

test.run();
