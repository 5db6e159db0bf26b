/**
 * Mesos's src/tests/partition_tests.cpp, ported (unreachable and back): an agent cut off from the master
 * (every ping to it and every reregistration from it lost, as Mesos drops pongs until it
 * "completes the partition"), marked unreachable, and back. Real workers, real LMDB; Mesos's
 * paused clock becomes short timeouts (see `fast`).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sleep, withCluster } from '../helpers.js';
import { brief, fast, nextUpdate, partition, recordUpdates } from './support.js';

const test = suite('PartitionTest');

test('PartitionTest.PartitionedSlave: an agent that misses its pings is marked unreachable; frameworks hear it is lost', () =>
  withCluster(fast, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'partitioned', checkpoint: true });
    const [agentId] = cluster.agentIds();
    const lost = new Promise<string>((resolve) => fw.once('agentLost', resolve));
    const unreachable = cluster.events.next('master.agent_unreachable');
    await partition(cluster, agentId!);
    assert.is(await lost, agentId, 'slaveLost');
    assert.equal(await unreachable, { type: 'master.agent_unreachable', agentId: agentId!, missedPings: 3, cause: 'it missed 3 pings' });
    const state = await cluster.state();
    assert.equal(state.agents, []);
    assert.equal(state.unreachableAgents.map((a) => a.agentId), [agentId]);
  }));

test('PartitionTest.ReregisterPartitionedAgentWithEnrouteTask: a task whose launch was lost is TASK_UNREACHABLE; when the agent is back without it, it is forgotten with no update', () =>
  withCluster(fast, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'enroute', checkpoint: true, partitionAware: true });
    const lostLaunch = await cluster.system.dropMessages({ type: 'agent.run_task' });
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await lostLaunch.dropped;
    const lost = new Promise<string>((resolve) => fw.once('agentLost', resolve));
    const cut = await partition(cluster, agentId);
    const unreachable = await fw.waitFor(taskId, 'TASK_UNREACHABLE');
    assert.is(brief(unreachable), 'TASK_UNREACHABLE:SOURCE_MASTER:REASON_AGENT_REMOVED');
    assert.is(unreachable.agentId, agentId);
    assert.type(unreachable.unreachableTime, 'number');
    assert.is(await lost, agentId);
    let state = await cluster.state();
    assert.equal(state.tasks.map((t) => `${t.taskId}:${t.state}`), [`${taskId}:TASK_UNREACHABLE`]);
    assert.is(state.unreachableAgents.length, 1);
    const after = recordUpdates(fw);
    const back = cluster.events.next('master.agent_reregistered');
    await cut.heal();
    await back;
    await cluster.system.settle();
    assert.equal(after, [], 'no update for the task the agent did not report');
    state = await cluster.state();
    assert.equal(state.tasks, []);
    assert.equal(state.unreachableAgents, []);
  }));

test('PartitionTest.ReregisterSlavePartitionAware: TASK_UNREACHABLE, REASON_AGENT_REMOVED; back, TASK_RUNNING, REASON_AGENT_REREGISTERED', () =>
  withCluster(fast, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'aware', checkpoint: true, partitionAware: true });
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    const cut = await partition(cluster, agentId);
    assert.is(brief(await fw.waitFor(taskId, 'TASK_UNREACHABLE')), 'TASK_UNREACHABLE:SOURCE_MASTER:REASON_AGENT_REMOVED');
    const running = nextUpdate(fw, (s) => s.reason === 'REASON_AGENT_REREGISTERED');
    await cut.heal();
    const back = await running;
    assert.is(brief(back), 'TASK_RUNNING:SOURCE_MASTER:REASON_AGENT_REREGISTERED');
    assert.is(back.agentId, agentId);
    const state = await cluster.state();
    assert.equal(state.tasks.map((t) => t.state), ['TASK_RUNNING']);
    assert.equal(state.unreachableAgents, []);
  }));

test('PartitionTest.ReregisterSlaveNotPartitionAware: TASK_LOST with the unreachable time; back, the task is not killed: TASK_RUNNING, REASON_AGENT_REREGISTERED', () =>
  withCluster(fast, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'legacy', checkpoint: true });
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    const cut = await partition(cluster, agentId);
    const lost = await fw.waitFor(taskId, 'TASK_LOST');
    assert.is(brief(lost), 'TASK_LOST:SOURCE_MASTER:REASON_AGENT_REMOVED');
    const [unreachableAgent] = (await cluster.state()).unreachableAgents;
    assert.is(lost.unreachableTime, unreachableAgent!.unreachableAt);
    assert.is((await cluster.state()).tasks[0]!.state, 'TASK_LOST', 'listed as lost while unreachable');
    const running = nextUpdate(fw, (s) => s.reason === 'REASON_AGENT_REREGISTERED');
    await cut.heal();
    assert.is(brief(await running), 'TASK_RUNNING:SOURCE_MASTER:REASON_AGENT_REREGISTERED');
    assert.equal((await cluster.state()).tasks.map((t) => t.state), ['TASK_RUNNING']);
  }));

test('PartitionTest.PartitionedSlaveReregistrationMasterFailover: marked unreachable, then the master fails over; the new master knows it was unreachable and tells both frameworks TASK_RUNNING when it is back', () =>
  withCluster(fast, async (cluster) => {
    const legacy = await cluster.registerFramework({ name: 'legacy', checkpoint: true });
    const aware = await cluster.registerFramework({ name: 'aware', checkpoint: true, partitionAware: true });
    const one = await legacy.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    const two = await aware.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await legacy.waitFor(one.taskId, 'TASK_RUNNING');
    await aware.waitFor(two.taskId, 'TASK_RUNNING');
    const cut = await partition(cluster, one.agentId);
    const lost = await legacy.waitFor(one.taskId, 'TASK_LOST');
    const unreachable = await aware.waitFor(two.taskId, 'TASK_UNREACHABLE');
    assert.equal([lost.reason, unreachable.reason], ['REASON_AGENT_REMOVED', 'REASON_AGENT_REMOVED']);
    assert.type(unreachable.unreachableTime, 'number');
    await cluster.crashMaster();
    await cluster.restartMaster();
    assert.equal((await cluster.state()).unreachableAgents.map((a) => a.agentId), [one.agentId], 'read from the registry');
    const backLegacy = nextUpdate(legacy, (s) => s.reason === 'REASON_AGENT_REREGISTERED');
    const backAware = nextUpdate(aware, (s) => s.reason === 'REASON_AGENT_REREGISTERED');
    await cut.heal();
    assert.equal([brief(await backLegacy), brief(await backAware)], ['TASK_RUNNING:SOURCE_MASTER:REASON_AGENT_REREGISTERED', 'TASK_RUNNING:SOURCE_MASTER:REASON_AGENT_REREGISTERED']);
    assert.equal((await cluster.state()).tasks.map((t) => t.state), ['TASK_RUNNING', 'TASK_RUNNING']);
  }));

test('PartitionTest.PartitionedSlaveOrphanedTask: the framework of an unreachable agent\'s task is torn down (TASK_KILLED); when the agent is back it is told to shut the framework down', () =>
  withCluster(fast, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'orphan', checkpoint: true, partitionAware: true });
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    const cut = await partition(cluster, agentId);
    await fw.waitFor(taskId, 'TASK_UNREACHABLE');
    const removed = cluster.events.next('master.framework_removed');
    await fw.disconnect();
    await removed;
    let state = await cluster.state();
    assert.equal(state.frameworks, []);
    assert.equal(state.completedFrameworks.map((f) => f.frameworkId), [fw.frameworkId]);
    assert.equal(state.tasks.map((t) => `${t.state}:${t.reason}`), ['TASK_KILLED:REASON_FRAMEWORK_REMOVED']);
    const shutdown = await cluster.system.tapMessages({ type: 'agent.shutdown_framework' });
    await cut.heal();
    const told = await shutdown.next();
    assert.is((told.message as { frameworkId: string }).frameworkId, fw.frameworkId);
    state = await cluster.state();
    assert.equal(state.tasks.map((t) => t.state), ['TASK_KILLED'], 'the task is not readmitted');
  }));

test('PartitionTest.DisconnectedFramework: an agent partitioned while its framework is disconnected; the framework, back, reconciles: TASK_LOST, REASON_RECONCILIATION, with the unreachable time', () =>
  withCluster(fast, async (cluster) => {
    const first = await cluster.registerFramework({ name: 'patient', checkpoint: true, failoverTimeoutMs: 60_000 });
    const { taskId, agentId } = await first.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await first.waitFor(taskId, 'TASK_RUNNING');
    await cluster.crashMaster();
    const reregistered = cluster.events.next('master.agent_reregistered');
    await cluster.restartMaster();
    await reregistered;
    await first.disconnect();
    const unreachable = cluster.events.next('master.agent_unreachable');
    await partition(cluster, agentId);
    await unreachable;
    const second = await cluster.registerFramework({ name: 'patient', checkpoint: true, failoverTimeoutMs: 60_000 }, { failoverFrom: first.frameworkId });
    second.reconcile([{ taskId, agentId }]);
    const answer = await second.waitFor(taskId, 'TASK_LOST');
    assert.is(brief(answer), 'TASK_LOST:SOURCE_MASTER:REASON_RECONCILIATION');
    assert.type(answer.unreachableTime, 'number');
    assert.equal(second.updatesOf(taskId).map((s) => s.state), ['TASK_LOST'], 'the unreachable update was not delivered to the disconnected framework');
  }));

test('PartitionTest.SpuriousSlaveReregistration: an agent that reregisters while registered loses nothing', () =>
  withCluster(fast, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'spurious', checkpoint: true });
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    const reregistered = cluster.events.next('master.agent_reregistered');
    cluster.agentRef(agentId).tell({ type: 'agent.master_changed', master: cluster.master });
    await reregistered;
    fw.reconcile([taskId]);
    const answer = await nextUpdate(fw, (s) => s.reason === 'REASON_RECONCILIATION');
    assert.is(brief(answer), 'TASK_RUNNING:SOURCE_MASTER:REASON_RECONCILIATION');
    assert.equal(fw.updatesOf(taskId).map((s) => s.state), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_RUNNING']);
  }));

test.run();
