import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ActorSystem } from '../../src/index.js';
import { fixture } from '../fixtures/behaviours.js';

const test = suite<{ system: ActorSystem }>('fault injection: dropMessages');
test.before.each(async (ctx) => {
  ctx.system = await ActorSystem.start();
});
test.after.each(async (ctx) => {
  await ctx.system.stop();
});

const recorder = { module: fixture, export: 'recorder' };

test('loses exactly `count` messages of the type, across threads, and says which', async ({ system }) => {
  const a = await system.spawn(recorder, { name: 'a', worker: 'new' });
  const b = await system.spawn(recorder, { name: 'b', worker: 'new' });
  const drop = await system.dropMessages({ type: 'lose-me', count: 3 });
  for (let i = 0; i < 10; i++) {
    a.tell({ type: 'lose-me', i });
    b.tell({ type: 'lose-me', i });
    a.tell({ type: 'keep-me', i });
  }
  const lost = await drop.dropped;
  assert.is(lost.length, 3);
  assert.ok(lost.every((event) => event.messageType === 'lose-me'));
  const seenA = await a.ask<{ type: string }[]>({ type: 'dump' });
  const seenB = await b.ask<{ type: string }[]>({ type: 'dump' });
  const kept = [...seenA, ...seenB].filter((m) => m.type === 'lose-me').length;
  assert.is(kept, 20 - 3, 'the count is exact over both receiving threads');
  assert.is(seenA.filter((m) => m.type === 'keep-me').length, 10, 'other types pass');
  a.tell({ type: 'lose-me', i: 99 });
  const after = await a.ask<{ type: string; i: number }[]>({ type: 'dump' });
  assert.ok(after.some((m) => m.i === 99), 'the rule is lifted once used up');
});

test('`to` limits the rule to one actor; a worker started later has the rule', async ({ system }) => {
  const drop = await system.dropMessages({ type: 'hello', to: 'target', count: 2 });
  const bystander = await system.spawn(recorder, { name: 'bystander', worker: 'new' });
  const target = await system.spawn(recorder, { name: 'target', worker: 'new' });
  bystander.tell({ type: 'hello' });
  target.tell({ type: 'hello' });
  target.tell({ type: 'hello' });
  assert.equal(await bystander.ask({ type: 'dump' }), [{ type: 'hello' }]);
  const lost = await drop.dropped;
  assert.equal(lost.map((event) => event.actor), [target.address, target.address]);
  target.tell({ type: 'hello' });
  assert.equal(await target.ask({ type: 'dump' }), [{ type: 'hello' }]);
});

test('remove() lifts a rule before its count is used up', async ({ system }) => {
  const target = await system.spawn(recorder, { name: 'target', worker: 'new' });
  const drop = await system.dropMessages({ type: 'hello', count: 5 });
  target.tell({ type: 'hello', n: 1 });
  assert.equal(await target.ask({ type: 'dump' }), []);
  await drop.remove();
  target.tell({ type: 'hello', n: 2 });
  assert.equal(await target.ask({ type: 'dump' }), [{ type: 'hello', n: 2 }]);
});

test('`from` limits a rule to one sender; `count: Infinity` applies until removed', async ({ system }) => {
  const target = await system.spawn(recorder, { name: 'target', worker: 'new' });
  const liar = await system.spawn(recorder, { name: 'liar', worker: 'new' });
  const honest = await system.spawn(recorder, { name: 'honest' });
  const drop = await system.dropMessages({ type: 'claim', from: 'liar', count: Infinity });
  for (let i = 0; i < 5; i++) {
    target.tell({ type: 'claim', by: 'liar', i }, liar);
    target.tell({ type: 'claim', by: 'honest', i }, honest);
  }
  target.tell({ type: 'claim', by: 'nobody' });
  const seen = await target.ask<{ by: string }[]>({ type: 'dump' });
  assert.equal(seen.map((m) => m.by), ['honest', 'honest', 'honest', 'honest', 'honest', 'nobody'], 'only the named sender\'s are lost, all of them');
  for (let i = 0; i < 5; i++) assert.is((await drop.next()).actor, target.address);
  await drop.remove();
  target.tell({ type: 'claim', by: 'liar', i: 9 }, liar);
  assert.is((await target.ask<unknown[]>({ type: 'dump' })).length, 7, 'lifted by remove()');
});

test('holdMessages delays messages instead of losing them: release() delivers them in order, with their payload reported', async ({ system }) => {
  const target = await system.spawn(recorder, { name: 'target', worker: 'new' });
  const hold = await system.holdMessages({ type: 'later', to: 'target', count: 2 });
  target.tell({ type: 'later', n: 1 });
  target.tell({ type: 'now', n: 2 });
  target.tell({ type: 'later', n: 3 });
  target.tell({ type: 'later', n: 4 });
  const held = await hold.held;
  assert.equal(held.map((h) => (h.message as { n: number }).n), [1, 3], 'the payloads, as held');
  assert.is(held[0]!.actor, target.address);
  assert.equal(await target.ask({ type: 'dump' }), [{ type: 'now', n: 2 }, { type: 'later', n: 4 }], 'held ones are not there yet; the rule stopped at its count');
  await hold.release();
  assert.equal((await target.ask<{ n: number }[]>({ type: 'dump' })).map((m) => m.n), [2, 4, 1, 3], 'delivered on release, in the order held');
});

test('a held ask is answered once released; discard() loses what a hold kept', async ({ system }) => {
  const target = await system.spawn(recorder, { name: 'target', worker: 'new' });
  const hold = await system.holdMessages({ type: 'dump', to: 'target' });
  let answered = false;
  const answer = target.ask<unknown[]>({ type: 'dump' }).then((seen) => {
    answered = true;
    return seen;
  });
  target.tell({ type: 'first' });
  await hold.held;
  assert.not.ok(answered, 'not answered while held');
  await hold.release();
  assert.equal(await answer, [{ type: 'first' }], 'answered once released, after what came meanwhile');
  const lose = await system.holdMessages({ type: 'gone', to: 'target' });
  target.tell({ type: 'gone' });
  await lose.held;
  await lose.discard();
  assert.equal(await target.ask({ type: 'dump' }), [{ type: 'first' }], 'discarded, never delivered');
});

test('tapMessages reports each message with its payload and sender and lets it through; refs in the payload arrive as refs', async ({ system }) => {
  const target = await system.spawn(recorder, { name: 'target', worker: 'new' });
  const sender = await system.spawn(recorder, { name: 'sender', worker: 'new' });
  const tap = await system.tapMessages({ type: 'note', to: 'target' });
  target.tell({ type: 'note', about: sender }, sender);
  target.tell({ type: 'other' });
  const seen = await tap.next();
  assert.is(seen.sender, sender.address);
  assert.is(seen.actor, target.address);
  const about = (seen.message as { about: { address: string; tell: unknown } }).about;
  assert.is(about.address, sender.address);
  assert.type(about.tell, 'function', 'a ref, bound on the main thread');
  assert.equal((await target.ask<{ type: string }[]>({ type: 'dump' })).map((m) => m.type), ['note', 'other'], 'delivered as usual');
  const late = tap.next((m) => (m.message as { n?: number }).n === 2);
  target.tell({ type: 'note', n: 1 });
  target.tell({ type: 'note', n: 2 });
  assert.is(((await late).message as { n: number }).n, 2, 'next(match) waits for a matching one');
  assert.is(tap.seen.length, 3);
  await tap.remove();
  const none = await tap.next(() => false, 50).catch((e: Error & { code?: string }) => e.code);
  assert.is(none, 'ERR_FAULT_TIMEOUT');
});

test('a bad rule is refused naming the field', async ({ system }) => {
  const error = await system.dropMessages({ type: 'x', count: 0 }).catch((e: Error) => e);
  assert.match((error as Error).message, /drop rule\.count/);
});

test.run();
