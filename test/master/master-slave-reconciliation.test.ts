/**
 * Mesos's src/tests/master_slave_reconciliation_tests.cpp, ported: an agent that reregisters
 * with a master that still holds it (it "re-detects" the master: told `agent.master_changed`
 * with the same master) is reconciled with what it reports — through the agent, which answers
 * only for tasks it really does not know.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AgentId, LocalCluster, TaskStatus } from '../../src/index.js';
import { sleep, withCluster } from '../helpers.js';
import { nextSystemEvent } from '../probe.js';
import { brief, finishOnMark, nextUpdate, recordUpdates } from './support.js';

const test = suite('MasterSlaveReconciliationTest');
/** Updates are resent only after a minute here: what arrives sooner came from the reregistration. */
const slowResend = { agent: { statusUpdateRetry: { initialMs: 60_000, maxMs: 60_000 } } };

/** The agent re-detects the (same) master and reregisters; resolves once the master has readmitted it. */
async function redetect(cluster: LocalCluster, agentId: AgentId | string): Promise<void> {
  const reregistered = cluster.events.next('master.agent_reregistered', (e) => e.agentId === agentId);
  cluster.agentRef(agentId).tell({ type: 'agent.master_changed', master: cluster.master });
  await reregistered;
}

test('MasterSlaveReconciliationTest.SlaveReregisterTerminatedExecutor: a terminal update the master missed, of an executor gone since, is delivered when the agent reregisters', () =>
  withCluster(slowResend, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'terminated', checkpoint: true });
    const task = finishOnMark();
    try {
      const before = new Set(cluster.system.workers());
      const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: task.run, executor: {} });
      await fw.waitFor(taskId, 'TASK_RUNNING');
      const executorWorker = cluster.system.workers().find((w) => !before.has(w))!;
      const lostForward = await cluster.system.dropMessages({ type: 'master.status_update' });
      task.finish();
      await lostForward.dropped;
      const exited = nextSystemEvent(cluster.system, 'worker.exit', (e) => e.node === executorWorker);
      if (cluster.system.workers().includes(executorWorker)) await cluster.system.terminateWorker(executorWorker);
      await exited;
      await cluster.system.dropMessages({ type: 'agent.update_framework' });
      const finished = nextUpdate(fw, (s) => s.state === 'TASK_FINISHED');
      await redetect(cluster, agentId);
      assert.is(brief(await finished), 'TASK_FINISHED:SOURCE_EXECUTOR:-');
    } finally {
      task.cleanup();
    }
  }));

for (const [name, partitionAware, state] of [
  ['ReconcileLostTask', false, 'TASK_LOST'],
  ['ReconcileDroppedTask', true, 'TASK_DROPPED'],
] as const) {
  test(`MasterSlaveReconciliationTest.${name}: a launch the agent never got; when it reregisters the agent reports the task ${state}, SOURCE_AGENT, REASON_RECONCILIATION`, () =>
    withCluster({}, async (cluster) => {
      const fw = await cluster.registerFramework({ name, partitionAware });
      const lostLaunch = await cluster.system.dropMessages({ type: 'agent.run_task' });
      const forwarded = await cluster.system.tapMessages({ type: 'master.status_update' });
      const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
      await lostLaunch.dropped;
      await redetect(cluster, agentId);
      const answer = await fw.waitFor(taskId, state);
      assert.is(brief(answer), `${state}:SOURCE_AGENT:REASON_RECONCILIATION`);
      assert.is(answer.agentId, agentId);
      const fromAgent = await forwarded.next((m) => (m.message as { status: TaskStatus }).status.taskId === taskId);
      assert.is(fromAgent.sender, cluster.agentRef(agentId).address, 'sent by the agent, through its status update manager');
      assert.equal(fw.updatesOf(taskId).map((s) => s.state), [state]);
    }));
}

test('MasterSlaveReconciliationTest.ReconcileRace: a stale reregistration (sent before a launch it raced) brings no TASK_LOST: the agent knows the task', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'race' });
    const [agentId] = cluster.agentIds() as [AgentId];
    const stale = await cluster.system.holdMessages({ type: 'master.reregister_agent', count: Infinity });
    cluster.agentRef(agentId).tell({ type: 'agent.master_changed', master: cluster.master });
    const report = await stale.next();
    assert.equal((report.message as { tasks: unknown[] }).tasks, [], 'the held report lists no task');
    const seen = recordUpdates(fw);
    const launched = cluster.events.next('master.task_launched');
    const { taskId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    // The master has sent the launch: it reaches the agent before the answer to the stale report.
    await launched;
    const reconciled = await cluster.system.tapMessages({ type: 'agent.reregistered' });
    const running = fw.waitFor(taskId, 'TASK_RUNNING');
    await stale.release();
    const answer = await reconciled.next();
    assert.equal((answer.message as { reconcile?: { taskIds: string[] }[] }).reconcile?.[0]?.taskIds, [taskId], 'the master asks the agent about the task its report lacked');
    await running;
    await cluster.system.settle();
    assert.not.ok(seen.some((s) => s.state === 'TASK_LOST' || s.state === 'TASK_DROPPED'), `no loss: ${seen.map(brief).join(', ')}`);
  }));

test('MasterSlaveReconciliationTest.SlaveReregisterPendingTask: a task whose executor launch is pending at the agent is reported: no update at all', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'pending', checkpoint: true });
    const lostLaunch = await cluster.system.dropMessages({ type: 'launcher.launch' });
    const seen = recordUpdates(fw);
    const { agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await lostLaunch.dropped;
    await redetect(cluster, agentId);
    await cluster.system.settle();
    assert.equal(seen, []);
  }));

test('MasterSlaveReconciliationTest.SlaveReregisterTerminalTask: a terminal task whose update the master missed is not declared lost; its TASK_FINISHED comes on reregistration', () =>
  withCluster(slowResend, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'terminal', checkpoint: true }, { autoAcknowledge: false });
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: { kind: 'command', command: 'true' } });
    fw.acknowledge(await fw.waitFor(taskId, 'TASK_STARTING'));
    const running = await fw.waitFor(taskId, 'TASK_RUNNING');
    // The next forward of this stream is TASK_FINISHED: it is lost.
    const lostForward = await cluster.system.dropMessages({ type: 'master.status_update' });
    fw.acknowledge(running);
    await lostForward.dropped;
    const seen = recordUpdates(fw);
    const finished = nextUpdate(fw, (s) => s.state === 'TASK_FINISHED');
    await redetect(cluster, agentId);
    await finished;
    await cluster.system.settle();
    assert.equal(seen.map(brief), ['TASK_FINISHED:SOURCE_EXECUTOR:-']);
  }));

test('MasterSlaveReconciliationTest.SlaveReregisterFrameworks: the reregistration lists the agent\'s framework', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'listed', checkpoint: true });
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    const tap = await cluster.system.tapMessages({ type: 'master.reregister_agent' });
    await redetect(cluster, agentId);
    const report = (await tap.next()).message as { frameworks: { frameworkId: string }[] };
    assert.equal(report.frameworks.map((f) => f.frameworkId), [fw.frameworkId]);
  }));

test.run();
