/**
 * Mesos's src/tests/reconciliation_tests.cpp, the tests about agents, ported: what the master
 * answers about a task it does not know, by the state of the agent named (registered,
 * unreachable, unknown, recovered from the registry and not back yet), and what it answers
 * about a task whose agent reports one state while it forwards another. "No answer" is shown
 * by order: the master answers a scheduler's calls in turn, so when a later call's answer
 * arrives, an earlier call that was answered would have been answered first.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AgentId, TaskStatus } from '../../src/index.js';
import { sleep, withCluster } from '../helpers.js';
import { brief, fast, finishOnMark, nextUpdate, partition, recordUpdates } from './support.js';

const test = suite('ReconciliationTest');

/** Asks about `taskId` on `agentId`, then about a task on an agent nobody knows: resolves with every answer up to the second one. */
async function answersUpTo(fw: import('../../src/scheduler/framework.js').Framework, asked: { taskId: string; agentId?: AgentId | string }): Promise<TaskStatus[]> {
  const seen = recordUpdates(fw);
  const marker = nextUpdate(fw, (s) => s.taskId === 'marker');
  fw.reconcile([asked]);
  fw.reconcile([{ taskId: 'marker', agentId: 'agent-9999' }]);
  await marker;
  return seen.filter((s) => s.taskId !== 'marker');
}

test('ReconciliationTest.UnknownSlave: a task on an agent the master does not know: TASK_UNKNOWN (partition-aware), REASON_RECONCILIATION, no unreachable time', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'aware', partitionAware: true });
    const [answer] = await answersUpTo(fw, { taskId: 'random', agentId: 'agent-4242' });
    assert.is(brief(answer!), 'TASK_UNKNOWN:SOURCE_MASTER:REASON_RECONCILIATION');
    assert.is(answer!.unreachableTime, undefined);
  }));

test('ReconciliationTest.UnknownTask: a task unknown on a registered agent: TASK_LOST for a framework that is not partition-aware', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'legacy' });
    const [agentId] = cluster.agentIds();
    const [answer] = await answersUpTo(fw, { taskId: 'random', agentId: agentId! });
    assert.is(brief(answer!), 'TASK_LOST:SOURCE_MASTER:REASON_RECONCILIATION');
    assert.is(answer!.agentId, agentId);
    assert.is(answer!.unreachableTime, undefined);
  }));

test('ReconciliationTest.UnknownTaskPartitionAware: … TASK_GONE for a partition-aware one', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'aware', partitionAware: true });
    const [agentId] = cluster.agentIds();
    const [answer] = await answersUpTo(fw, { taskId: 'random', agentId: agentId! });
    assert.is(brief(answer!), 'TASK_GONE:SOURCE_MASTER:REASON_RECONCILIATION');
  }));

test('ReconciliationTest.UnknownKillTask: a kill of a task the master does not know is answered as a reconciliation: TASK_LOST', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'killer' });
    fw.kill('random');
    const answer = await nextUpdate(fw, (s) => s.taskId === 'random');
    assert.is(brief(answer), 'TASK_LOST:SOURCE_MASTER:REASON_RECONCILIATION');
    assert.is(answer.unreachableTime, undefined);
  }));

test('ReconciliationTest.RecoveredAgent: after a master failover, a task on an agent of the registry that has not come back gets no answer', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'recovered', checkpoint: true });
    const [agentId] = cluster.agentIds();
    await cluster.crashAgent(agentId!);
    await cluster.crashMaster();
    await cluster.restartMaster();
    assert.equal((await cluster.state()).recoveredAgents.map((a) => a.agentId), [agentId]);
    assert.equal(await answersUpTo(fw, { taskId: 'random', agentId: agentId! }), []);
    assert.equal(await answersUpTo(fw, { taskId: 'random' }), [], 'nor with no agent named, while any agent is recovering');
  }));

test('ReconciliationTest.RecoveredAgentReregistrationInProgress: nor while that agent\'s reregistration is in progress', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'in-progress', checkpoint: true });
    const [agentId] = cluster.agentIds();
    await cluster.crashAgent(agentId!);
    await cluster.crashMaster();
    await cluster.restartMaster();
    const held = await cluster.system.holdMessages({ type: 'master.reregister_agent' });
    const back = cluster.startAgent(agentId!);
    await held.held;
    assert.equal(await answersUpTo(fw, { taskId: 'random', agentId: agentId! }), []);
    await held.release();
    await back;
    const [answer] = await answersUpTo(fw, { taskId: 'random', agentId: agentId! });
    assert.is(brief(answer!), 'TASK_LOST:SOURCE_MASTER:REASON_RECONCILIATION', 'answered once it is back');
  }));

test('ReconciliationTest.DISABLED_RemovalInProgress: while an agent\'s removal is being written, it is still registered: TASK_LOST, no unreachable time', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'removal' });
    const [agentId] = cluster.agentIds();
    const removal = await cluster.system.holdMessages({ type: 'master.registry_done' });
    const shutdown = cluster.shutdownAgent(agentId!);
    await removal.held;
    const [answer] = await answersUpTo(fw, { taskId: 'random', agentId: agentId! });
    assert.is(brief(answer!), 'TASK_LOST:SOURCE_MASTER:REASON_RECONCILIATION');
    assert.is(answer!.unreachableTime, undefined);
    assert.equal((await cluster.state()).agents.map((a) => a.agentId), [agentId], 'not removed before the registry says so');
    await removal.release();
    await shutdown;
    await cluster.events.next('master.agent_removed');
  }));

test('ReconciliationTest.ReconcileStatusUpdateTaskState: reconciliation answers the state the agent is forwarding (TASK_RUNNING), not its latest (TASK_FINISHED)', () =>
  withCluster({ agent: { statusUpdateRetry: { initialMs: 200, maxMs: 1_000 } } }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'behind', checkpoint: true }, { autoAcknowledge: false });
    const task = finishOnMark();
    try {
      const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: task.run });
      const starting = await fw.waitFor(taskId, 'TASK_STARTING');
      // From now on nothing the agent forwards reaches a master: TASK_RUNNING is lost, TASK_FINISHED waits behind it.
      const agentName = cluster.agentRef(agentId).name;
      await cluster.system.dropMessages({ type: 'master.status_update', from: agentName, count: Infinity });
      const finished = await cluster.system.tapMessages({ type: 'agent.executor_update', to: agentName });
      fw.acknowledge(starting);
      task.finish();
      await finished.next((m) => (m.message as { status: TaskStatus }).status.state === 'TASK_FINISHED');
      await cluster.crashMaster();
      const reregistered = cluster.events.next('master.agent_reregistered');
      await cluster.restartMaster();
      await reregistered;
      fw.reconcile();
      const answer = await nextUpdate(fw, (s) => s.reason === 'REASON_RECONCILIATION');
      assert.is(brief(answer), 'TASK_RUNNING:SOURCE_MASTER:REASON_RECONCILIATION');
      assert.equal((await cluster.state()).tasks.map((t) => t.state), ['TASK_FINISHED'], 'the master holds the agent\'s latest state');
    } finally {
      task.cleanup();
    }
  }));

test('ReconciliationTest.PartitionedAgentThenMasterFailover: an unreachable agent\'s task reconciles TASK_LOST with the time it was marked, before and after a master failover', () =>
  withCluster(fast, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'legacy', checkpoint: true });
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    await partition(cluster, agentId);
    const lost = await fw.waitFor(taskId, 'TASK_LOST');
    assert.is(brief(lost), 'TASK_LOST:SOURCE_MASTER:REASON_AGENT_REMOVED');
    const [before] = await answersUpTo(fw, { taskId, agentId });
    assert.equal([brief(before!), before!.unreachableTime], ['TASK_LOST:SOURCE_MASTER:REASON_RECONCILIATION', lost.unreachableTime]);
    await cluster.crashMaster();
    await cluster.restartMaster();
    const [after] = await answersUpTo(fw, { taskId, agentId });
    assert.equal([brief(after!), after!.unreachableTime], ['TASK_LOST:SOURCE_MASTER:REASON_RECONCILIATION', lost.unreachableTime], 'the time comes from the registry');
  }));

test.run();
