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

test('a bad rule is refused naming the field', async ({ system }) => {
  const error = await system.dropMessages({ type: 'x', count: 0 }).catch((e: Error) => e);
  assert.match((error as Error).message, /drop rule\.count/);
});

test.run();
