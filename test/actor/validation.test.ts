import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ActorSystem, type DeadLetter } from '../../src/index.js';
import { fixture } from '../fixtures/behaviours.js';

const test = suite<{ system: ActorSystem }>('validation');
test.before.each(async (ctx) => {
  ctx.system = await ActorSystem.start();
});
test.after.each(async (ctx) => {
  await ctx.system.stop();
});

test('an invalid message from another thread goes to dead letters; the actor keeps running', async ({ system }) => {
  const orders = await system.spawn({ module: fixture, export: 'validated' }, { worker: 'new' });
  const letter = new Promise<DeadLetter>((resolve) => system.deadLetters.once('dead-letter', resolve));
  orders.tell({ type: 'order', qty: 2 });
  orders.tell({ type: 'order', qty: -1 });
  orders.tell({ type: 'order', qty: 3 });
  const dead = await letter;
  assert.is(dead.reason, 'invalid-message');
  assert.equal(dead.message, { type: 'order', qty: -1 });
  assert.match(dead.detail ?? '', /qty/);
  assert.is(await orders.ask({ type: 'total' }), 5);
});

test('an invalid ask is rejected with ERR_INVALID_MESSAGE naming the problem', async ({ system }) => {
  const orders = await system.spawn({ module: fixture, export: 'validated' }, { worker: 'new' });
  const error = await orders.ask({ type: 'refund' }).catch((e: Error & { code: string }) => e);
  assert.is((error as { code: string }).code, 'ERR_INVALID_MESSAGE');
  assert.is(await orders.ask({ type: 'total' }), 0);
});

test('invalid options fail before anything starts, naming the key', async () => {
  const error = await ActorSystem.start({ mailboxCapacity: 0 }).catch((e: Error & { code: string }) => e);
  assert.is((error as { code: string }).code, 'ERR_INVALID_OPTIONS');
  assert.match((error as Error).message, /mailboxCapacity/);
  const typo = await ActorSystem.start({ askTimeoutMS: 5 } as never).catch((e: Error) => e);
  assert.match((typo as Error).message, /askTimeoutMS/);
});

test('spawn errors are clear: unknown export, taken name, behaviour object into a worker', async ({ system }) => {
  const missing = await system.spawn({ module: fixture, export: 'nope' }, { worker: 'new' }).catch((e: Error & { code: string }) => e);
  assert.is((missing as { code: string }).code, 'ERR_BEHAVIOUR_NOT_FOUND');
  await system.spawn({ module: fixture, export: 'echo' }, { name: 'taken' });
  const taken = await system.spawn({ module: fixture, export: 'echo' }, { name: 'taken' }).catch((e: Error & { code: string }) => e);
  assert.is((taken as { code: string }).code, 'ERR_NAME_TAKEN');
  const { echo } = await import('../fixtures/behaviours.js');
  const object = await system.spawn(echo, { worker: 'new' }).catch((e: Error & { code: string }) => e);
  assert.match((object as Error).message, /import\.meta\.url/);
});

test.run();
