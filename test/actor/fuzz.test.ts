import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type ActorRef, ActorSystem } from '../../src/index.js';
import { fixture } from '../fixtures/behaviours.js';
import { SEED, anything, assertCoded, evil, fuzzRun as run, hostileNumber, specials } from '../fixtures/hostile.js';

/**
 * The runtime's boundary under random and hostile input: system options, spawn arguments,
 * ask options, and messages from another thread into an actor with a schema. Every one is
 * refused with a coded reason (or dead-lettered with its validation error), nothing crashes,
 * the actor goes on answering, and memory stays flat.
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const test = suite<{ system: ActorSystem }>('fuzz');
test.before(async (ctx) => {
  ctx.system = await ActorSystem.start({ askTimeoutMs: 10_000 });
});
test.after(async (ctx) => {
  await ctx.system.stop();
});

test('ActorSystem.start: hostile options start a system or fail with ERR_INVALID_OPTIONS', async () => {
  const systemKeys = fc.constantFrom('name', 'mailboxCapacity', 'askTimeoutMs', 'spawnTimeoutMs', 'shutdownGraceMs', 'stopTimeoutMs', 'maxBatch', 'runBudget', 'drainBudget', '__proto__', 'askTimeoutMS');
  const options = fc.oneof(
    anything,
    evil,
    fc.dictionary(systemKeys, fc.oneof(hostileNumber, anything, fc.string({ maxLength: 200 })), { maxKeys: 4 }),
  );
  let started = 0;
  await fc.assert(
    fc.asyncProperty(options, async (input) => {
      let system: ActorSystem;
      try {
        system = await ActorSystem.start(input as never);
      } catch (error) {
        assertCoded(error, ['ERR_INVALID_OPTIONS'], input);
        return;
      }
      started++;
      await system.stop();
    }),
    { ...run, numRuns: 400 },
  );
  assert.ok(started > 0, 'some inputs were valid');
});

test('system.spawn: hostile behaviour refs and options are refused with a code; nothing is left behind', async ({ system }) => {
  const echo = await system.spawn({ module: fixture, export: 'echo' }, { name: 'good' });
  /** Mostly good values, so that some spawns get through and the hostile field is the one that counts. */
  const mostly = <T>(good: fc.Arbitrary<T>, hostile: fc.Arbitrary<unknown>) => fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: hostile });
  const behaviours = fc.oneof(
    { weight: 3, arbitrary: fc.record({
      module: mostly(fc.constant(fixture), fc.oneof(fc.string({ maxLength: 40 }), fc.constant('y'.repeat(100_000)), fc.constantFrom('node:fs', 'file:///nonexistent.js', 'data:text/javascript,', ''))),
      export: mostly(fc.constant('echo'), fc.oneof(fc.constantFrom('nope', '__proto__', 'constructor', 'then', 'default', 'fixture'), fc.string({ maxLength: 20 }))),
    }) },
    { weight: 1, arbitrary: anything },
    { weight: 1, arbitrary: evil },
  );
  const options = fc.oneof(
    { weight: 4, arbitrary: fc.record(
      {
        name: mostly(fc.stringMatching(/^[a-z$][a-z0-9_.:-]{0,10}$/), fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('__proto__', 'constructor', 'good', 'z'.repeat(300)))),
        worker: fc.oneof({ weight: 1, arbitrary: fc.constant('new') }, { weight: 6, arbitrary: fc.constantFrom('current', 'main', 'w999', '', '__proto__') }, { weight: 2, arbitrary: fc.string({ maxLength: 8 }) }),
        mailbox: mostly(fc.record({ capacity: fc.integer({ min: 1, max: 1_000 }) }), fc.oneof(fc.record({ capacity: hostileNumber }), anything)),
        timeoutMs: mostly(fc.integer({ min: 1, max: 10_000 }), hostileNumber),
        args: anything,
        signal: mostly(fc.constant(undefined), fc.constantFrom<unknown>(AbortSignal.abort('gone'), 'a signal', {})),
      },
      { requiredKeys: [] },
    ) },
    { weight: 1, arbitrary: anything },
    { weight: 1, arbitrary: evil },
  );
  const baseline = system.workers();
  let spawned = 0;
  await fc.assert(
    fc.asyncProperty(behaviours, options, async (behaviour, spawnOptions) => {
      let ref: ActorRef;
      try {
        ref = await system.spawn(behaviour as never, spawnOptions as never);
      } catch (error) {
        assertCoded(error, ['ERR_INVALID_OPTIONS', 'ERR_BEHAVIOUR_NOT_FOUND', 'ERR_NAME_TAKEN', 'ERR_SPAWN_TIMEOUT', 'ERR_SPAWN_ABORTED'], [behaviour, spawnOptions]);
        return;
      }
      spawned++;
      if (baseline.includes(ref.node) || ref.node === 'main') await system.stopActor(ref);
      else await system.terminateWorker(ref.node);
    }),
    { ...run, numRuns: 250 },
  );
  console.log(`  ${spawned} of 250 spawns were valid`);
  assert.ok(spawned > 0, 'some spawns were valid');
  assert.equal(system.workers(), baseline, 'no worker left behind');
  assert.is(await echo.ask('still answering'), 'still answering');
});

test('ask: hostile options are refused with ERR_INVALID_OPTIONS, good ones answered', async ({ system }) => {
  const echo = await system.spawn({ module: fixture, export: 'echo' }, { name: 'asked' });
  const options = fc.oneof(anything, evil, fc.record({ timeoutMs: hostileNumber, signal: fc.constantFrom<unknown>(undefined, 'x', {}, new AbortController().signal) }, { requiredKeys: [] }));
  await fc.assert(
    fc.asyncProperty(options, async (input) => {
      try {
        assert.is(await echo.ask('hi', input as never), 'hi');
      } catch (error) {
        assertCoded(error, ['ERR_INVALID_OPTIONS', 'ERR_ASK_TIMEOUT'], input);
      }
    }),
    { ...run, numRuns: 500 },
  );
});

test('hostile messages from another thread are dead-lettered with their validation error; memory stays flat', async ({ system }) => {
  const audited = await system.spawn({ module: fixture, export: 'audited' }, { worker: 'new', mailbox: { capacity: 100_000 } });
  type Report = { accepted: number; heapUsed: number };
  const deadLetters = () => (system.deadLetters.byReason['invalid-message'] ?? 0) + (system.deadLetters.byReason.malformed ?? 0);
  const reasons = new Set<string>();
  system.deadLetters.on('dead-letter', (letter) => reasons.add(letter.reason));

  /** Sends every value, a tenth of them as asks; resolves once each is accepted or dead-lettered. */
  const barrage = async (values: unknown[]): Promise<void> => {
    const before = await audited.ask<Report>({ type: 'report' });
    const lettersBefore = deadLetters();
    const asks: Promise<void>[] = [];
    values.forEach((value, i) => {
      if (i % 10 !== 0) {
        audited.tell(value as never);
        return;
      }
      asks.push(audited.ask(value as never).then(
        () => undefined,
        (error) => assertCoded(error, ['ERR_INVALID_MESSAGE'], value),
      ));
    });
    await Promise.all(asks);
    const after = await audited.ask<Report>({ type: 'report' });
    const accepted = after.accepted - before.accepted;
    const deadline = Date.now() + 10_000;
    while (accepted + deadLetters() - lettersBefore < values.length) {
      if (Date.now() > deadline) throw new Error(`${values.length} sent, ${accepted} accepted, ${deadLetters() - lettersBefore} dead-lettered`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.is(accepted + deadLetters() - lettersBefore, values.length, 'each message accepted or dead-lettered once');
  };

  const measure = async () => {
    gc();
    const worker = await audited.ask<Report>({ type: 'report' });
    return { mainHeap: process.memoryUsage().heapUsed, workerHeap: worker.heapUsed, rss: process.memoryUsage().rss };
  };

  await barrage([...specials(), ...fc.sample(anything, { seed: SEED, numRuns: 2_000 })]);
  const before = await measure();
  const started = Date.now();
  const rounds = 5;
  const perRound = 4_000;
  for (let round = 0; round < rounds; round++) {
    await barrage([...specials(), ...fc.sample(anything, { seed: SEED + round + 1, numRuns: perRound })]);
  }
  const after = await measure();
  const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  console.log(
    `  ${rounds * (perRound + specials().length)} hostile messages in ${Date.now() - started} ms; ` +
      `worker heap ${mb(before.workerHeap)} → ${mb(after.workerHeap)} MB, main heap ${mb(before.mainHeap)} → ${mb(after.mainHeap)} MB, ` +
      `rss ${mb(before.rss)} → ${mb(after.rss)} MB; dead-letter reasons: ${[...reasons].join(', ')}`,
  );
  assert.ok(after.workerHeap - before.workerHeap < 16 * 2 ** 20, 'the worker heap stays flat');
  assert.ok(after.mainHeap - before.mainHeap < 32 * 2 ** 20, 'the main heap stays flat');
  assert.ok(after.rss - before.rss < 200 * 2 ** 20, 'rss stays within a generous bound');
  assert.ok(reasons.has('invalid-message'));
  assert.is(await audited.ask({ type: 'order', qty: 2 }), undefined, 'a good ask is still answered');
  assert.ok((await audited.ask<Report>({ type: 'report' })).accepted > 0);
});

test.run();
