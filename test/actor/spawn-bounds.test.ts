import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ActorSystem, behaviour } from '../../src/index.js';
import { fixture } from '../fixtures/behaviours.js';
import { TestProbe } from '../probe.js';
import { rejection } from './rejection.js';

const test = suite<{ system: ActorSystem }>('spawn bounds');
test.before.each(async (ctx) => {
  ctx.system = await ActorSystem.start();
});
test.after.each(async (ctx) => {
  await ctx.system.stop();
});

const stuck = { module: fixture, export: 'stuck' };
const hangingModule = new URL('../fixtures/hanging-module.js', import.meta.url).href;

test('a spawn into a new worker whose setup never ends times out, and its worker is ended', async ({ system }) => {
  const started = Date.now();
  const error = await rejection(system.spawn(stuck, { worker: 'new', timeoutMs: 200 }));
  assert.is(error.code, 'ERR_SPAWN_TIMEOUT');
  assert.match(error.message, /"stuck" from .*behaviours\.js" did not complete within 200 ms/);
  assert.ok(Date.now() - started < 5_000);
  assert.equal(system.workers(), [], 'no worker left behind');
});

test('the system\'s spawnTimeoutMs bounds every spawn, including one whose module never loads', async () => {
  const system = await ActorSystem.start({ spawnTimeoutMs: 200 });
  try {
    const error = await rejection(system.spawn({ module: hangingModule, export: 'never' }, { worker: 'new' }));
    assert.is(error.code, 'ERR_SPAWN_TIMEOUT');
    assert.equal(system.workers(), []);
  } finally {
    await system.stop();
  }
});

test('a timed-out spawn in an existing worker kills the half-started actor: its name is free again', async ({ system }) => {
  const log = await TestProbe.create(system);
  const node = await system.spawnWorker();
  // Long enough that the setup has surely started (even on a loaded machine) before it times out.
  const spawned = rejection(system.spawn({ module: fixture, export: 'stuck' }, { worker: node, name: 'busy', timeoutMs: 2_000, args: { log: log.ref } }));
  assert.is(await log.expect(), 'setting up', 'the setup had started');
  const error = await spawned;
  assert.is(error.code, 'ERR_SPAWN_TIMEOUT');
  assert.equal(system.workers(), [node], 'a worker the spawn did not start is kept');
  const again = await system.spawn({ module: fixture, export: 'echo' }, { worker: node, name: 'busy' });
  assert.is(await again.ask('hello'), 'hello');
});

test('a setup that finishes after its spawn timed out does not bring the actor back', async ({ system }) => {
  const log = await TestProbe.create(system);
  const node = await system.spawnWorker();
  await system.spawn({ module: fixture, export: 'echo' }, { worker: node }); // the module is loaded there: the timeout is the setup's
  const error = await rejection(system.spawn({ module: fixture, export: 'slowSetup' }, { worker: node, name: 'late', timeoutMs: 50, args: { ms: 300, log: log.ref } }));
  assert.is(error.code, 'ERR_SPAWN_TIMEOUT');
  const { setupDone } = await log.expect<{ setupDone: string }>();
  assert.is(setupDone, `late@${node}`);
  assert.is((await rejection(system.ref(setupDone).ask('there?'))).code, 'ERR_NO_SUCH_ACTOR');
});

test('a spawn in the current thread is bounded too', async ({ system }) => {
  const hangs = behaviour<unknown>({ setup: () => new Promise(() => undefined) });
  const error = await rejection(system.spawn(hangs, { name: 'local', timeoutMs: 100 }));
  assert.is(error.code, 'ERR_SPAWN_TIMEOUT');
  const again = await system.spawn({ module: fixture, export: 'echo' }, { name: 'local' });
  assert.is(await again.ask(1), 1);
});

test('an AbortSignal cancels a spawn, with its reason as cause, and ends what it started', async ({ system }) => {
  const controller = new AbortController();
  const pending = rejection(system.spawn(stuck, { worker: 'new', signal: controller.signal }));
  const workerStarted = new Promise<void>((resolve) => {
    const poll = () => (system.workers().length > 0 ? resolve() : setImmediate(poll));
    poll();
  });
  await workerStarted;
  controller.abort(new Error('changed my mind'));
  const error = await pending;
  assert.is(error.code, 'ERR_SPAWN_ABORTED');
  assert.is((error.cause as Error).message, 'changed my mind');
  assert.equal(system.workers(), []);

  const local = new AbortController();
  const hangs = behaviour<unknown>({ setup: () => new Promise(() => undefined) });
  const spawning = rejection(system.spawn(hangs, { name: 'cancelled', signal: local.signal }));
  local.abort('no');
  assert.is((await spawning).code, 'ERR_SPAWN_ABORTED');
  assert.is(await (await system.spawn({ module: fixture, export: 'echo' }, { name: 'cancelled' })).ask(2), 2);

  const already = await rejection(system.spawn(stuck, { worker: 'new', signal: AbortSignal.abort() }));
  assert.is(already.code, 'ERR_SPAWN_ABORTED');
  assert.equal(system.workers(), [], 'an aborted signal starts nothing');
});

test('ctx.spawn inside a worker is bounded the same way', async ({ system }) => {
  const spawner = await system.spawn({ module: fixture, export: 'spawner' }, { worker: 'new' });
  const answer = await spawner.ask({ type: 'spawn', behaviour: stuck, options: { worker: 'new', timeoutMs: 200 } });
  assert.equal(answer, { code: 'ERR_SPAWN_TIMEOUT' });
  assert.equal(system.workers(), [spawner.node], 'only the spawner\'s worker is left');
  const local = await spawner.ask({ type: 'spawn', behaviour: stuck, options: { timeoutMs: 100 } });
  assert.equal(local, { code: 'ERR_SPAWN_TIMEOUT' });
});

test('spawnWorker is bounded and takes a signal', async ({ system }) => {
  const error = await rejection(system.spawnWorker({ signal: AbortSignal.abort('no') }));
  assert.is(error.code, 'ERR_SPAWN_ABORTED');
  assert.equal(system.workers(), []);
  const bad = await rejection(system.spawnWorker({ timeoutMs: 0 }));
  assert.is(bad.code, 'ERR_INVALID_OPTIONS');
  const node = await system.spawnWorker({ timeoutMs: 10_000 });
  assert.equal(system.workers(), [node]);
});

test('a spawn that fails in a new worker ends that worker', async ({ system }) => {
  const error = await rejection(system.spawn({ module: fixture, export: 'nope' }, { worker: 'new' }));
  assert.is(error.code, 'ERR_BEHAVIOUR_NOT_FOUND');
  assert.equal(system.workers(), []);
});

test('workers start with the system\'s resourceLimits: a small young generation and an old one under 2 GiB by default, V8\'s own with {}', async ({ system }) => {
  const limited = await system.spawn({ module: fixture, export: 'workerLimits' }, { worker: 'new' });
  const limits = await limited.ask<{ maxYoungGenerationSizeMb: number; maxOldGenerationSizeMb: number }>(null);
  assert.is(limits.maxYoungGenerationSizeMb, 4);
  assert.is(limits.maxOldGenerationSizeMb, 2_000);
  const own = await ActorSystem.start({ workerResourceLimits: {} });
  try {
    const free = await own.spawn({ module: fixture, export: 'workerLimits' }, { worker: 'new' });
    assert.ok((await free.ask<{ maxYoungGenerationSizeMb: number }>(null)).maxYoungGenerationSizeMb > 4);
  } finally {
    await own.stop();
  }
  const refused = await rejection(ActorSystem.start({ workerResourceLimits: { maxYoungGenerationSizeMb: 0 } }));
  assert.is(refused.code, 'ERR_INVALID_OPTIONS');
  assert.match(refused.message, /options\.workerResourceLimits\.maxYoungGenerationSizeMb/);
});

test('what a caller can get wrong in spawn and ref has a code, and starts nothing', async ({ system }) => {
  const cases: [unknown, unknown, RegExp][] = [
    [null, {}, /invalid behaviour: expected a behaviour\(\) or \{ module, export \}, got null/],
    [{ module: 5, export: 'echo' }, {}, /behaviour\.module/],
    [{ module: fixture, export: 'echo' }, { worker: 'new', args: { f: () => 1 } }, /options\.args cannot be sent to another thread/],
    [{ module: fixture, export: 'echo' }, { wroker: 'new' }, /spawn options\.wroker/],
    [{ module: fixture, export: 'echo' }, { name: 'has space' }, /spawn options\.name/],
    [{ module: fixture, export: 'echo' }, { worker: 'w404' }, /worker "w404" does not exist/],
    [{ module: fixture, export: 'echo' }, { mailbox: { capacity: 0 } }, /options\.mailbox\.capacity/],
    [{ module: fixture, export: 'echo' }, { signal: 'stop' }, /options\.signal/],
  ];
  for (const [what, options, message] of cases) {
    const error = await rejection(system.spawn(what as never, options as never));
    assert.is(error.code, 'ERR_INVALID_OPTIONS', String(message));
    assert.match(error.message, message);
  }
  assert.equal(system.workers(), []);
  for (const bad of ['no-at-sign', '@main', 'name@', 42]) {
    assert.throws(() => system.ref(bad as string), (error: { code?: string }) => error.code === 'ERR_INVALID_ADDRESS');
  }
  const huge = 'x'.repeat(1_000_000);
  const error = await rejection(system.spawn({ module: huge, export: huge }, { worker: 'new' }));
  assert.is(error.code, 'ERR_BEHAVIOUR_NOT_FOUND');
  assert.ok(error.message.length < 1_000, `a short message (${error.message.length} characters)`);
});

test.run();
