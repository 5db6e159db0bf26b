import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ActorSystem, MesolithError } from '../../src/index.js';
import { type FaultMsg, fixture } from '../fixtures/behaviours.js';
import { rejection } from './rejection.js';

const test = suite<{ system: ActorSystem }>('ask');
test.before.each(async (ctx) => {
  ctx.system = await ActorSystem.start({ askTimeoutMs: 2_000 });
});
test.after.each(async (ctx) => {
  await ctx.system.stop();
});

test('a handler that returns null answers null and its worker lives on (null is not a promise)', async ({ system }) => {
  const echo = await system.spawn({ module: fixture, export: 'echo' }, { worker: 'new' });
  assert.is(await echo.ask(null), null);
  assert.is(await echo.ask('still here'), 'still here');
  assert.ok(system.workers().includes(echo.node));
});

test('ask times out with ERR_ASK_TIMEOUT', async ({ system }) => {
  const slow = await system.spawn<FaultMsg>({ module: fixture, export: 'faulty' }, { worker: 'new' });
  const started = Date.now();
  const error = await rejection(slow.ask({ type: 'sleep', ms: 1_000 }, { timeoutMs: 50 }));
  assert.is(error.code, 'ERR_ASK_TIMEOUT');
  assert.ok(error instanceof MesolithError);
  assert.ok(Date.now() - started < 900, 'rejected at the timeout, not when the reply came');
  // The message says where the ask was: it left on an open link (the worker did not answer).
  assert.match(error.message, new RegExp(`\\(the link from main to ${slow.node} is open: [1-9]\\d* batches sent, \\d+ received\\)$`));
});

test('an ask whose own thread was blocked past its timeout says so', async ({ system }) => {
  const slow = await system.spawn<FaultMsg>({ module: fixture, export: 'faulty' }, { worker: 'new' });
  const pending = rejection(slow.ask({ type: 'sleep', ms: 3_000 }, { timeoutMs: 50 }));
  const until = Date.now() + 1_300;
  while (Date.now() < until);
  const error = await pending;
  assert.is(error.code, 'ERR_ASK_TIMEOUT');
  assert.match(error.message, /its timer fired \d+ ms late: this thread was blocked/);
});

test('ask is aborted by its AbortSignal, with the abort reason as cause', async ({ system }) => {
  const slow = await system.spawn<FaultMsg>({ module: fixture, export: 'faulty' }, { worker: 'new' });
  const controller = new AbortController();
  const pending = slow.ask({ type: 'sleep', ms: 1_000 }, { signal: controller.signal });
  controller.abort(new Error('user gave up'));
  const error = await rejection(pending);
  assert.is(error.code, 'ERR_ASK_ABORTED');
  assert.is((error.cause as Error).message, 'user gave up');
  const already = await rejection(slow.ask({ type: 'ping' }, { signal: AbortSignal.abort() }));
  assert.is(already.code, 'ERR_ASK_ABORTED');
});

test('an error thrown in another worker rejects the ask with name, message, stack, code and cause', async ({ system }) => {
  const faulty = await system.spawn<FaultMsg>({ module: fixture, export: 'faulty' }, { worker: 'new' });
  const error = await rejection(faulty.ask({ type: 'throw', message: 'disk on fire' }));
  assert.is(error.name, 'BoomError');
  assert.is(error.message, 'disk on fire');
  assert.is(error.code, 'E_BOOM');
  assert.match(error.stack ?? '', /fixtures\/behaviours\.js/, 'the stack is the thrower\'s, from the worker');
  assert.instance(error.cause, Error);
  assert.is((error.cause as Error).name, 'RangeError');
  assert.is((error.cause as Error).message, 'the root cause');
});

test('a rejected async handler rejects the ask, same thread and across threads', async ({ system }) => {
  for (const worker of ['current', 'new'] as const) {
    const faulty = await system.spawn<FaultMsg>({ module: fixture, export: 'faulty' }, { worker });
    const error = await rejection(faulty.ask({ type: 'reject', message: `bad input (${worker})` }));
    assert.is(error.name, 'TypeError');
    assert.is(error.message, `bad input (${worker})`);
  }
});

test('ask to an actor that does not exist fails at once, locally and remotely', async ({ system }) => {
  const local = await rejection(system.ref('nobody@main').ask('hi'));
  assert.is(local.code, 'ERR_NO_SUCH_ACTOR');
  const worker = await system.spawnWorker();
  const remote = await rejection(system.ref(`nobody@${worker}`).ask('hi'));
  assert.is(remote.code, 'ERR_NO_SUCH_ACTOR');
  const noNode = await rejection(system.ref('nobody@w999').ask('hi'));
  assert.is(noNode.code, 'ERR_NO_SUCH_ACTOR');
});

test('asks pending on a worker that dies fail with ERR_WORKER_EXITED', async ({ system }) => {
  const slow = await system.spawn<FaultMsg>({ module: fixture, export: 'faulty' }, { worker: 'new' });
  assert.is(await slow.ask({ type: 'ping' }), 'pong');
  const pending = rejection(slow.ask({ type: 'sleep', ms: 10_000 }, { timeoutMs: 20_000 }));
  await system.terminateWorker(slow.node);
  const error = await pending;
  assert.is(error.code, 'ERR_WORKER_EXITED');
});

test('deferReply answers an ask later, from another message; actors ask each other', async ({ system }) => {
  const holder = await system.spawn({ module: fixture, export: 'holder' }, { worker: 'new' });
  const answer = holder.ask({ type: 'hold' });
  holder.tell({ type: 'release', value: 42 });
  assert.is(await answer, 42);
  const checker = await system.spawn({ module: fixture, export: 'sequenceChecker' }, { worker: 'new' });
  const producer = await system.spawn({ module: fixture, export: 'producer' }, { worker: 'new', args: { target: checker } });
  await producer.ask({ type: 'go', count: 5, tag: 't' });
  assert.equal(await producer.ask({ type: 'report' }), { received: 5, outOfOrder: 0, tags: { t: 5 } });
});

test.run();
