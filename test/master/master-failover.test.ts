/**
 * Mesos's src/tests/master_tests.cpp, the tests of agents and a master that fails over,
 * ported: agents of the registry recovered by the new master, those that come back and those
 * that do not, frameworks known before their schedulers subscribe again, registry writes.
 * Real workers, real LMDB (the registry under the cluster's work dir).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AgentId, LocalCluster } from '../../src/index.js';
import { MasterRegistry } from '../../src/master/registry.js';
import { sleep, testHost, withCluster } from '../helpers.js';
import { brief, nextUpdate, recordUpdates } from './support.js';

const test = suite('MasterTest: master failover');
const soon = { master: { agentReregisterTimeoutMs: 500 } };

/** Master and agent both down; a new master reads the registry. */
async function masterAndAgentDown(cluster: LocalCluster, agentId: AgentId | string): Promise<void> {
  await cluster.crashAgent(agentId);
  await cluster.crashMaster();
  await cluster.restartMaster();
}

test('MasterTest.RecoveredSlaves: a new master lists the registry\'s agents as recovered until they reregister', () =>
  withCluster({}, async (cluster) => {
    const [agentId] = cluster.agentIds() as [AgentId];
    await masterAndAgentDown(cluster, agentId);
    let state = await cluster.state();
    assert.equal(state.agents, []);
    assert.equal(state.recoveredAgents.map((a) => a.agentId), [agentId]);
    await cluster.startAgent(agentId);
    state = await cluster.state();
    assert.equal(state.agents.map((a) => a.agentId), [agentId]);
    assert.equal(state.recoveredAgents, []);
  }));

test('MasterTest.RecoveredSlaveCanReregister: a recovered agent that does not come back in time is marked unreachable (frameworks hear it is lost); it can still reregister later', () =>
  withCluster(soon, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'watcher', checkpoint: true });
    const [agentId] = cluster.agentIds() as [AgentId];
    const lost = new Promise<string>((resolve) => fw.once('agentLost', resolve));
    const unreachable = cluster.events.next('master.agent_unreachable');
    await masterAndAgentDown(cluster, agentId);
    assert.is(await lost, agentId);
    assert.equal(await unreachable, { type: 'master.agent_unreachable', agentId, missedPings: 0, cause: 'it did not reregister after the master failed over' });
    assert.equal((await cluster.state()).unreachableAgents.map((a) => a.agentId), [agentId]);
    const back = await cluster.startAgent(agentId);
    assert.is(back.agentId, agentId);
    const offer = await fw.nextOffer();
    assert.is(offer.agentId, agentId, 'its resources are offered again');
  }));

test('MasterTest.UnreachableTaskAfterFailover: an agent that does not hear of the new master: no task update, only that it is lost; reconciliation says TASK_LOST with the time; back, TASK_RUNNING', () =>
  withCluster(soon, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'legacy', checkpoint: true });
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    const deaf = await cluster.system.dropMessages({ type: 'agent.master_changed', to: cluster.agentRef(agentId).name });
    const seen = recordUpdates(fw);
    const lost = new Promise<string>((resolve) => fw.once('agentLost', resolve));
    await cluster.crashMaster();
    await cluster.restartMaster();
    await deaf.dropped;
    assert.is(await lost, agentId);
    assert.equal(seen, [], 'the new master has no task of it to report');
    fw.reconcile([{ taskId, agentId }]);
    const answer = await nextUpdate(fw, (s) => s.reason === 'REASON_RECONCILIATION');
    assert.is(brief(answer), 'TASK_LOST:SOURCE_MASTER:REASON_RECONCILIATION');
    assert.is(answer.unreachableTime, (await cluster.state()).unreachableAgents[0]!.unreachableAt);
    const running = nextUpdate(fw, (s) => s.reason === 'REASON_AGENT_REREGISTERED');
    cluster.agentRef(agentId).tell({ type: 'agent.master_changed', master: cluster.master });
    assert.is(brief(await running), 'TASK_RUNNING:SOURCE_MASTER:REASON_AGENT_REREGISTERED');
  }));

test('MasterTest.RecoveredSlaveReregisters: a recovered agent that reregisters in time is not lost when the timeout passes', () =>
  withCluster({ master: { agentReregisterTimeoutMs: 3_000 } }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'watcher', checkpoint: true });
    const [agentId] = cluster.agentIds() as [AgentId];
    const lost: string[] = [];
    fw.on('agentLost', (id) => lost.push(id));
    const timeout = await cluster.system.tapMessages({ type: 'master.recovered_agents_timeout' });
    await masterAndAgentDown(cluster, agentId);
    await cluster.startAgent(agentId);
    await timeout.next();
    await cluster.system.settle();
    assert.equal(lost, []);
    assert.equal((await cluster.state()).unreachableAgents, []);
  }));

test('MasterTest.RecoveredSlaveReregisterThenUnreachableRace: a recovered agent whose reregistration is being written when the timeout passes is not marked unreachable', () =>
  withCluster({ ...soon, agents: [{ resources: { cpus: 4, mem: 1_024 } }] }, async (cluster) => {
    const [agentId] = cluster.agentIds() as [AgentId];
    await masterAndAgentDown(cluster, agentId);
    const writes = await cluster.system.holdMessages({ type: 'master.registry_done', count: Infinity });
    const timeout = await cluster.system.tapMessages({ type: 'master.recovered_agents_timeout' });
    // More resources: its reregistration is a registry write (UpdateSlave), held here.
    const back = cluster.startAgent(agentId, { reconfigurationPolicy: 'additive' }, { resources: { cpus: 8, mem: 1_024 } });
    await writes.next();
    await timeout.next();
    await cluster.system.settle();
    assert.is(writes.claimed.length, 1, 'the timeout made no second registry operation');
    await writes.release();
    assert.is((await back).agentId, agentId);
    const state = await cluster.state();
    assert.equal(state.unreachableAgents, []);
    assert.equal(state.agents.map((a) => a.total.cpus), [8]);
  }));

test('MasterTest.RecoveredFramework / FailoverAgentReregisterFirst: after a master failover a framework not yet subscribed is listed as recovered, with its tasks; once its scheduler is back it is connected', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'recovered', checkpoint: true });
    const { taskId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    let state = await cluster.state();
    assert.equal(state.frameworks.map((f) => [f.connected, f.recovered]), [[true, false]]);
    const subscription = await cluster.system.holdMessages({ type: 'master.register_framework' });
    const reregistered = cluster.events.next('master.agent_reregistered');
    await cluster.crashMaster();
    const restarted = cluster.restartMaster();
    await subscription.held;
    await reregistered;
    state = await cluster.state();
    assert.equal(state.frameworks.map((f) => [f.frameworkId, f.connected, f.recovered, f.registeredAt]), [[fw.frameworkId, false, true, 0]]);
    assert.equal(state.tasks.map((t) => [t.taskId, t.state]), [[taskId, 'TASK_RUNNING']]);
    const now = Date.now();
    await subscription.release();
    await restarted;
    state = await cluster.state();
    const [back] = state.frameworks;
    assert.equal([back!.connected, back!.recovered], [true, false]);
    assert.ok(back!.registeredAt >= now, 'registered again now');
  }));

test('MasterTest.OrphanTasksMultipleAgents: two agents report tasks of a framework not subscribed again: one framework, recovered, both tasks, no orphans', () =>
  withCluster({ agents: [testHost, testHost] }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'spread', checkpoint: true });
    const launched = await Promise.all([0, 1].map(() => fw.launch({ cpus: 3, mem: 64, run: sleep(60_000) })));
    assert.is(new Set(launched.map((l) => l.agentId)).size, 2);
    await Promise.all(launched.map((l) => fw.waitFor(l.taskId, 'TASK_RUNNING')));
    const subscription = await cluster.system.holdMessages({ type: 'master.register_framework' });
    const both = Promise.all([0, 1].map((i) => cluster.events.next('master.agent_reregistered', (e) => e.agentId === launched[i]!.agentId)));
    await cluster.crashMaster();
    const restarted = cluster.restartMaster();
    await both;
    const state = await cluster.state();
    assert.equal(state.frameworks.map((f) => [f.frameworkId, f.recovered]), [[fw.frameworkId, true]]);
    assert.equal(state.tasks.map((t) => t.frameworkId), [fw.frameworkId, fw.frameworkId]);
    await subscription.release();
    await restarted;
  }));

test('MasterTest.MasterFailoverLongLivedExecutor: after a master failover a second task runs on the executor the first runs on', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'long-lived', checkpoint: true });
    const executor = { executorId: 'long-lived' };
    const first = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000), executor });
    await fw.waitFor(first.taskId, 'TASK_RUNNING');
    const reregistered = cluster.events.next('master.agent_reregistered');
    await cluster.crashMaster();
    await cluster.restartMaster();
    await reregistered;
    const second = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000), executor });
    await fw.waitFor(second.taskId, 'TASK_RUNNING');
    assert.equal([first.executorId, second.executorId], ['long-lived', 'long-lived']);
    const snapshot = await cluster.agentState(first.agentId);
    assert.equal(snapshot.executors.map((e) => [e.executorId, e.tasks]), [['long-lived', 2]], 'one executor, two tasks');
  }));

test('MasterTest.DuplicatedSlaveIdWhenSlaveReregister: a new agent that registers after a master failover, before a recovered one reregisters, gets an id of its own', () =>
  withCluster({ agents: [testHost, testHost] }, async (cluster) => {
    const [one, two] = cluster.agentIds() as [AgentId, AgentId];
    await cluster.stopAgent(two);
    rmSync(join(cluster.workDir, 'host-2', 'meta'), { recursive: true, force: true });
    await masterAndAgentDown(cluster, one);
    const fresh = await cluster.startAgent(two);
    assert.ok(fresh.fresh);
    const back = await cluster.startAgent(one);
    assert.is(back.agentId, one);
    assert.not.ok([one, two].includes(fresh.agentId), `a new id: ${fresh.agentId}`);
    assert.equal((await cluster.state()).agents.map((a) => a.agentId).sort(), [one, fresh.agentId].sort());
  }));

test('MasterTest.RegistryUpdateAfterMasterFailover: an agent that reregisters with more resources with a new master is updated in its registry', async () => {
  const workDir = mkdtempSync(join(tmpdir(), 'mesolith-registry-'));
  try {
    await withCluster({ workDir, agents: [{ resources: { cpus: 4, mem: 1_024 } }] }, async (cluster) => {
      const [agentId] = cluster.agentIds() as [AgentId];
      await masterAndAgentDown(cluster, agentId);
      await cluster.startAgent(agentId, { reconfigurationPolicy: 'additive' }, { resources: { cpus: 8, mem: 1_024 } });
      assert.equal((await cluster.state()).agents[0]!.total.cpus, 8);
    });
    const registry = MasterRegistry.open(join(workDir, 'master'));
    const agents = [...registry.read().agents.values()];
    await registry.close();
    assert.equal(agents.map((info) => info.resources.cpus), [8]);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
});

test('MasterTest.KillUnknownTaskSlaveInTransition: while a recovered agent\'s reregistration is in progress, a kill of a task the master does not know gets no answer', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'transition', checkpoint: true });
    const [agentId] = cluster.agentIds() as [AgentId];
    await masterAndAgentDown(cluster, agentId);
    const reregistration = await cluster.system.holdMessages({ type: 'master.reregister_agent' });
    const back = cluster.startAgent(agentId);
    await reregistration.held;
    const seen = recordUpdates(fw);
    const marker = nextUpdate(fw, (s) => s.taskId === 'marker');
    fw.kill('unknown');
    fw.reconcile([{ taskId: 'marker', agentId: 'agent-9999' }]);
    await marker;
    assert.equal(seen.map((s) => s.taskId), ['marker'], 'the kill was not answered');
    await reregistration.release();
    await back;
  }));

test('MasterTest.AgentReregistrationDuringMarkingUnreachable: a recovered agent that reregisters while it is being marked unreachable is ignored; it reregisters once that is done', () =>
  withCluster({ ...soon, agent: { registrationRetryMs: 100 } }, async (cluster) => {
    const [agentId] = cluster.agentIds() as [AgentId];
    const marking = await cluster.system.holdMessages({ type: 'master.registry_done' });
    await masterAndAgentDown(cluster, agentId);
    await marking.held;
    const reports = await cluster.system.tapMessages({ type: 'master.reregister_agent' });
    const back = cluster.startAgent(agentId);
    await reports.next();
    await cluster.system.settle();
    assert.equal((await cluster.state()).agents, [], 'ignored while the mark is written');
    const unreachable = cluster.events.next('master.agent_unreachable');
    await marking.release();
    await unreachable;
    assert.is((await back).agentId, agentId, 'readmitted by a later reregistration');
    assert.equal((await cluster.state()).unreachableAgents, []);
  }));

test.run();
