import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type ActorRef, ActorSystem } from '../../src/index.js';
import { type ProducerMsg, fixture } from '../fixtures/behaviours.js';
import { TestProbe } from '../probe.js';

const test = suite<{ system: ActorSystem }>('messaging');
test.before.each(async (ctx) => {
  ctx.system = await ActorSystem.start();
});
test.after.each(async (ctx) => {
  await ctx.system.stop();
});

test('tell and ask across workers; addresses are name@node', async ({ system }) => {
  const counter = await system.spawn({ module: fixture, export: 'counter' }, { name: 'counter', worker: 'new', args: { start: 5 } });
  assert.match(counter.address, /^counter@w\d+$/);
  counter.tell({ type: 'inc', by: 2 });
  counter.tell({ type: 'inc' });
  assert.is(await counter.ask({ type: 'get' }), 8);
});

test('refs travel inside messages and spawn args, and work where they arrive', async ({ system }) => {
  const probe = await TestProbe.create(system, 'probe');
  const producer = await system.spawn<ProducerMsg, { target: ActorRef }>(
    { module: fixture, export: 'producer' },
    { worker: 'new', args: { target: probe.ref } },
  );
  await producer.ask({ type: 'go', count: 3, tag: 'x' });
  for (let seq = 0; seq < 3; seq++) {
    const message = await probe.expect<{ tag: string; seq: number }>();
    assert.equal(message, { tag: 'x', seq });
  }
  const echo = await system.spawn({ module: fixture, export: 'echo' }, { worker: 'new' });
  const back = await echo.ask<{ ref: ActorRef }>({ ref: probe.ref });
  assert.ok(back.ref.equals(probe.ref));
  back.ref.tell('through a ref that crossed two threads');
  assert.is(await probe.expect(), 'through a ref that crossed two threads');
});

test('per-pair FIFO under load: two producers in two workers, 100k messages each', async ({ system }) => {
  const checker = await system.spawn({ module: fixture, export: 'sequenceChecker' }, { worker: 'new', mailbox: { capacity: 1_000_000 } });
  const producers = await Promise.all(
    ['a', 'b'].map(() =>
      system.spawn<ProducerMsg, { target: ActorRef }>(
        { module: fixture, export: 'producer' },
        { worker: 'new', args: { target: checker } },
      ),
    ),
  );
  const count = 100_000;
  await Promise.all(producers.map((p, i) => p.ask({ type: 'go', count, tag: `p${i}` })));
  // Each report travels behind that producer's own messages (per-pair FIFO), so after both
  // reports the checker has seen every message.
  await producers[0]!.ask({ type: 'report' });
  const report = await producers[1]!.ask<{ received: number; outOfOrder: number; tags: Record<string, number> }>({ type: 'report' });
  assert.is(report.received, 2 * count);
  assert.is(report.outOfOrder, 0);
  assert.equal(report.tags, { p0: count, p1: count });
});

test('sends are batched: far fewer postMessages than messages, order kept', async ({ system }) => {
  const checker = await system.spawn({ module: fixture, export: 'sequenceChecker' }, { worker: 'new', mailbox: { capacity: 100_000 } });
  const n = 20_000;
  for (let seq = 0; seq < n; seq++) checker.tell({ tag: 'main', seq });
  const report = await checker.ask<{ received: number; outOfOrder: number }>({ type: 'report' });
  assert.is(report.received, n, 'the ask left after the tells on the same link, so it is answered after them');
  assert.is(report.outOfOrder, 0);
  const stats = await system.stats();
  const main = stats.nodes.find((node) => node.node === 'main')!;
  const link = main.links.find((l) => l.peer === checker.node)!;
  assert.ok(link.batchesSent <= Math.ceil(n / system.options.maxBatch) + 2, `${link.batchesSent} batches for ${n} messages`);
});

test('same-thread actors keep order and answer asks', async ({ system }) => {
  const checker = await system.spawn({ module: fixture, export: 'sequenceChecker' }, { mailbox: { capacity: 50_000 } });
  for (let seq = 0; seq < 40_000; seq++) checker.tell({ tag: 'local', seq });
  const report = await checker.ask<{ received: number; outOfOrder: number }>({ type: 'report' });
  assert.is(report.received, 40_000);
  assert.is(report.outOfOrder, 0);
});

test('stats count received, processed and mailbox depth per actor', async ({ system }) => {
  const counter = await system.spawn({ module: fixture, export: 'counter' }, { name: 'counted', worker: 'new' });
  for (let i = 0; i < 10; i++) counter.tell({ type: 'inc' });
  assert.is(await counter.ask({ type: 'get' }), 10);
  const stats = await system.stats();
  const actor = stats.nodes.flatMap((node) => node.actors).find((a) => a.address === counter.address)!;
  assert.is(actor.received, 11);
  assert.is(actor.processed, 11);
  assert.is(actor.mailboxDepth, 0);
  assert.ok(actor.processingTimeMs >= 0);
});

test.run();
