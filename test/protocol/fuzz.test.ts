import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as v from 'valibot';
import { type ActorRef, LocalCluster, type MasterState, ProtocolError, canEncode } from '../../src/index.js';
import { decodeValue, encodeValue } from '../../src/actor/transport/codec.js';
import type { Framework, LaunchRequest } from '../../src/scheduler/framework.js';
import { ON_MAIN, type Roles, assertNoCrash, doubleTask, findRoles, runToFinish } from '../fixtures/cluster-roles.js';
import { SEED, anything, assertCoded, cyclic, evil, fuzzRun, hostileNumber, keys, readableEvil, specials } from '../fixtures/hostile.js';
import { BAD_AMOUNTS, BAD_IDS, HUGE, INBOXES, type Inbox, REMOVE, isPlain, leaves, setAt, templates, withKey } from '../fixtures/inbox-messages.js';
import type { AskOutcome } from '../fixtures/relay.js';
import { tasksModule } from '../fixtures/tasks.js';
import { testHost } from '../helpers.js';

/**
 * Random and hostile values at each boundary of the cluster: into every role's inbox from
 * another thread (messages made from the inboxes' own shapes, then broken), and into the
 * public calls `launch`, `accept` and `registerFramework`. Properties: every refusal is coded
 * and names what it refuses, nothing crashes, every promise settles, memory stays flat, and the
 * cluster still runs tasks afterwards. (Spawn options are fuzzed in test/actor/fuzz.test.ts.)
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const test = suite<{ cluster: LocalCluster; fw: Framework; roles: Roles }>('protocol fuzz');
test.before(async (ctx) => {
  ctx.cluster = await LocalCluster.start({ agents: [testHost], autoRestartAgents: false, system: { mailboxCapacity: 100_000 } });
  ctx.fw = await ctx.cluster.registerFramework({ name: 'fuzzed' });
  ctx.roles = await findRoles(ctx.cluster, ctx.fw);
});
test.after(async (ctx) => {
  await ctx.cluster.stop();
});

/** Good values, `odds` times as often as hostile ones: so that a hostile field is often the only one, and valid values occur too. */
const mostly = <T>(good: fc.Arbitrary<T>, hostile: fc.Arbitrary<unknown>, odds = 4) => fc.oneof({ weight: odds, arbitrary: good }, { weight: 1, arbitrary: hostile });

/** A value to put into a field: anything, and the values each kind of field must refuse. */
function fieldValue(ghost: ActorRef): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 30, arbitrary: anything },
    { weight: 15, arbitrary: hostileNumber },
    { weight: 15, arbitrary: fc.constantFrom<unknown>(...BAD_IDS, ...BAD_AMOUNTS) },
    { weight: 15, arbitrary: fc.string({ maxLength: 300 }) },
    { weight: 5, arbitrary: fc.constantFrom<unknown>(ghost, ghost.address, { address: ghost.address }) },
    { weight: 5, arbitrary: fc.constantFrom<unknown>(...specials().filter((s) => canEncode(s) === null)) },
    { weight: 1, arbitrary: fc.constant(HUGE) },
  );
}

/** Messages of an inbox, most made from its valid ones with one to three fields replaced, removed or added. */
function hostileMessages(inbox: Inbox, ghost: ActorRef): fc.Arbitrary<unknown> {
  const value = fieldValue(ghost);
  const mutation = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('add' as const), at: fc.nat(), key: keys, value }) },
  );
  const mutated = fc.tuple(fc.constantFrom(...templates(ghost)[inbox].map((t) => t.message)), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([message, mutations]) => {
    let broken: unknown = message;
    for (const m of mutations) {
      const fields = leaves(broken);
      if (m.kind === 'add') {
        const objects = [{ path: [] as string[], value: broken }, ...fields].filter((f) => isPlain(f.value));
        const target = objects[m.at % objects.length]!;
        broken = setAt(broken, target.path, withKey(target.value as Record<string, unknown>, m.key, m.value));
      } else if (fields.length > 0) {
        broken = setAt(broken, fields[m.at % fields.length]!.path, m.kind === 'remove' ? REMOVE : m.value);
      }
    }
    return broken;
  });
  const types = Object.values(templates(ghost)).flatMap((list) => list.map((t) => t.message.type as string));
  const retyped = fc.tuple(fc.constantFrom(...templates(ghost)[inbox].map((t) => t.message)), fc.oneof(fc.constantFrom<unknown>(...types), fc.string(), anything)).map(([message, type]) => ({ ...message, type }));
  return fc.oneof({ weight: 8, arbitrary: mutated }, { weight: 1, arbitrary: retyped }, { weight: 1, arbitrary: anything }, { weight: 1, arbitrary: evil });
}

interface Barrage {
  readonly sent: number;
  readonly refused: number;
  readonly unencodable: number;
  /** Valid messages that could do harm (a shutdown, a new master), not sent. */
  readonly withheld: number;
}

async function deadLetteredBy(roles: Roles, cluster: LocalCluster, inbox: Inbox): Promise<number> {
  const address = roles.refs[inbox].address;
  const stats = await cluster.system.stats();
  return stats.nodes.flatMap((n) => n.actors).find((a) => a.address === address)?.deadLettered ?? NaN;
}

/**
 * Sends the messages to a role from another thread, a tenth as asks. The role must refuse
 * exactly those whose decoded copy fails its schema, answer every ask (a refused one with
 * ERR_INVALID_MESSAGE), and stay up.
 */
async function barrage(cluster: LocalCluster, roles: Roles, inbox: Inbox, messages: readonly unknown[]): Promise<Barrage> {
  const schema = INBOXES[inbox];
  const unsafeTypes = new Set(templates(roles.ghost)[inbox].filter((t) => !t.safe).map((t) => t.message.type));
  const before = await deadLetteredBy(roles, cluster, inbox);
  const toTell: unknown[] = [];
  const asks: Promise<void>[] = [];
  let refused = 0;
  let unencodable = 0;
  let withheld = 0;
  messages.forEach((message, i) => {
    if (canEncode(message) !== null) {
      unencodable++;
      // From the main thread it is refused before it leaves; a main-thread role never sees it.
      if (!ON_MAIN.has(inbox)) roles.refs[inbox].tell(message as never);
      return;
    }
    const received = decodeValue(encodeValue(message), (address) => cluster.system.ref(address));
    const valid = v.safeParse(schema, received).success;
    if (valid && unsafeTypes.has((received as { type: string }).type)) {
      withheld++;
      return;
    }
    if (!valid) refused++;
    if (i % 10 !== 0) {
      toTell.push(message);
      return;
    }
    asks.push(
      askOnce(roles, inbox, message).then((outcome) => {
        if (outcome.ok) {
          if (!valid) throw new Error(`an invalid ask was answered: ${fc.stringify(message).slice(0, 300)}`);
          return;
        }
        // Not yet bounded: the runtime quotes the value an issue is about, whole (known gap, see the report).
        if (!valid) assertCoded(outcome, ['ERR_INVALID_MESSAGE'], message, Infinity);
        else if (outcome.code === 'ERR_ASK_TIMEOUT') throw new Error(`the ${inbox} did not answer ${fc.stringify(message).slice(0, 300)}`);
      }),
    );
  });
  if (ON_MAIN.has(inbox)) {
    for (let i = 0; i < toTell.length; i += 200) await roles.relay.ask({ type: 'relay.tell', to: roles.refs[inbox], messages: toTell.slice(i, i + 200) }, { timeoutMs: 60_000 });
  } else {
    for (const message of toTell) roles.refs[inbox].tell(message as never);
  }
  await Promise.all(asks);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const refusedNow = (await deadLetteredBy(roles, cluster, inbox)) - before;
    if (refusedNow === refused) break;
    if (refusedNow > refused || Date.now() > deadline) throw new Error(`${inbox}: ${refused} messages invalid, ${refusedNow} refused`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { sent: messages.length - withheld - (ON_MAIN.has(inbox) ? unencodable : 0), refused, unencodable, withheld };
}

function askOnce(roles: Roles, inbox: Inbox, message: unknown): Promise<AskOutcome & { code?: string }> {
  const to = roles.refs[inbox];
  if (ON_MAIN.has(inbox)) return roles.relay.ask<AskOutcome>({ type: 'relay.ask', to, message, timeoutMs: 10_000 }, { timeoutMs: 15_000 });
  return to.ask(message as never, { timeoutMs: 10_000 }).then(
    (value) => ({ ok: true as const, value }),
    (error: Error & { code?: string }) => ({ ok: false as const, message: error.message, ...(error.code === undefined ? {} : { code: error.code }) }),
  );
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

test('every inbox: hostile messages from another thread are refused exactly when invalid; nothing crashes; memory stays flat', async ({ cluster, roles }) => {
  const started = Date.now();
  const inboxes = Object.keys(INBOXES) as Inbox[];
  const perInbox = Number(process.env.MESOLITH_FUZZ_MESSAGES ?? 400);
  const measure = async () => {
    gc();
    return { main: process.memoryUsage().heapUsed, master: await roles.relay.ask<number>({ type: 'relay.heap' }) };
  };
  const round = async (seed: number) => {
    const totals = { sent: 0, refused: 0, unencodable: 0, withheld: 0 };
    for (const inbox of inboxes) {
      const messages = fc.sample(hostileMessages(inbox, roles.ghost), { seed: seed + inboxes.indexOf(inbox), numRuns: perInbox });
      const result = await barrage(cluster, roles, inbox, ON_MAIN.has(inbox) ? messages : [...specials(), ...messages]);
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += result[key];
    }
    assertNoCrash(roles);
    return totals;
  };
  await round(SEED);
  const before = await measure();
  const rounds = [await round(SEED + 100), await round(SEED + 200)];
  const after = await measure();
  const sent = rounds.reduce((n, r) => n + r.sent, 0);
  const refused = rounds.reduce((n, r) => n + r.refused, 0);
  console.log(
    `  ${sent} messages sent to ${inboxes.length} inboxes after a warm-up round (${refused} refused as invalid, ` +
      `${rounds.reduce((n, r) => n + r.unencodable, 0)} unencodable, ${rounds.reduce((n, r) => n + r.withheld, 0)} valid but harmful, withheld) in ${Date.now() - started} ms; ` +
      `main heap ${mb(before.main)} → ${mb(after.main)} MB, master's worker heap ${mb(before.master)} → ${mb(after.master)} MB`,
  );
  assert.ok(refused > sent / 2, 'most messages were invalid');
  // Both heaps swing between rounds with what the last round left in transit (1 MiB strings
  // among it), with no trend: over six rounds in a row (17k messages) the main heap measured 46
  // to 159 MB, the master's worker 9.3 or ~42 MB (+0.4 MB a round). So the bounds are generous:
  // over the ~4,700 messages measured they catch a leak of ~28 KB (main) or ~14 KB (master) a message.
  assert.ok(after.main - before.main < 128 * 2 ** 20, 'the main heap stays flat');
  assert.ok(after.master - before.master < 64 * 2 ** 20, "the master's worker heap stays flat");
  const state = await cluster.master.ask<MasterState>({ type: 'master.state' });
  assert.ok(state.agents.some((a) => a.status === 'active'), 'the agent is still active');
});

/** The object, or one time in eight the object with one more key (`__proto__`, `constructor`, …, or any). */
function sometimesWithKey(object: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const extra = fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(keys, fc.oneof(anything, hostileNumber)) });
  return extra.map((added) => (added === null ? object : withKey(object, added[0], added[1])));
}

/** Launch requests: mostly good fields, each sometimes hostile; sometimes not a request at all. */
const launchRequests = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        cpus: mostly(fc.double({ min: 0.001, max: 4, noNaN: true }), fc.oneof(hostileNumber, anything), 9),
        mem: mostly(fc.double({ min: 0.001, max: 1_024, noNaN: true }), fc.oneof(hostileNumber, anything), 9),
        run: mostly(
          fc.oneof(
            fc.record({ kind: fc.constant('js'), module: fc.constant(tasksModule), export: fc.constantFrom('double', 'nope', '__proto__'), args: mostly(fc.jsonValue(), fc.oneof(anything, fc.constantFrom({ f: () => 1 }, { s: Symbol('s') }, cyclic()))) }, { requiredKeys: ['kind', 'module', 'export'] }),
            fc.record({ kind: fc.constant('command'), command: mostly(fc.string({ minLength: 1, maxLength: 50 }), fc.constantFrom('echo a\0b', '')) }),
          ),
          fc.oneof(anything, fc.record({ kind: fc.oneof(fc.string(), anything), module: anything, export: anything }, { requiredKeys: [] })),
          9,
        ),
        taskId: mostly(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), fc.oneof(fc.constantFrom<unknown>(...BAD_IDS), anything), 9),
        name: mostly(fc.string({ minLength: 1, maxLength: 200 }), fc.oneof(anything, fc.constant(HUGE)), 9),
        executor: mostly(
          fc.constantFrom({ executorId: 'fuzz-pool' }, { isolation: 'shared' as const }, {}),
          fc.oneof(anything, fc.record({ executorId: fc.oneof(fc.constantFrom<unknown>(...BAD_IDS), anything), isolation: fc.oneof(fc.string(), anything) }, { requiredKeys: [] })),
          9,
        ),
      },
      { requiredKeys: ['cpus', 'mem'] },
    ).chain(sometimesWithKey),
  },
  { weight: 1, arbitrary: anything },
  // Not `throwingProxy`: launch lets its error out uncoded (known gap, see the report).
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, ...readableEvil) },
);

test('fw.launch and fw.accept: hostile tasks are refused at once with ERR_INVALID_TASK naming the field; no bad accept is sent', async ({ cluster, fw }) => {
  const aborted = AbortSignal.abort('checked only');
  const drop = await cluster.system.dropMessages({ type: 'master.accept', count: 1_000_000 });
  const dropped: unknown[] = [];
  cluster.system.events.on('message.dropped', (event) => dropped.push(event));
  let valid = 0;
  let sentAccepts = 0;
  try {
    await fc.assert(
      fc.asyncProperty(launchRequests, async (request) => {
        // An aborted signal: a valid task is checked and then given up (ERR_ABORTED) rather than launched.
        const launched = fw.launch(request as LaunchRequest, { signal: aborted });
        const outcome = await Promise.race([launched.then(() => 'launched', (error: unknown) => error), new Promise((resolve) => setImmediate(() => resolve('pending')))]);
        if (outcome === 'pending' || outcome === 'launched') throw new Error(`launch was ${String(outcome)} for ${fc.stringify(request).slice(0, 300)}`);
        assertCoded(outcome, ['ERR_INVALID_TASK', 'ERR_ABORTED'], request);
        if ((outcome as { code: string }).code === 'ERR_ABORTED') {
          valid++;
          return;
        }
        assert.instance(outcome, ProtocolError);
        const { field, message } = outcome as ProtocolError;
        assert.ok(field === '' || message.includes(field), `the message names ${field}: ${message.slice(0, 200)}`);
        // The same task, as accept takes it, is refused before anything is sent.
        if (!isPlain(request)) return;
        const { cpus, mem, taskId, ...rest } = request;
        const task = { taskId: taskId ?? 'fuzz-accepted', resources: { cpus, mem }, ...rest };
        try {
          fw.accept('fuzz-offer', [task as never]);
          sentAccepts++;
        } catch (error) {
          assertCoded(error, ['ERR_INVALID_TASK'], task);
        }
      }),
      { ...fuzzRun, numRuns: 1_000 },
    );
    // Whatever was sent reached the master before the answer to this; its drop is reported soon after.
    await cluster.master.ask({ type: 'master.state' });
    const deadline = Date.now() + 5_000;
    while (dropped.length < sentAccepts && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    drop.remove();
  }
  console.log(`  1000 launch requests: ${valid} valid, the rest refused; ${sentAccepts} accepts of the refused ones got through accept's own check`);
  assert.ok(valid > 20, 'some requests were valid');
  assert.is(dropped.length, sentAccepts, 'the master saw only the accepts that accept let through');
});

const frameworkInfos = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        // Names over 200 characters, roles outside the role rule and failover timeouts over ten
        // years pass registerFramework's check but not the master's (known gap, see the report).
        name: mostly(fc.stringMatching(/^[a-z][a-z0-9 -]{0,30}$/), fc.oneof(anything.filter((name) => typeof name !== 'string' || name.length <= 200), fc.constant('')), 9),
        checkpoint: mostly(fc.boolean(), anything, 9),
        role: mostly(fc.stringMatching(/^[a-z][a-z0-9_.-]{0,20}$/), fc.oneof(hostileNumber, fc.constant(''), fc.constant(null)), 9),
        partitionAware: mostly(fc.boolean(), anything, 9),
        failoverTimeoutMs: mostly(fc.integer({ min: 0, max: 10_000 }), fc.oneof(fc.constantFrom(-1, NaN, 1.5, -Infinity), fc.string()), 9),
      },
      { requiredKeys: ['name'] },
    ).chain(sometimesWithKey),
  },
  { weight: 1, arbitrary: anything },
  // Not `throwingProxy`: on main since d4545a4 registerFramework spreads the info before checking it, and the proxy's error escapes (known gap, see the report).
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, ...readableEvil) },
);

test('cluster.registerFramework: hostile info registers or fails at once with ERR_INVALID_OPTIONS naming the key', async ({ cluster }) => {
  let registered = 0;
  await fc.assert(
    fc.asyncProperty(frameworkInfos, async (info) => {
      let fw: Framework;
      try {
        fw = await cluster.registerFramework(info as never, { registrationTimeoutMs: 5_000 });
      } catch (error) {
        assertCoded(error, ['ERR_INVALID_OPTIONS'], info);
        return;
      }
      registered++;
      fw.teardown();
    }),
    { ...fuzzRun, numRuns: 200 },
  );
  console.log(`  200 framework infos: ${registered} registered (and torn down), the rest refused`);
  assert.ok(registered > 10, 'some infos were valid');
});

test('afterwards the cluster still runs tasks, every role answers and the agent has its resources back', async ({ cluster, fw, roles }) => {
  assert.is(await runToFinish(fw, doubleTask(21)), 42);
  assert.is(await runToFinish(fw, doubleTask(4, { isolation: 'worker' })), 8);
  const state = await cluster.state();
  const agent = state.agents.find((a) => a.status === 'active')!;
  assert.equal(agent.free, agent.total);
  assertNoCrash(roles);
});

test.run();
