import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ActorSystem, MAX_DURATION_MS } from '../../src/index.js';
import { type FaultMsg, type TickerMsg, fixture } from '../fixtures/behaviours.js';
import { TestProbe } from '../probe.js';
import { rejection } from './rejection.js';

const test = suite<{ system: ActorSystem }>('durations');
test.before.each(async (ctx) => {
  ctx.system = await ActorSystem.start();
});
test.after.each(async (ctx) => {
  await ctx.system.stop();
});

const YEAR_MS = 365 * 24 * 3_600_000;

/** Settles with what `promise` did, without waiting for it: 'pending' until it has. */
function track(promise: Promise<unknown>): { state: string; value?: unknown; code?: string } {
  const tracked: { state: string; value?: unknown; code?: string } = { state: 'pending' };
  promise.then(
    (value) => Object.assign(tracked, { state: 'resolved', value }),
    (error: { code?: string }) => Object.assign(tracked, { state: 'rejected', code: error.code }),
  );
  return tracked;
}

test('a year-long timer and a year-long ask in a worker have not fired after a second', async ({ system }) => {
  const log = await TestProbe.create(system);
  const ticker = await system.spawn<TickerMsg>({ module: fixture, export: 'ticker' }, { worker: 'new', args: { log: log.ref } });
  const holder = await system.spawn({ module: fixture, export: 'holder' }, { worker: 'new' });
  await ticker.ask({ type: 'start', key: 'year', ms: YEAR_MS, repeat: false });
  await ticker.ask({ type: 'start', key: 'yearly', ms: YEAR_MS, repeat: true });
  const yearAsk = track(holder.ask({ type: 'hold' }, { timeoutMs: YEAR_MS }));
  // Node would have fired each of them after 1 ms; a 1 s timer set after them comes first.
  await ticker.ask({ type: 'start', key: 'second', ms: 1_000, repeat: false });
  assert.equal(await log.expect(), { tick: 'second' });
  assert.equal(log.received, [], 'no year-long tick');
  assert.ok(await ticker.ask({ type: 'active', key: 'year' }));
  assert.ok(await ticker.ask({ type: 'active', key: 'yearly' }));
  assert.is(yearAsk.state, 'pending');
  holder.tell({ type: 'release', value: 'at last' });
  await holder.ask({ type: 'waiting' });
  assert.equal(yearAsk, { state: 'resolved', value: 'at last' }, 'a year-long ask still settles by its reply');
});

test('an ask with timeoutMs: Infinity settles by its reply, its signal, and its target\'s death', async ({ system }) => {
  const holder = await system.spawn({ module: fixture, export: 'holder' }, { worker: 'new' });
  const answered = holder.ask({ type: 'hold' }, { timeoutMs: Infinity });
  holder.tell({ type: 'release', value: 7 });
  assert.is(await answered, 7);

  const controller = new AbortController();
  const aborted = holder.ask({ type: 'hold' }, { timeoutMs: Infinity, signal: controller.signal });
  controller.abort(new Error('enough'));
  const abort = await rejection(aborted);
  assert.is(abort.code, 'ERR_ASK_ABORTED');
  assert.is((abort.cause as Error).message, 'enough');

  // The holder deferred its answer: stopping it fails the ask rather than leaving it forever.
  const orphaned = rejection(holder.ask({ type: 'hold' }, { timeoutMs: Infinity }));
  assert.is(await holder.ask({ type: 'waiting' }), 2, 'both answers (the aborted ask\'s too) are deferred');
  await system.stopActor(holder);
  assert.is((await orphaned).code, 'ERR_ACTOR_STOPPED');

  const sleeper = await system.spawn<FaultMsg>({ module: fixture, export: 'faulty' }, { worker: 'new' });
  assert.is(await sleeper.ask({ type: 'ping' }), 'pong');
  const inFlight = rejection(sleeper.ask({ type: 'sleep', ms: 60_000 }, { timeoutMs: Infinity }));
  await system.terminateWorker(sleeper.node);
  assert.is((await inFlight).code, 'ERR_WORKER_EXITED');
});

test('askTimeoutMs: Infinity makes asks wait for their answer by default', async () => {
  const system = await ActorSystem.start({ askTimeoutMs: Infinity });
  try {
    const holder = await system.spawn({ module: fixture, export: 'holder' }, { worker: 'new' });
    const answer = track(holder.ask({ type: 'hold' }));
    const sleeper = await system.spawn<FaultMsg>({ module: fixture, export: 'faulty' }, { worker: 'new' });
    await sleeper.ask({ type: 'sleep', ms: 200 });
    assert.is(answer.state, 'pending');
    holder.tell({ type: 'release', value: 'done' });
    await holder.ask({ type: 'waiting' });
    assert.equal(answer, { state: 'resolved', value: 'done' });
  } finally {
    await system.stop();
  }
});

test('timers.once(…, Infinity) never fires; it is active until cancelled', async ({ system }) => {
  const log = await TestProbe.create(system);
  const ticker = await system.spawn<TickerMsg>({ module: fixture, export: 'ticker' }, { worker: 'new', args: { log: log.ref } });
  await ticker.ask({ type: 'start', key: 'never', ms: Infinity, repeat: false });
  await ticker.ask({ type: 'start', key: 'soon', ms: 50, repeat: false });
  assert.equal(await log.expect(), { tick: 'soon' });
  assert.ok(await ticker.ask({ type: 'active', key: 'never' }));
  await ticker.ask({ type: 'cancel', key: 'never' });
  assert.not.ok(await ticker.ask({ type: 'active', key: 'never' }));
});

test('invalid durations are ERR_INVALID_OPTIONS naming the key, in calls and in options', async ({ system }) => {
  const echo = await system.spawn({ module: fixture, export: 'echo' }, { worker: 'new' });
  for (const bad of [-1, NaN, MAX_DURATION_MS + 1, '100', -Infinity]) {
    const error = await rejection(echo.ask('hi', { timeoutMs: bad as number }));
    assert.is(error.code, 'ERR_INVALID_OPTIONS', String(bad));
    assert.match(error.message, /options\.timeoutMs: expected a number of ms from 0 to 315360000000 \(10 years\) or Infinity/);
  }
  assert.is(await echo.ask('still here', { timeoutMs: MAX_DURATION_MS }), 'still here');

  const log = await TestProbe.create(system);
  const ticker = await system.spawn<TickerMsg>({ module: fixture, export: 'ticker' }, { worker: 'new', args: { log: log.ref } });
  const timer = await rejection(ticker.ask({ type: 'start', key: 'k', ms: -5, repeat: false }));
  assert.is(timer.code, 'ERR_INVALID_OPTIONS');
  assert.match(timer.message, /timers\.once: delayMs: .* got -5/);

  const cases: [Record<string, unknown>, RegExp][] = [
    [{ askTimeoutMs: MAX_DURATION_MS + 1 }, /options\.askTimeoutMs: expected an integer number of ms from 1 to 315360000000/],
    [{ askTimeoutMs: NaN }, /options\.askTimeoutMs/],
    [{ spawnTimeoutMs: Infinity }, /options\.spawnTimeoutMs: .* got Infinity/],
    [{ shutdownGraceMs: -1 }, /options\.shutdownGraceMs/],
    [{ stopTimeoutMs: '10' }, /options\.stopTimeoutMs/],
  ];
  for (const [options, message] of cases) {
    const error = await rejection(ActorSystem.start(options));
    assert.is(error.code, 'ERR_INVALID_OPTIONS');
    assert.match(error.message, message);
  }
  const spawn = await rejection(system.spawn({ module: fixture, export: 'echo' }, { timeoutMs: -1 }));
  assert.match(spawn.message, /spawn options\.timeoutMs/);
  const stop = await rejection(system.spawn(
    { kind: 'mesolith.behaviour', setup: (ctx) => ({ receive: () => ctx.stop(echo, NaN) }) },
  ).then((stopper) => stopper.ask('go')));
  assert.match(stop.message, /invalid stop: graceMs/);
});

test.run();
