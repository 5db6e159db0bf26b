/**
 * Mesos's SlaveRecoveryTest (src/tests/slave_recovery_tests.cpp), the scenarios where a
 * restarted agent and the master disagree — the agent lost a framework's records, starts over,
 * is shut down, or comes back to a framework torn down meanwhile — and the exact faults of
 * RecoverTaskStatusUpdateManager, ReconnectExecutor and PingTimeoutDuringRecovery. Real
 * workers, real LMDB: checkpoint records are deleted in the file itself, as Mesos's tests
 * delete meta directories.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'lmdb';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type AgentId, CheckpointStore, type LocalCluster, type NodeId, type TaskStatus, readState } from '../../src/index.js';
import { sleep, testHost, withCluster } from '../helpers.js';
import { nextSystemEvent } from '../probe.js';
import { brief, nextUpdate, recordUpdates } from '../master/support.js';

const test = suite('SlaveRecoveryTest: the agent and the master disagree');

/** Deletes every checkpoint record of the host whose key passes `which` (the agent must be down). */
async function deleteRecords(cluster: LocalCluster, which: (key: string) => boolean): Promise<number> {
  const root = open({ path: join(cluster.workDir, 'host-1', 'meta', 'checkpoint.mdb'), noSubdir: true });
  const db = root.openDB<Buffer, string>({ name: 'records', encoding: 'binary' });
  const doomed = [...db.getKeys({ start: 'meta/', end: 'meta/\uffff' })].filter(which);
  for (const key of doomed) await db.remove(key);
  await root.close();
  return doomed.length;
}

/** The worker an executor started in (the one that appeared during `launching`). */
async function executorWorkerOf<T>(cluster: LocalCluster, launching: () => Promise<T>): Promise<{ result: T; worker: NodeId }> {
  const before = new Set(cluster.system.workers());
  const result = await launching();
  return { result, worker: cluster.system.workers().find((w) => !before.has(w))! };
}

test('SlaveRecoveryTest.ReconcileShutdownFramework: a framework torn down while its agent was down is shut down on the agent when it reregisters; the master records its task TASK_KILLED', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'torn-down', checkpoint: true });
    const { result, worker } = await executorWorkerOf(cluster, async () => {
      const launched = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
      await fw.waitFor(launched.taskId, 'TASK_RUNNING');
      return launched;
    });
    await cluster.crashAgent(result.agentId);
    const removed = cluster.events.next('master.framework_removed');
    fw.teardown();
    await removed;
    const shutdown = await cluster.system.tapMessages({ type: 'agent.shutdown_framework' });
    const executorExit = nextSystemEvent(cluster.system, 'worker.exit', (e) => e.node === worker);
    await cluster.startAgent(result.agentId);
    assert.is(((await shutdown.next()).message as { frameworkId: string }).frameworkId, fw.frameworkId);
    await executorExit;
    const state = await cluster.state();
    assert.equal(state.frameworks, []);
    assert.equal(state.completedFrameworks.map((f) => f.frameworkId), [fw.frameworkId]);
    assert.equal(state.tasks.map((t) => `${t.state}:${t.reason}`), ['TASK_KILLED:REASON_FRAMEWORK_REMOVED']);
  }));

test('SlaveRecoveryTest.ReconcileTasksMissingFromSlave: an agent restarted without its framework\'s records does not know the task; it says so itself: TASK_DROPPED, SOURCE_AGENT, REASON_RECONCILIATION', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'forgotten', checkpoint: true, partitionAware: true });
    const { result, worker } = await executorWorkerOf(cluster, async () => {
      const launched = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
      await fw.waitFor(launched.taskId, 'TASK_RUNNING');
      return launched;
    });
    await cluster.stopAgent(result.agentId);
    await cluster.system.terminateWorker(worker);
    assert.ok((await deleteRecords(cluster, (key) => key.includes(`/frameworks/${fw.frameworkId}/`))) > 0);
    await cluster.startAgent(result.agentId);
    const dropped = await fw.waitFor(result.taskId, 'TASK_DROPPED');
    assert.is(brief(dropped), 'TASK_DROPPED:SOURCE_AGENT:REASON_RECONCILIATION');
    assert.is(dropped.agentId, result.agentId);
    const state = await cluster.state();
    assert.equal(state.agents[0]!.free, testHost.resources, 'all its resources are offered again');
  }));

test('SlaveRecoveryTest.RegisterDisconnectedSlave: an agent that restarts as a new agent (its checkpoint gone) while the old one is disconnected: the old one is removed, its task TASK_LOST, SOURCE_MASTER, REASON_AGENT_REMOVED', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'started-over', checkpoint: true });
    const lostAgents: string[] = [];
    fw.on('agentLost', (id) => lostAgents.push(id));
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    await cluster.crashAgent(agentId);
    rmSync(join(cluster.workDir, 'host-1', 'meta'), { recursive: true, force: true });
    const removed = cluster.events.next('master.agent_removed');
    const fresh = await cluster.startAgent(agentId);
    assert.ok(fresh.fresh, 'it registered as a new agent');
    assert.is.not(fresh.agentId, agentId);
    const lost = await fw.waitFor(taskId, 'TASK_LOST');
    assert.is(brief(lost), 'TASK_LOST:SOURCE_MASTER:REASON_AGENT_REMOVED');
    assert.is(lost.agentId, agentId);
    assert.equal(await removed, { type: 'master.agent_removed', agentId, reason: 'a new agent registered at the same address' });
    assert.equal(lostAgents, [agentId]);
    assert.equal((await cluster.state()).agents.map((a) => a.agentId), [fresh.agentId]);
  }));

test('SlaveRecoveryTest.ShutdownSlaveSIGUSR1: a shut-down agent unregisters; its task gets exactly one update, TASK_LOST, SOURCE_MASTER, REASON_AGENT_REMOVED', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'sigusr1', checkpoint: true });
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    const seen = recordUpdates(fw);
    const lostAgent = new Promise<string>((resolve) => fw.once('agentLost', resolve));
    const unregistered = await cluster.system.tapMessages({ type: 'master.unregister_agent' });
    const agentWorker = cluster.agentRef(agentId).node;
    await cluster.shutdownAgent(agentId);
    await unregistered.next();
    assert.is(await lostAgent, agentId);
    await fw.waitFor(taskId, 'TASK_LOST');
    await cluster.system.settle();
    assert.equal(seen.map(brief), ['TASK_LOST:SOURCE_MASTER:REASON_AGENT_REMOVED']);
    assert.not.ok(cluster.system.workers().includes(agentWorker), 'the agent is gone');
  }));

test('SlaveRecoveryTest.KillQueuedTaskDuringExecutorRegistration: a kill of a task queued for an executor that has not registered: TASK_KILLED, REASON_TASK_KILLED_DURING_LAUNCH; after a restart the executor is gone', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'queued', checkpoint: true });
    const lostRegistration = await cluster.system.dropMessages({ type: 'agent.register_executor' });
    const { result: launched, worker } = await executorWorkerOf(cluster, async () => {
      const started = cluster.events.next('agent.executor_started');
      const l = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
      await lostRegistration.dropped;
      await started;
      return l;
    });
    fw.kill(launched.taskId);
    const killed = await fw.waitFor(launched.taskId, 'TASK_KILLED');
    assert.is(brief(killed), 'TASK_KILLED:SOURCE_AGENT:REASON_TASK_KILLED_DURING_LAUNCH');
    const executorExit = nextSystemEvent(cluster.system, 'worker.exit', (e) => e.node === worker);
    await cluster.crashAgent(launched.agentId);
    await executorExit;
    const back = await cluster.startAgent(launched.agentId);
    assert.is(back.reconnected, 0);
  }));

test('SlaveRecoveryTest.RebootWithSlaveInfoMismatchAndRestart: a rebooted agent with an incompatible info that restarts before it registers still starts over: agents/latest is gone, a new id', () =>
  withCluster({}, async (cluster) => {
    const [agentId] = cluster.agentIds() as [AgentId];
    const smaller = { resources: { cpus: 2, mem: 512 } };
    const noRegistration = await cluster.system.dropMessages({ type: 'master.register_agent', count: Infinity });
    void cluster.rebootHost(agentId, undefined, smaller).catch(() => undefined);
    await noRegistration.next();
    await cluster.crashAgent(agentId);
    const store = await CheckpointStore.open(join(cluster.workDir, 'host-1'), { takeOverLock: true });
    const checkpoint = await readState(store);
    await store.close();
    assert.is(checkpoint.agent, undefined, 'meta/agents/latest was removed');
    await noRegistration.remove();
    const fresh = await cluster.startAgent(agentId);
    assert.ok(fresh.fresh);
    assert.is.not(fresh.agentId, agentId);
  }));

test('SlaveRecoveryTest.ExecutorDanglingLatestSymlink: an executor whose latest run has no records cannot be recovered; its task is reported lost by the agent; the executor is removed after gcDelayMs', () =>
  withCluster({ agent: { gcDelayMs: 200 } }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'dangling', checkpoint: true });
    const { result, worker } = await executorWorkerOf(cluster, async () => {
      const launched = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000), executor: { executorId: 'dangling' } });
      await fw.waitFor(launched.taskId, 'TASK_RUNNING');
      return launched;
    });
    await cluster.stopAgent(result.agentId);
    await cluster.system.terminateWorker(worker);
    assert.ok((await deleteRecords(cluster, (key) => key.includes('/executors/dangling/runs/') && !key.endsWith('runs/latest'))) > 0);
    const gc = cluster.events.next('agent.executor_removed');
    const back = await cluster.startAgent(result.agentId, { strict: true });
    assert.is(back.reconnected, 0);
    const lost = await fw.waitFor(result.taskId, 'TASK_LOST');
    assert.is(brief(lost), 'TASK_LOST:SOURCE_AGENT:REASON_RECONCILIATION');
    const removed = await gc;
    assert.equal([removed.frameworkId, removed.executorId], [fw.frameworkId, 'dangling']);
    await cluster.stopAgent(result.agentId);
    const checkpoint = await readState(join(cluster.workDir, 'host-1'));
    assert.not.ok(checkpoint.agent!.frameworks.get(fw.frameworkId)?.executors.has('dangling' as never), 'its records are gone');
  }));

test('SlaveRecoveryTest.GCExecutor: an executor whose latest pointer was deleted is garbage-collected after gcDelayMs; all resources are offered again', () =>
  withCluster({ agent: { gcDelayMs: 200 } }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'gc-executor', checkpoint: true });
    const { result, worker } = await executorWorkerOf(cluster, async () => {
      const launched = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000), executor: { executorId: 'gone' } });
      await fw.waitFor(launched.taskId, 'TASK_RUNNING');
      return launched;
    });
    await cluster.crashAgent(result.agentId);
    await cluster.system.terminateWorker(worker);
    assert.is(await deleteRecords(cluster, (key) => key.endsWith('/executors/gone/runs/latest')), 1);
    const gc = cluster.events.next('agent.executor_removed');
    await cluster.startAgent(result.agentId, { strict: false });
    assert.is((await gc).executorId, 'gone');
    await fw.waitFor(result.taskId, 'TASK_LOST');
    const state = await cluster.state();
    assert.equal(state.agents[0]!.free, testHost.resources);
  }));

test('SlaveRecoveryTest.RecoverTaskStatusUpdateManager: an update whose forward was lost before the agent crashed is the first the framework gets after the restart', () =>
  withCluster({ agent: { statusUpdateRetry: { initialMs: 60_000, maxMs: 60_000 } } }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'lost-forward', checkpoint: true });
    const lostForward = await cluster.system.dropMessages({ type: 'master.status_update' });
    const started = cluster.events.next('agent.executor_started');
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await started;
    await lostForward.dropped;
    await cluster.crashAgent(agentId);
    const first = nextUpdate(fw, () => true);
    await cluster.startAgent(agentId);
    assert.is((await first).state, 'TASK_STARTING');
    assert.equal(fw.updatesOf(taskId).map((s) => s.state), ['TASK_STARTING']);
  }));

test('SlaveRecoveryTest.ReconnectExecutor: updates the agent never got are in the executor\'s reregistration, oldest first, and reach the framework', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'reconnect', checkpoint: true });
    const lost = await cluster.system.dropMessages({ type: 'agent.executor_update', count: 2 });
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await lost.dropped;
    await cluster.crashAgent(agentId);
    const reregistration = await cluster.system.tapMessages({ type: 'agent.reregister_executor' });
    const starting = fw.waitFor(taskId, 'TASK_STARTING');
    await cluster.startAgent(agentId);
    const updates = ((await reregistration.next()).message as { updates: TaskStatus[] }).updates;
    assert.equal(updates.map((u) => `${u.taskId}:${u.state}`), [`${taskId}:TASK_STARTING`, `${taskId}:TASK_RUNNING`]);
    await starting;
    await fw.waitFor(taskId, 'TASK_RUNNING');
  }));

test('SlaveRecoveryTest.PingTimeoutDuringRecovery: an agent not yet reregistered after a restart answers pings for longer than the master\'s ping window; reconciliation meanwhile answers TASK_RUNNING', () =>
  withCluster({ master: { agentPingTimeoutMs: 200, maxAgentPingTimeouts: 10 } }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'recovering', checkpoint: true });
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    await cluster.crashAgent(agentId);
    // The agent is held between its executors' reregistration and its own (where Mesos's
    // agent waits out executorReregistrationTimeoutMs; ours reregisters once its executors are back).
    const reregistration = await cluster.system.holdMessages({ type: 'master.reregister_agent', count: Infinity });
    const executorBack = await cluster.system.tapMessages({ type: 'agent.reregister_executor' });
    const pings = await cluster.system.tapMessages({ type: 'agent.ping', to: cluster.agentRef(agentId).name });
    const seen = recordUpdates(fw);
    const back = cluster.startAgent(agentId);
    await executorBack.next();
    await reregistration.next();
    // Answered for longer than the window (10 × 200 ms) that would mark it unreachable.
    for (let i = 0; i < 11; i++) await pings.next();
    fw.reconcile([taskId]);
    const answer = await nextUpdate(fw, (s) => s.reason === 'REASON_RECONCILIATION');
    assert.is(brief(answer), 'TASK_RUNNING:SOURCE_MASTER:REASON_RECONCILIATION');
    assert.equal(seen.filter((s) => s.reason !== 'REASON_RECONCILIATION'), [], 'not marked unreachable');
    await reregistration.release();
    assert.is((await back).reconnected, 1);
  }));

test.run();
