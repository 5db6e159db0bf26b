/**
 * Mesos's src/tests/master_tests.cpp, the tests of an agent that disconnects, restarts or is
 * removed while the master keeps running, ported. Real workers, real LMDB; Mesos's paused
 * clock becomes short timeouts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { TaskStatus } from '../../src/index.js';
import { MasterRegistry } from '../../src/master/registry.js';
import { sleep, withCluster } from '../helpers.js';
import { brief, fast, nextUpdate, partition, recordUpdates } from './support.js';

const test = suite('MasterTest: agents');

test('MasterTest.KillUnknownTask: a kill of a task the master does not know: TASK_LOST, SOURCE_MASTER, REASON_RECONCILIATION', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'killer' });
    const { taskId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    fw.kill('task-2');
    const answer = await nextUpdate(fw, (s) => s.taskId === 'task-2');
    assert.is(brief(answer), 'TASK_LOST:SOURCE_MASTER:REASON_RECONCILIATION');
    assert.is(fw.updatesOf(taskId).at(-1)?.state, 'TASK_RUNNING', 'the running task is left alone');
  }));

test('MasterTest.EndpointsForHalfRemovedSlave: while the master writes that an agent is unreachable, state() still lists it; once written, not', () =>
  withCluster(fast, async (cluster) => {
    await cluster.registerFramework({ name: 'observer' });
    const [agentId] = cluster.agentIds();
    const write = await cluster.system.holdMessages({ type: 'master.registry_done' });
    await partition(cluster, agentId!);
    await write.held;
    let state = await cluster.state();
    assert.equal(state.agents.map((a) => a.agentId), [agentId], 'still registered while the write is pending');
    assert.equal(state.unreachableAgents, []);
    const unreachable = cluster.events.next('master.agent_unreachable');
    await write.release();
    await unreachable;
    state = await cluster.state();
    assert.equal(state.agents, []);
    assert.equal(state.unreachableAgents.map((a) => a.agentId), [agentId]);
  }));

test('MasterTest.RegistryUpdateAfterReconfiguration: an agent that reregisters with more resources (additive) is updated in the master and in its registry', async () => {
  const workDir = mkdtempSync(join(tmpdir(), 'mesolith-registry-'));
  try {
    await withCluster({ workDir, agents: [{ resources: { cpus: 4, mem: 1_024 } }] }, async (cluster) => {
      const [agentId] = cluster.agentIds();
      const back = await cluster.restartAgent(agentId!, { reconfigurationPolicy: 'additive' }, { resources: { cpus: 8, mem: 1_024 } });
      assert.is(back.agentId, agentId);
      assert.equal((await cluster.state()).agents[0]!.total, { cpus: 8, mem: 1_024 });
    });
    const registry = MasterRegistry.open(join(workDir, 'master'));
    const agents = registry.read().agents;
    await registry.close();
    assert.equal([...agents.values()].map((info) => info.resources.cpus), [8], 'the registry holds the new info (Mesos UpdateSlave)');
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
});

test('MasterTest.AgentRestartNoReregister: a restarted agent that answers pings but never reregisters is marked unreachable after agentReregisterTimeoutMs; when it does reregister, its task is back', () =>
  // The ping window (10 × 200 ms) outlasts the reregistration timeout: only the latter can mark it unreachable.
  withCluster({ master: { agentPingTimeoutMs: 200, maxAgentPingTimeouts: 10, agentReregisterTimeoutMs: 1_200 }, agent: { registrationRetryMs: 100 } }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'aware', checkpoint: true, partitionAware: true });
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    await cluster.crashAgent(agentId);
    const noReregistration = await cluster.system.dropMessages({ type: 'master.reregister_agent', count: Infinity });
    const pings = await cluster.system.tapMessages({ type: 'agent.ping', to: cluster.agentRef(agentId).name });
    const lost = new Promise<string>((resolve) => fw.once('agentLost', resolve));
    const marked = cluster.events.next('master.agent_unreachable');
    const restarted = cluster.startAgent(agentId);
    await noReregistration.next();
    const ping = await pings.next();
    assert.is((ping.message as { connected?: boolean }).connected, false, 'pinged as disconnected: it has not reregistered');
    const unreachable = await fw.waitFor(taskId, 'TASK_UNREACHABLE', { timeoutMs: 10_000 });
    assert.is(brief(unreachable), 'TASK_UNREACHABLE:SOURCE_MASTER:REASON_AGENT_REMOVED');
    assert.match((await marked).cause ?? '', /agentReregisterTimeoutMs/, 'by the reregistration timeout, not the pings');
    assert.is(unreachable.agentId, agentId);
    assert.type(unreachable.unreachableTime, 'number');
    assert.is(await lost, agentId);
    assert.match((await cluster.state()).unreachableAgents.map((a) => a.agentId).join(), agentId);
    const running = nextUpdate(fw, (s) => s.reason === 'REASON_AGENT_REREGISTERED');
    await noReregistration.remove();
    await restarted;
    assert.is(brief(await running), 'TASK_RUNNING:SOURCE_MASTER:REASON_AGENT_REREGISTERED');
  }));

test('MasterTest.SlaveActiveEndpoint: an agent whose link to the master breaks is listed as disconnected (a real exit here, not an injected one)', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'keep', checkpoint: true });
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    assert.is((await cluster.state()).agents[0]!.status, 'active');
    const disconnected = cluster.events.next('master.agent_disconnected');
    await cluster.crashAgent(agentId);
    await disconnected;
    assert.is((await cluster.state()).agents[0]!.status, 'disconnected');
    await cluster.startAgent(agentId);
    assert.is((await cluster.state()).agents[0]!.status, 'active');
  }));

test('MasterTest.NonCheckpointingFrameworkAgentDisconnectionExecutorOnly: an agent disconnects with only an idle executor of a framework that does not checkpoint; the framework is torn down; the master carries on', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'plain' });
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: { kind: 'js', module: new URL('../fixtures/tasks.js', import.meta.url).href, export: 'double', args: { n: 1 } } });
    await fw.waitFor(taskId, 'TASK_FINISHED');
    assert.is((await cluster.agentState(agentId)).executors.length, 1, 'its default executor idles on');
    await cluster.crashAgent(agentId);
    const removed = cluster.events.next('master.framework_removed');
    fw.teardown();
    await removed;
    const back = await cluster.startAgent(agentId);
    assert.is(back.agentId, agentId);
    const state = await cluster.state();
    assert.equal(state.frameworks, []);
    assert.equal(state.agents[0]!.free, state.agents[0]!.total);
  }));

test('MasterTest.TaskStateMetrics: a restarted agent reports its running task and its finished, unacknowledged one; the master\'s counts stay right', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'counts', checkpoint: true }, { autoAcknowledge: false });
    const long = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    const short = await fw.launch({ cpus: 1, mem: 64, run: { kind: 'command', command: 'true' } });
    for (const state of ['TASK_STARTING', 'TASK_RUNNING'] as const) fw.acknowledge(await fw.waitFor(long.taskId, state));
    for (const state of ['TASK_STARTING', 'TASK_RUNNING'] as const) fw.acknowledge(await fw.waitFor(short.taskId, state));
    await fw.waitFor(short.taskId, 'TASK_FINISHED');
    const counts = async () => (await cluster.state()).tasks.map((t) => t.state).sort();
    assert.equal(await counts(), ['TASK_FINISHED', 'TASK_RUNNING']);
    const report = await cluster.system.tapMessages({ type: 'master.reregister_agent' });
    await cluster.restartAgent(long.agentId);
    const tasks = ((await report.next()).message as { tasks: { state: string }[] }).tasks.map((t) => t.state).sort();
    assert.equal(tasks, ['TASK_FINISHED', 'TASK_RUNNING'], 'the terminal, unacknowledged task is reported');
    assert.equal(await counts(), ['TASK_FINISHED', 'TASK_RUNNING']);
  }));

test('SlaveRecoveryTest.CleanupExecutor, by the reregistration timeout: an agent that cleans up and never reregisters is marked unreachable after agentReregisterTimeoutMs, its task TASK_LOST once', () =>
  withCluster({ master: { agentReregisterTimeoutMs: 500 } }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'cleanup', checkpoint: true });
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    const seen = recordUpdates(fw);
    await cluster.stopAgent(agentId);
    void cluster.startAgent(agentId, { recover: 'cleanup' }).catch(() => undefined);
    const lost: TaskStatus = await fw.waitFor(taskId, 'TASK_LOST');
    assert.is(brief(lost), 'TASK_LOST:SOURCE_MASTER:REASON_AGENT_REMOVED');
    assert.equal(seen.map(brief), ['TASK_LOST:SOURCE_MASTER:REASON_AGENT_REMOVED']);
  }));

test.run();
