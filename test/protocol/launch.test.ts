import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalCluster, type Offer, ProtocolError } from '../../src/index.js';
import type { Framework, LaunchRequest } from '../../src/scheduler/framework.js';
import { doubleTask, runToFinish } from '../fixtures/cluster-roles.js';
import { cyclic } from '../fixtures/hostile.js';
import { tasksModule } from '../fixtures/tasks.js';
import { testHost } from '../helpers.js';

/**
 * The launches a user gets wrong (issue 11): each is refused at once with ERR_INVALID_TASK
 * naming the field, nothing reaches the master, and the framework and the cluster carry on.
 */
const test = suite<{ cluster: LocalCluster; fw: Framework }>('launch validation');

test.before(async (ctx) => {
  ctx.cluster = await LocalCluster.start({ agents: [testHost, testHost], autoRestartAgents: false });
  ctx.fw = await ctx.cluster.registerFramework({ name: 'launcher-of-bad-tasks' });
  // The agents' totals reach the framework with its first offers: launches above them are refused from then on.
  await ctx.fw.nextOffer();
});
test.after(async (ctx) => {
  await ctx.cluster.stop();
});

const run = { kind: 'js', module: tasksModule, export: 'double', args: { n: 1 } };
const good = { cpus: 0.1, mem: 16, run };

/** `launchOnly`: checked against the agents' totals, which only `launch` knows. */
const BAD: readonly { what: string; request: unknown; field: string; launchOnly?: true }[] = [
  { what: 'run without kind', request: { cpus: 0.1, mem: 16, run: { module: tasksModule, export: 'double' } }, field: 'run.kind' },
  { what: "kind: 'python'", request: { ...good, run: { ...run, kind: 'python' } }, field: 'run.kind' },
  { what: 'no run', request: { cpus: 0.1, mem: 16 }, field: 'run' },
  { what: 'run: null', request: { ...good, run: null }, field: 'run' },
  { what: 'a command that is not a string', request: { ...good, run: { kind: 'command', command: ['ls'] } }, field: 'run.command' },
  { what: 'a command with a NUL byte', request: { ...good, run: { kind: 'command', command: 'echo a\0b' } }, field: 'run.command' },
  { what: 'an export that is not a name', request: { ...good, run: { ...run, export: 'a-b' } }, field: 'run.export' },
  { what: 'cpus: NaN', request: { ...good, cpus: NaN }, field: 'cpus' },
  { what: "mem: 'abc'", request: { ...good, mem: 'abc' }, field: 'mem' },
  { what: 'cpus: 1e9, more than any agent', request: { ...good, cpus: 1e9 }, field: 'cpus', launchOnly: true },
  { what: 'mem: 1e300, more than any agent', request: { ...good, mem: 1e300 }, field: 'mem', launchOnly: true },
  { what: 'cpus: Infinity', request: { ...good, cpus: Infinity }, field: 'cpus' },
  { what: 'cpus: -1', request: { ...good, cpus: -1 }, field: 'cpus' },
  { what: 'mem: -1e6', request: { ...good, mem: -1e6 }, field: 'mem' },
  { what: 'cpus: 0', request: { ...good, cpus: 0 }, field: 'cpus' },
  { what: 'cpus: 1e-300, less than the resolution of the accounts', request: { ...good, cpus: 1e-300 }, field: 'cpus' },
  { what: 'mem: 1e-9', request: { ...good, mem: 1e-9 }, field: 'mem' },
  { what: "executor: { isolation: 'bogus' }", request: { ...good, executor: { isolation: 'bogus' } }, field: 'executor.isolation' },
  { what: "executor id 'a/b'", request: { ...good, executor: { executorId: 'a/b' } }, field: 'executor.executorId' },
  { what: 'an unknown executor key', request: { ...good, executor: { executorID: 'x' } }, field: 'executor.executorID' },
  { what: "task id 'a/b'", request: { ...good, taskId: 'a/b' }, field: 'taskId' },
  { what: "task id '../x'", request: { ...good, taskId: '../x' }, field: 'taskId' },
  { what: "task id ''", request: { ...good, taskId: '' }, field: 'taskId' },
  { what: "task id '..'", request: { ...good, taskId: '..' }, field: 'taskId' },
  { what: 'a 200-character task id', request: { ...good, taskId: 't'.repeat(200) }, field: 'taskId' },
  { what: 'a number for a task id', request: { ...good, taskId: 7 }, field: 'taskId' },
  { what: 'a 1 MiB name', request: { ...good, name: 'n'.repeat(1 << 20) }, field: 'name' },
  { what: 'args with a function', request: { ...good, run: { ...run, args: { f: () => 1 } } }, field: 'run.args' },
  { what: 'args with a symbol', request: { ...good, run: { ...run, args: { s: Symbol('s') } } }, field: 'run.args' },
  { what: 'args with a cycle', request: { ...good, run: { ...run, args: cyclic() } }, field: 'run.args' },
  { what: 'an unknown key', request: { ...good, cpu: 1 }, field: 'cpu' },
  { what: 'a __proto__ key', request: { ...good, ...JSON.parse('{"__proto__": {"cpus": 1}}') }, field: '__proto__' },
  { what: 'a constructor key', request: { ...good, constructor: 1 }, field: 'constructor' },
];

/** Settles a promise if it settles before the event loop turns; `pending` otherwise. */
function settledAtOnce<T>(promise: Promise<T>): Promise<{ error?: unknown; pending?: true }> {
  return Promise.race([promise.then(() => ({}), (error: unknown) => ({ error })), new Promise<{ pending: true }>((resolve) => setImmediate(() => resolve({ pending: true })))]);
}

test('every bad launch is refused at once with ERR_INVALID_TASK naming the field; nothing reaches the master', async ({ cluster, fw }) => {
  const accepts: unknown[] = [];
  cluster.system.events.on('message.dropped', (event) => accepts.push(event));
  const drop = await cluster.system.dropMessages({ type: 'master.accept', count: 1_000_000 });
  try {
    for (const { what, request, field } of BAD) {
      const outcome = await settledAtOnce(fw.launch(request as LaunchRequest));
      assert.not.ok(outcome.pending, `${what}: refused at once`);
      const error = outcome.error as ProtocolError;
      assert.instance(error, ProtocolError, `${what}: ${String(error)}`);
      assert.is(error.code, 'ERR_INVALID_TASK', what);
      assert.is(error.field, field, `${what}: ${error.message}`);
      assert.ok(error.message.length < 2_000, `${what}: a ${error.message.length}-character message`);
    }
    // `accept` checks the same (not the agents' totals: the offer it names says what fits).
    const manual = await cluster.registerFramework({ name: 'accepter-of-bad-tasks' }, { offers: 'manual' });
    const offer = await manual.nextOffer();
    for (const { what, request, field } of BAD.filter((b) => b.launchOnly === undefined)) {
      const { cpus, mem, taskId, ...rest } = request as LaunchRequest & { taskId?: string };
      const task = { taskId: taskId ?? 'accepted-bad', resources: { cpus, mem }, ...rest };
      assert.throws(() => manual.accept(offer.offerId, [task as never]), (error: ProtocolError) => error.code === 'ERR_INVALID_TASK' && error.field === field, `accept, ${what}`);
    }
    assert.ok(manual.outstandingOffers().some((o) => o.offerId === offer.offerId), 'a refused accept keeps its offer');
    manual.teardown();
    // Whatever was sent is in the master's mailbox before the answer to this.
    await cluster.master.ask({ type: 'master.state' });
  } finally {
    drop.remove();
  }
  assert.equal(accepts, [], 'no accept was sent');
  const state = await cluster.state();
  assert.equal(state.tasks.filter((t) => t.frameworkId === fw.frameworkId), [], 'the master knows no task of the framework');
});

test('afterwards a good launch runs to TASK_FINISHED; no offer is held and every agent has its resources back', async ({ cluster, fw }) => {
  assert.is(await runToFinish(fw, doubleTask(21, {})), 42);
  assert.is(await runToFinish(fw, { cpus: 0.1, mem: 16, run: { kind: 'command', command: 'true' } }), undefined);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(fw.outstandingOffers(), [], 'offers the framework cannot use are declined');
  const state = await cluster.state();
  assert.is(state.agents.length, 2);
  for (const agent of state.agents) assert.equal(agent.free, agent.total, `agent ${agent.agentId}`);
});

test('a second framework still gets offers from every agent', async ({ cluster }) => {
  const second = await cluster.registerFramework({ name: 'second' }, { offers: 'manual' });
  const seen = new Set<string>();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`offers from ${[...seen].join(', ') || 'no agent'} only`)), 20_000);
    const onOffers = (offers: readonly Offer[]) => {
      for (const offer of offers) seen.add(offer.agentId);
      if (seen.size < 2) return;
      clearTimeout(timer);
      second.off('offers', onOffers);
      resolve();
    };
    second.on('offers', onOffers);
    onOffers(second.outstandingOffers());
  });
  assert.equal([...seen].sort(), [...cluster.agentIds()].sort());
});

test.run();
