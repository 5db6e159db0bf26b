/**
 * Mesos's src/tests/partition_tests.cpp, ported (updates of a partitioned agent): an agent cut off from the master
 * (every ping to it and every reregistration from it lost, as Mesos drops pongs until it
 * "completes the partition"), marked unreachable, and back. Real workers, real LMDB; Mesos's
 * paused clock becomes short timeouts (see `fast`).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AgentId, TaskStatus } from '../../src/index.js';
import { withCluster } from '../helpers.js';
import { brief, fast, finishOnMark, nextUpdate, partition, recordUpdates } from './support.js';

const test = suite('PartitionTest: updates');

test('PartitionTest.PartitionedSlaveStatusUpdates: an update from an agent marked unreachable is dropped; once it is back, one is forwarded', () =>
  withCluster(fast, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'forged', checkpoint: true });
    const [agentId] = cluster.agentIds() as [AgentId];
    const agent = cluster.agentRef(agentId);
    const cut = await partition(cluster, agentId);
    await cluster.events.next('master.agent_unreachable');
    const forged = (taskId: string): TaskStatus => ({ taskId: taskId as never, frameworkId: fw.frameworkId, uuid: `forged-${taskId}`, state: 'TASK_RUNNING', timestamp: Date.now(), source: 'SOURCE_AGENT' });
    const seen = recordUpdates(fw);
    // A message from the agent, as Mesos's test posts one from the agent's pid.
    cluster.master.tell({ type: 'master.status_update', agentId, status: forged('task_id1') }, agent);
    await cluster.system.settle();
    assert.equal(seen, [], 'dropped: the agent is not registered');
    const back = cluster.events.next('master.agent_reregistered');
    await cut.heal();
    await back;
    cluster.master.tell({ type: 'master.status_update', agentId, status: forged('task_id2') }, agent);
    const forwarded = await nextUpdate(fw, (s) => s.taskId === 'task_id2');
    assert.is(forwarded.agentId, agentId);
    assert.equal(seen.map((s) => s.taskId), ['task_id2']);
  }));

test('PartitionTest.TaskCompletedOnPartitionedAgent: a task that finishes while its agent is unreachable is reported TASK_FINISHED when it is back; later it reconciles as TASK_LOST', () =>
  withCluster(fast, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'finisher', checkpoint: true });
    const task = finishOnMark();
    try {
      const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: task.run });
      await fw.waitFor(taskId, 'TASK_RUNNING');
      const cut = await partition(cluster, agentId);
      assert.is(brief(await fw.waitFor(taskId, 'TASK_LOST')), 'TASK_LOST:SOURCE_MASTER:REASON_AGENT_REMOVED');
      const finishedAtAgent = await cluster.system.tapMessages({ type: 'agent.executor_update' });
      task.finish();
      await finishedAtAgent.next((m) => (m.message as { status: TaskStatus }).status.state === 'TASK_FINISHED');
      const fromMaster = nextUpdate(fw, (s) => s.state === 'TASK_FINISHED');
      const fromAgent = nextUpdate(fw, (s) => s.state === 'TASK_FINISHED' && s.source === 'SOURCE_EXECUTOR');
      await cut.heal();
      assert.is(brief(await fromMaster), 'TASK_FINISHED:SOURCE_MASTER:REASON_AGENT_REREGISTERED', 'the first update after it is back');
      await fromAgent;
      fw.reconcile([{ taskId, agentId }]);
      const answer = await nextUpdate(fw, (s) => s.reason === 'REASON_RECONCILIATION');
      assert.is(brief(answer), 'TASK_LOST:SOURCE_MASTER:REASON_RECONCILIATION', 'acknowledged, it is completed: unknown to reconciliation');
      assert.is(answer.unreachableTime, undefined);
      assert.equal((await cluster.state()).tasks.map((t) => t.state), ['TASK_FINISHED']);
    } finally {
      task.cleanup();
    }
  }));

test('PartitionTest.PartitionAwareTaskCompletedOnPartitionedAgent: TASK_UNREACHABLE; back, TASK_FINISHED from the master (REASON_AGENT_REREGISTERED) then from the executor; reconciliation: TASK_GONE', () =>
  withCluster(fast, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'aware-finisher', checkpoint: true, partitionAware: true });
    const task = finishOnMark();
    try {
      const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: task.run });
      await fw.waitFor(taskId, 'TASK_RUNNING');
      const cut = await partition(cluster, agentId);
      const unreachable = await fw.waitFor(taskId, 'TASK_UNREACHABLE');
      assert.is(brief(unreachable), 'TASK_UNREACHABLE:SOURCE_MASTER:REASON_AGENT_REMOVED');
      assert.type(unreachable.unreachableTime, 'number');
      const finishedAtAgent = await cluster.system.tapMessages({ type: 'agent.executor_update' });
      task.finish();
      await finishedAtAgent.next((m) => (m.message as { status: TaskStatus }).status.state === 'TASK_FINISHED');
      // Mesos's test drops UpdateFrameworkMessage; here the agent's own resend comes either way.
      await cluster.system.dropMessages({ type: 'agent.update_framework' });
      const after = recordUpdates(fw);
      const fromAgent = nextUpdate(fw, (s) => s.source === 'SOURCE_EXECUTOR');
      await cut.heal();
      await fromAgent;
      assert.equal(after.map(brief), ['TASK_FINISHED:SOURCE_MASTER:REASON_AGENT_REREGISTERED', 'TASK_FINISHED:SOURCE_EXECUTOR:-']);
      assert.is(after[1]!.agentId, agentId);
      fw.reconcile([{ taskId, agentId }]);
      const answer = await nextUpdate(fw, (s) => s.reason === 'REASON_RECONCILIATION');
      assert.is(brief(answer), 'TASK_GONE:SOURCE_MASTER:REASON_RECONCILIATION');
      assert.is(answer.unreachableTime, undefined);
    } finally {
      task.cleanup();
    }
  }));

test('PartitionTest.AgentWithTerminalTaskPartitioned: a task finished but not acknowledged keeps TASK_FINISHED when its agent is unreachable; the framework hears the agent is lost once', () =>
  withCluster(fast, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'unacked', checkpoint: true }, { autoAcknowledge: false });
    const lost: string[] = [];
    fw.on('agentLost', (id) => lost.push(id));
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: { kind: 'command', command: 'true' } });
    fw.acknowledge(await fw.waitFor(taskId, 'TASK_STARTING'));
    fw.acknowledge(await fw.waitFor(taskId, 'TASK_RUNNING'));
    await fw.waitFor(taskId, 'TASK_FINISHED');
    const unreachable = cluster.events.next('master.agent_unreachable');
    await partition(cluster, agentId);
    await unreachable;
    await cluster.system.settle();
    const state = await cluster.state();
    assert.equal(state.tasks.map((t) => `${t.taskId}:${t.state}`), [`${taskId}:TASK_FINISHED`]);
    assert.equal(lost, [agentId]);
  }));

test.run();
