/**
 * A framework's life at the master: its scheduler going away and coming back within
 * `failoverTimeoutMs`, or not, and what its tasks do meanwhile.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalCluster } from '../../src/index.js';
import { sleep } from '../helpers.js';

const test = suite<{ cluster: LocalCluster }>('frameworks');
test.before.each(async (ctx) => {
  ctx.cluster = await LocalCluster.start({ agents: 1, agent: { statusUpdateRetry: { initialMs: 200, maxMs: 1_000 } } });
});
test.after.each(async (ctx) => {
  await ctx.cluster.stop();
});


test('a scheduler that goes away and is replaced within failoverTimeoutMs keeps its framework and its running task', async ({ cluster }) => {
  const info = { name: 'long-lived', failoverTimeoutMs: 60_000 };
  const first = await cluster.registerFramework(info);
  const { taskId } = await first.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) });
  await first.waitFor(taskId, 'TASK_RUNNING');
  const disconnected = cluster.events.next('master.framework_disconnected');
  await first.disconnect();
  assert.equal(await disconnected, { type: 'master.framework_disconnected', frameworkId: first.frameworkId, failoverTimeoutMs: 60_000 });
  let state = await cluster.state();
  assert.is(state.frameworks.find((f) => f.frameworkId === first.frameworkId)?.connected, false);
  assert.is(state.tasks.find((t) => t.taskId === taskId)?.state, 'TASK_RUNNING', 'the task keeps running without a scheduler');
  const second = await cluster.registerFramework(info, { failoverFrom: first.frameworkId });
  state = await cluster.state();
  assert.is(state.frameworks.find((f) => f.frameworkId === first.frameworkId)?.connected, true);
  second.reconcile([taskId]);
  assert.is((await second.waitFor(taskId, 'TASK_RUNNING')).reason, 'REASON_RECONCILIATION');
  second.kill(taskId);
  await second.waitFor(taskId, 'TASK_KILLED');
});

test('a scheduler not replaced within failoverTimeoutMs: the framework is torn down and its tasks killed', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'short-lived', failoverTimeoutMs: 200 });
  const workersBefore = cluster.system.workers().length;
  const { taskId } = await fw.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) });
  await fw.waitFor(taskId, 'TASK_RUNNING');
  const removed = cluster.events.next('master.framework_removed');
  const started = Date.now();
  await fw.disconnect();
  assert.equal(await removed, { type: 'master.framework_removed', frameworkId: fw.frameworkId, reason: 'its scheduler did not fail over within failoverTimeoutMs' });
  assert.ok(Date.now() - started >= 200, 'not before the failover timeout');
  while (cluster.system.workers().length > workersBefore) await new Promise((resolve) => cluster.system.events.once('worker.exit', resolve));
  const state = await cluster.state();
  assert.not.ok(state.frameworks.some((f) => f.frameworkId === fw.frameworkId));
  assert.is(state.tasks.find((t) => t.taskId === taskId)?.state, 'TASK_KILLED');
  assert.equal(state.agents[0]!.free, state.agents[0]!.total, 'its resources are free again');
  const late = await cluster.registerFramework({ name: 'short-lived' }, { failoverFrom: fw.frameworkId }).catch((e: Error) => e);
  assert.match((late as Error).message, /not registered/);
});

test('the default failoverTimeoutMs is 0, as in Mesos: a scheduler that goes away takes its framework with it', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'default' });
  const removed = cluster.events.next('master.framework_removed');
  await fw.disconnect();
  assert.is((await removed).frameworkId, fw.frameworkId);
});

test('offerTimeoutMs: an offer left unanswered is rescinded and offered to another framework', async () => {
  const cluster = await LocalCluster.start({ agents: 1, master: { offerTimeoutMs: 200 } });
  try {
    const hoarder = await cluster.registerFramework({ name: 'hoarder' }, { offers: 'manual' });
    const held = await hoarder.nextOffer();
    const rescinded = new Promise<string>((resolve) => hoarder.once('rescinded', resolve));
    const other = await cluster.registerFramework({ name: 'other' }, { offers: 'manual' });
    const offered = other.nextOffer();
    assert.is(await rescinded, held.offerId);
    const second = await offered;
    assert.is(second.agentId, held.agentId, 'the same agent\'s resources, to the framework that was starved');
    assert.equal(hoarder.outstandingOffers().filter((o) => o.offerId === held.offerId), []);
  } finally {
    await cluster.stop();
  }
});

test('invalid framework info is refused naming the key', async ({ cluster }) => {
  const error = await cluster.registerFramework({ name: 'bad', failoverTimeoutMs: -5 }).catch((e: Error) => e);
  assert.match((error as Error).message, /framework info\.failoverTimeoutMs/);
});

test.run();
