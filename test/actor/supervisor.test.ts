import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type ActorRef,
  ActorSystem,
  type ChildInfo,
  type ChildSpec,
  type Down,
  SUPERVISOR,
  type SupervisorArgs,
  type SupervisorMsg,
  isDown,
  validateSupervisorArgs,
} from '../../src/index.js';
import { type MemberMsg, fixture } from '../fixtures/behaviours.js';
import { TestProbe, nextSystemEvent } from '../probe.js';

const test = suite<{ system: ActorSystem; log: TestProbe }>('supervisor');
test.before.each(async (ctx) => {
  ctx.system = await ActorSystem.start();
  ctx.log = await TestProbe.create(ctx.system, 'log');
});
test.after.each(async (ctx) => {
  await ctx.system.stop();
});

const NO_BACKOFF = { initialMs: 0, maxMs: 0, jitter: 0 };

function member(log: TestProbe, id: string, extra: Partial<ChildSpec> = {}, worker: ChildSpec['start']['worker'] = 'new'): ChildSpec {
  return {
    id,
    start: { behaviour: { module: fixture, export: 'member' }, args: { log: log.ref, name: id }, worker },
    ...extra,
  };
}

async function start(system: ActorSystem, args: SupervisorArgs): Promise<ActorRef<SupervisorMsg>> {
  return system.spawn<SupervisorMsg, SupervisorArgs>(SUPERVISOR, { args, worker: 'new' });
}

async function children(sup: ActorRef<SupervisorMsg>): Promise<Record<string, string | null>> {
  const list = await sup.ask<ChildInfo[]>({ type: 'supervisor.which_children' });
  return Object.fromEntries(list.map((c) => [c.id, c.ref]));
}

function crash(system: ActorSystem, address: string | null): void {
  system.ref<MemberMsg>(address!).tell({ type: 'throw' });
}

const stopOf = (name: string) => (m: unknown) => (m as { stopped?: string }).stopped === name;

test('one_for_one restarts only the crashed child', async ({ system, log }) => {
  const sup = await start(system, { strategy: 'one_for_one', backoff: NO_BACKOFF, children: ['a', 'b', 'c'].map((id) => member(log, id)) });
  const before = await children(sup);
  const restarted = nextSystemEvent(system, 'supervisor.restarted', (e) => e.child === 'b');
  const crashed = nextSystemEvent(system, 'supervisor.crashed', (e) => e.child === 'b');
  crash(system, before.b!);
  assert.is((await crashed).reason, 'crashed');
  assert.is((await crashed).error, 'b failed');
  await restarted;
  const after = await children(sup);
  assert.is(after.a, before.a);
  assert.is(after.c, before.c);
  assert.is.not(after.b, before.b);
  assert.is(await system.ref(after.b!).ask({ type: 'whoami' }), after.b, 'the new child answers');
});

test('one_for_all stops the others newest first, then restarts all in order', async ({ system, log }) => {
  const sup = await start(system, { strategy: 'one_for_all', backoff: NO_BACKOFF, children: ['a', 'b', 'c'].map((id) => member(log, id)) });
  const before = await children(sup);
  const restartedC = nextSystemEvent(system, 'supervisor.restarted', (e) => e.child === 'c');
  crash(system, before.b!);
  await restartedC;
  const after = await children(sup);
  for (const id of ['a', 'b', 'c']) assert.is.not(after[id], before[id], id);
  // Each child reports from its own worker, over its own link: order the reports by when each
  // child stopped (a clock comparable across threads), not by arrival.
  const stops: { stopped: string; reason: string; at: number }[] = [];
  for (const name of ['a', 'b', 'c']) stops.push(await log.expect(stopOf(name)));
  stops.sort((x, y) => x.at - y.at);
  assert.equal(stops.map((s) => `${s.stopped}:${s.reason}`), ['b:crashed', 'c:shutdown', 'a:shutdown']);
});

test('rest_for_one restarts the crashed child and those started after it', async ({ system, log }) => {
  const sup = await start(system, { strategy: 'rest_for_one', backoff: NO_BACKOFF, children: ['a', 'b', 'c'].map((id) => member(log, id)) });
  const before = await children(sup);
  const restartedC = nextSystemEvent(system, 'supervisor.restarted', (e) => e.child === 'c');
  crash(system, before.b!);
  await restartedC;
  const after = await children(sup);
  assert.is(after.a, before.a);
  assert.is.not(after.b, before.b);
  assert.is.not(after.c, before.c);
  await log.expect(stopOf('c'));
});

test('transient is restarted only after an abnormal exit; temporary never', async ({ system, log }) => {
  const sup = await start(system, {
    backoff: NO_BACKOFF,
    children: [member(log, 't', { restart: 'transient' }), member(log, 'tmp', { restart: 'temporary' })],
  });
  const before = await children(sup);
  const quitting = nextSystemEvent(system, 'supervisor.crashed', (e) => e.child === 't');
  await system.ref<MemberMsg>(before.t!).ask({ type: 'quit' });
  assert.is((await quitting).reason, 'normal');
  const crashedTmp = nextSystemEvent(system, 'supervisor.crashed', (e) => e.child === 'tmp');
  crash(system, before.tmp!);
  await crashedTmp;
  assert.equal(await children(sup), { t: null }, 'transient kept but not restarted, temporary removed');
});

test('more restarts than the intensity allows: children stopped, supervisor crashes (escalation)', async ({ system, log }) => {
  const sup = await start(system, {
    intensity: { maxRestarts: 2, withinMs: 60_000 },
    backoff: NO_BACKOFF,
    children: [member(log, 'x'), member(log, 'y')],
  });
  log.watch(sup);
  const escalated = nextSystemEvent(system, 'supervisor.escalated', (e) => e.supervisor === sup.address);
  for (let round = 0; round < 3; round++) {
    const current = await children(sup);
    const next = round < 2 ? nextSystemEvent(system, 'supervisor.restarted', (e) => e.child === 'x') : null;
    crash(system, current.x!);
    await next;
  }
  assert.is((await escalated).restarts, 3);
  const down = await log.expect<Down>((m) => isDown(m) && m.ref.equals(sup));
  assert.is(down.reason, 'crashed');
  assert.match(down.error?.message ?? '', /restart intensity/);
  await log.expect(stopOf('y'));
});

test('a parent supervisor restarts a child supervisor that escalated', async ({ system, log }) => {
  const inner: SupervisorArgs = { intensity: { maxRestarts: 0, withinMs: 60_000 }, backoff: NO_BACKOFF, children: [member(log, 'leaf')] };
  const root = await start(system, {
    backoff: NO_BACKOFF,
    children: [{ id: 'inner', start: { behaviour: SUPERVISOR, args: inner, worker: 'new' } }],
  });
  const innerRef = (await children(root)).inner!;
  const leaf = (await children(system.ref(innerRef))).leaf!;
  const restarted = nextSystemEvent(system, 'supervisor.restarted', (e) => e.child === 'inner');
  crash(system, leaf);
  await restarted;
  const newInner = (await children(root)).inner!;
  assert.is.not(newInner, innerRef);
  const newLeaf = (await children(system.ref(newInner))).leaf!;
  assert.is(await system.ref(newLeaf).ask({ type: 'whoami' }), newLeaf);
});

test('a worker death counts as a crash of every child in it', async ({ system, log }) => {
  const sup = await start(system, {
    backoff: NO_BACKOFF,
    children: [member(log, 'p', {}, { shared: 'pool' }), member(log, 'q', {}, { shared: 'pool' }), member(log, 'r')],
  });
  const before = await children(sup);
  const pool = system.ref(before.p!).node;
  assert.is(system.ref(before.q!).node, pool, 'p and q share a worker');
  const crashes = [
    nextSystemEvent(system, 'supervisor.crashed', (e) => e.child === 'p'),
    nextSystemEvent(system, 'supervisor.crashed', (e) => e.child === 'q'),
  ];
  const restarts = [
    nextSystemEvent(system, 'supervisor.restarted', (e) => e.child === 'p'),
    nextSystemEvent(system, 'supervisor.restarted', (e) => e.child === 'q'),
  ];
  await system.terminateWorker(pool);
  for (const crashed of await Promise.all(crashes)) assert.is(crashed.reason, 'worker-exit');
  await Promise.all(restarts);
  const after = await children(sup);
  assert.is(after.r, before.r);
  assert.is.not(system.ref(after.p!).node, pool);
  assert.is(system.ref(after.p!).node, system.ref(after.q!).node, 'restarted together in a new shared worker');
});

test('restart backoff grows exponentially within the window', async ({ system, log }) => {
  const sup = await start(system, {
    intensity: { maxRestarts: 5, withinMs: 60_000 },
    backoff: { initialMs: 20, maxMs: 1_000, jitter: 0 },
    children: [member(log, 'z')],
  });
  const delays: number[] = [];
  for (let round = 0; round < 3; round++) {
    const restarted = nextSystemEvent(system, 'supervisor.restarted', (e) => e.child === 'z');
    crash(system, (await children(sup)).z!);
    delays.push((await restarted).backoffMs);
  }
  assert.equal(delays, [20, 40, 80]);
});

test('child specs are checked without starting anything', () => {
  const spec = { id: 'a', start: { behaviour: { module: fixture, export: 'member' } } };
  assert.throws(() => validateSupervisorArgs({ children: [spec, spec] }), /two children have the id "a"/);
  assert.throws(() => validateSupervisorArgs({ children: [{ ...spec, restart: 'sometimes' as never }] }), /children\.0\.restart/);
  assert.throws(() => validateSupervisorArgs({ strategy: 'all_for_none' as never, children: [] }), /strategy/);
  assert.not.throws(() => validateSupervisorArgs({ children: [spec] }));
});

test.run();
