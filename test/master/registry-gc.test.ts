/**
 * Mesos's src/tests/partition_tests.cpp, ported (registry GC of unreachable agents): an agent cut off from the master
 * (every ping to it and every reregistration from it lost, as Mesos drops pongs until it
 * "completes the partition"), marked unreachable, and back. Real workers, real LMDB; Mesos's
 * paused clock becomes short timeouts (see `fast`).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AgentId } from '../../src/index.js';
import { sleep, testHost, withCluster } from '../helpers.js';
import { fast, nextOfferOn, nextUpdate, partition } from './support.js';

const test = suite('PartitionTest: registry GC');

test('PartitionTest.RegistryGcByCount: beyond registryMaxAgentCount the oldest unreachable agent is pruned; its task reconciles TASK_UNKNOWN, the newer one\'s TASK_UNREACHABLE', () =>
  withCluster({ ...fast, agents: [testHost, testHost], master: { ...fast.master, registryMaxAgentCount: 1, registryGcIntervalMs: 200 } }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'gc', checkpoint: true, partitionAware: true }, { offers: 'manual' });
    const [one, two] = cluster.agentIds() as [AgentId, AgentId];
    const lostLaunch = await cluster.system.dropMessages({ type: 'agent.run_task' });
    const offer = await nextOfferOn(fw, one);
    fw.accept(offer.offerId, [{ taskId: 'staging' as never, resources: { cpus: 1, mem: 64 }, run: sleep(60_000) }]);
    await lostLaunch.dropped;
    await partition(cluster, one);
    const first = await fw.waitFor('staging', 'TASK_UNREACHABLE');
    fw.reconcile([{ taskId: 'staging', agentId: one }]);
    const before = await nextUpdate(fw, (s) => s.reason === 'REASON_RECONCILIATION');
    assert.equal([before.state, before.unreachableTime], ['TASK_UNREACHABLE', first.unreachableTime]);
    const pruned = cluster.events.next('master.agents_pruned');
    await partition(cluster, two);
    assert.equal((await pruned).agentIds, [one]);
    const answers = Promise.all([nextUpdate(fw, (s) => s.taskId === 'staging' && s.reason === 'REASON_RECONCILIATION'), nextUpdate(fw, (s) => s.taskId === 'random')]);
    fw.reconcile([{ taskId: 'staging', agentId: one }, { taskId: 'random', agentId: two }]);
    const [gone, kept] = await answers;
    assert.equal([gone.state, gone.unreachableTime], ['TASK_UNKNOWN', undefined]);
    assert.is(kept.state, 'TASK_UNREACHABLE');
    assert.type(kept.unreachableTime, 'number');
  }));

test('PartitionTest.RegistryGcByAge: an unreachable agent older than registryMaxAgentAgeMs is pruned; a younger one is kept until it is old enough', () =>
  withCluster({ ...fast, agents: [testHost, testHost], master: { ...fast.master, registryMaxAgentAgeMs: 1_500, registryGcIntervalMs: 100 } }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'age', checkpoint: true, partitionAware: true });
    const [one, two] = cluster.agentIds() as [AgentId, AgentId];
    const firstPruned = cluster.events.next('master.agents_pruned', () => true, 20_000);
    await partition(cluster, one);
    await cluster.events.next('master.agent_unreachable', (e) => e.agentId === one);
    await partition(cluster, two);
    await cluster.events.next('master.agent_unreachable', (e) => e.agentId === two);
    assert.equal((await firstPruned).agentIds, [one]);
    const answers = Promise.all([nextUpdate(fw, (s) => s.taskId === 'x'), nextUpdate(fw, (s) => s.taskId === 'y')]);
    fw.reconcile([{ taskId: 'x', agentId: one }, { taskId: 'y', agentId: two }]);
    const [x, y] = await answers;
    assert.equal([x.state, y.state], ['TASK_UNKNOWN', 'TASK_UNREACHABLE']);
    assert.equal((await cluster.events.next('master.agents_pruned', () => true, 20_000)).agentIds, [two]);
  }));

test.run();
