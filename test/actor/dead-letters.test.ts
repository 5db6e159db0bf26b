import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ActorSystem, type DeadLetter } from '../../src/index.js';
import { type FaultMsg, fixture } from '../fixtures/behaviours.js';

const test = suite<{ system: ActorSystem; letters: DeadLetter[] }>('dead letters');
test.before.each(async (ctx) => {
  ctx.system = await ActorSystem.start();
  ctx.letters = [];
  ctx.system.deadLetters.on('dead-letter', (letter) => ctx.letters.push(letter));
});
test.after.each(async (ctx) => {
  await ctx.system.stop();
});

/** Resolves once `n` dead letters matching have been seen; fails after 10 s saying what came. */
function letters(ctx: { system: ActorSystem; letters: DeadLetter[] }, n: number, match: (l: DeadLetter) => boolean): Promise<DeadLetter[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ctx.system.deadLetters.off('dead-letter', check);
      reject(new Error(`expected ${n} dead letters, got: ${JSON.stringify(ctx.letters.map((l) => [l.reason, l.recipient, l.message]))}`));
    }, 10_000);
    function check(): void {
      const found = ctx.letters.filter(match);
      if (found.length < n) return;
      clearTimeout(timer);
      ctx.system.deadLetters.off('dead-letter', check);
      resolve(found);
    }
    ctx.system.deadLetters.on('dead-letter', check);
    check();
  });
}

test('a full mailbox sends the overflow to dead letters with reason mailbox-full (same thread)', async (ctx) => {
  const busy = await ctx.system.spawn<FaultMsg>({ module: fixture, export: 'faulty' }, { mailbox: { capacity: 10 } });
  const sleeping = busy.ask({ type: 'sleep', ms: 100 });
  await Promise.resolve();
  for (let i = 0; i < 25; i++) busy.tell({ type: 'ping' });
  const overflow = ctx.letters.filter((l) => l.reason === 'mailbox-full');
  assert.is(overflow.length, 15);
  assert.is(overflow[0]!.recipient, busy.address);
  assert.equal(overflow[0]!.message, { type: 'ping' });
  assert.is(ctx.system.deadLetters.byReason['mailbox-full'], 15);
  assert.is(await sleeping, 'slept');
});

test('an ask into a full mailbox fails with ERR_MAILBOX_FULL instead of timing out', async (ctx) => {
  const busy = await ctx.system.spawn<FaultMsg>({ module: fixture, export: 'faulty' }, { worker: 'new', mailbox: { capacity: 1 } });
  const sleeping = busy.ask({ type: 'sleep', ms: 200 });
  const outcomes = await Promise.all(
    Array.from({ length: 5 }, () => busy.ask({ type: 'ping' }).catch((e: { code: string }) => e.code)),
  );
  assert.ok(outcomes.includes('ERR_MAILBOX_FULL'), JSON.stringify(outcomes));
  assert.not.ok(outcomes.includes('ERR_ASK_TIMEOUT'), JSON.stringify(outcomes));
  await sleeping;
});

test('overflow in a worker reaches the main stream; counters add up with the actor stats', async (ctx) => {
  const busy = await ctx.system.spawn<FaultMsg>({ module: fixture, export: 'faulty' }, { worker: 'new', mailbox: { capacity: 5 } });
  const sleeping = busy.ask({ type: 'sleep', ms: 300 });
  const sent = 50;
  for (let i = 0; i < sent; i++) busy.tell({ type: 'ping' });
  await sleeping;
  const stats = await ctx.system.stats();
  const actor = stats.nodes.flatMap((n) => n.actors).find((a) => a.address === busy.address)!;
  const dead = await letters(ctx, actor.deadLettered, (l) => l.reason === 'mailbox-full');
  assert.ok(actor.deadLettered >= sent - 5 - 1, `${actor.deadLettered} dead-lettered`);
  assert.is(actor.received + actor.deadLettered, sent + 1);
  assert.is(dead.length, actor.deadLettered);
  assert.is(dead[0]!.node, busy.node, 'the worker that refused it is named');
});

test('messages to unknown actors, stopped actors and dead workers become dead letters', async (ctx) => {
  const worker = await ctx.system.spawnWorker();
  ctx.system.ref(`nobody@${worker}`).tell('to nobody');
  ctx.system.ref('nobody@main').tell('to nobody locally');
  ctx.system.ref('nobody@w404').tell('to no node');
  const gone = await ctx.system.spawn({ module: fixture, export: 'echo' }, { worker: 'new' });
  await ctx.system.terminateWorker(gone.node);
  gone.tell('to a dead worker');
  const found = await letters(ctx, 4, () => true);
  const byMessage = Object.fromEntries(found.map((l) => [l.message as string, l.reason]));
  assert.equal(byMessage, {
    'to nobody': 'no-such-actor',
    'to nobody locally': 'no-such-actor',
    'to no node': 'no-such-node',
    'to a dead worker': 'no-such-node',
  });
});

test('a message that cannot cross threads is dead-lettered; the link keeps working', async (ctx) => {
  const echo = await ctx.system.spawn({ module: fixture, export: 'echo' }, { worker: 'new' });
  echo.tell({ before: true });
  echo.tell({ callback: () => 1 });
  echo.tell({ after: true });
  const [letter] = await letters(ctx, 1, (l) => l.reason === 'malformed');
  assert.match(letter!.detail ?? '', /cannot be sent to another thread/);
  assert.equal(await echo.ask({ still: 'alive' }), { still: 'alive' });
  const stats = await ctx.system.stats();
  const actor = stats.nodes.flatMap((n) => n.actors).find((a) => a.address === echo.address)!;
  assert.is(actor.received, 3, 'before, after and the ask arrived');
});

test.run();
