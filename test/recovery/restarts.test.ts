/**
 * Restarts that change something: host reboots, reconfiguration, strict / non-strict recovery
 * from a corrupt checkpoint, cleanup, and an upgrade under load. Named after Mesos's
 * SlaveRecoveryTest scenarios where one exists.
 */
import { join } from 'node:path';
import { open } from 'lmdb';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type AgentId, CheckpointStore, LocalCluster, readState } from '../../src/index.js';
import { fixture } from '../fixtures/behaviours.js';
import { tasksModule } from '../fixtures/tasks.js';
import { sleep, testHost, withCluster } from '../helpers.js';
import { nextSystemEvent } from '../probe.js';

const test = suite('agent restarts');
const host = testHost;

test('SlaveRecoveryTest.Reboot: the agent keeps its id, its executors are gone, its tasks end TASK_FAILED', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'reboot', checkpoint: true });
    const before = new Set(cluster.system.workers());
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    const executorWorker = cluster.system.workers().find((w) => !before.has(w))!;
    const recovery = await cluster.rebootHost(agentId);
    assert.is(recovery.agentId, agentId, 'same agent id after a reboot with the same info');
    assert.ok(recovery.rebooted);
    assert.not.ok(cluster.system.workers().includes(executorWorker), 'the reboot took the executor');
    const failed = await fw.waitFor(taskId, 'TASK_FAILED');
    assert.is(failed.reason, 'REASON_EXECUTOR_TERMINATED');
    const state = await cluster.state();
    assert.equal(state.agents.find((a) => a.agentId === agentId)?.free, host.resources, 'full resources offered again');
  }));

test('SlaveRecoveryTest.RebootWithSlaveInfoMismatch: after a reboot with fewer resources the agent registers as a new agent', () =>
  withCluster({}, async (cluster) => {
    const [agentId] = cluster.agentIds();
    const recovery = await cluster.rebootHost(agentId!, undefined, { resources: { cpus: 2, mem: 512 } });
    assert.ok(recovery.fresh);
    assert.is.not(recovery.agentId, agentId);
    const state = await cluster.state();
    assert.ok(state.agents.some((a) => a.agentId === recovery.agentId && a.total.cpus === 2));
  }));

test('SlaveRecoveryTest.AgentReconfigurationWithRunningTask: an additive change keeps the id and the task; an incompatible one is refused', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'reconfigure', checkpoint: true });
    const { taskId, agentId } = await fw.launch({ cpus: 3, mem: 64, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    const grown = await cluster.restartAgent(agentId, { reconfigurationPolicy: 'additive' }, { resources: { cpus: 10, mem: 1_024 } });
    assert.is(grown.agentId, agentId);
    assert.is(grown.reconnected, 1);
    let state = await cluster.state();
    assert.equal(state.agents[0]!.free, { cpus: 7, mem: 960 }, 'new total minus the running task');
    const refused = await cluster
      .restartAgent(agentId, { reconfigurationPolicy: 'equal' }, { resources: { cpus: 8, mem: 1_024 } })
      .catch((error: Error & { code?: string }) => error);
    assert.instance(refused, Error);
    assert.is((refused as { code?: string }).code, 'ERR_AGENT_INCOMPATIBLE');
    assert.match((refused as Error).message, /cpus 10 → 8.*[Dd]rain/);
    const back = await cluster.startAgent(agentId, undefined, { resources: { cpus: 10, mem: 1_024 } });
    assert.is(back.agentId, agentId, 'started again with the previous configuration');
    fw.kill(taskId);
    await fw.waitFor(taskId, 'TASK_KILLED');
    state = await cluster.state();
    assert.equal(state.agents[0]!.free, { cpus: 10, mem: 1_024 });
  }));

test('strict recovery refuses a corrupt checkpoint naming the key; non-strict skips the record and recovers the rest', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'corrupt', checkpoint: true });
    const victim = await fw.launch({ taskId: 'victim', cpus: 0.5, mem: 32, run: sleep(60_000), executor: { executorId: 'shared-exec' as never } });
    const survivor = await fw.launch({ taskId: 'survivor', cpus: 0.5, mem: 32, run: sleep(60_000), executor: { executorId: 'shared-exec' as never } });
    await fw.waitFor(victim.taskId, 'TASK_RUNNING');
    await fw.waitFor(survivor.taskId, 'TASK_RUNNING');
    const agentId = victim.agentId as AgentId;
    await cluster.stopAgent(agentId);
    // Flip a byte of the victim's task.info, as a disk fault would.
    const root = open({ path: join(cluster.workDir, 'host-1', 'meta', 'checkpoint.mdb'), noSubdir: true });
    const db = root.openDB<Buffer, string>({ name: 'records', encoding: 'binary' });
    const key = [...db.getKeys({ start: 'meta/agents/', end: 'meta/agents/\uffff' })].find((k) => k.endsWith('tasks/victim/task.info'))!;
    assert.ok(key, 'the victim has a task.info record');
    const value = Buffer.from(db.get(key)!);
    value[value.length - 2]! ^= 0xff;
    await db.put(key, value);
    await root.close();
    const strict = await cluster.startAgent(agentId, { strict: true }).catch((error: Error & { key?: string }) => error);
    assert.is((strict as { key?: string }).key, key);
    assert.match((strict as Error).message, /checksum mismatch/);
    const lenient = await cluster.startAgent(agentId, { strict: false });
    assert.is(lenient.agentId, agentId);
    assert.is(lenient.checkpointErrors, 1);
    // What was skipped is gone from disk: a strict restart now finds nothing corrupt, nor the victim.
    await cluster.stopAgent(agentId);
    const strictAgain = await cluster.startAgent(agentId, { strict: true });
    assert.is(strictAgain.checkpointErrors, 0);
    fw.kill(survivor.taskId);
    await fw.waitFor(survivor.taskId, 'TASK_KILLED');
  }));

test('SlaveRecoveryTest.CleanupExecutor: recover=cleanup kills the old executors and never registers; the master then marks the agent unreachable', () =>
  withCluster({ master: { agentPingTimeoutMs: 100, maxAgentPingTimeouts: 3 } }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'cleanup', checkpoint: true });
    const before = new Set(cluster.system.workers());
    const { taskId, agentId } = await fw.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    const executorWorker = cluster.system.workers().find((w) => !before.has(w))!;
    const executorExit = nextSystemEvent(cluster.system, 'worker.exit', (e) => e.node === executorWorker);
    const cleanedUp = cluster.events.next('agent.cleaned_up');
    await cluster.stopAgent(agentId);
    void cluster.startAgent(agentId, { recover: 'cleanup' }).catch(() => undefined);
    assert.equal(await cleanedUp, { type: 'agent.cleaned_up', hostId: 'host-1', agentId, destroyed: 1 });
    await executorExit;
    const lost = await fw.waitFor(taskId, 'TASK_LOST', { timeoutMs: 10_000 });
    assert.is(lost.source, 'SOURCE_MASTER');
    assert.is(lost.reason, 'REASON_AGENT_REMOVED');
  }));

test('SlaveRecoveryTest.MultipleSlaves: two agents crash and recover independently, each with its own executor and id', () =>
  withCluster({ agents: [host, host] }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'two-agents', checkpoint: true });
    const launched = await Promise.all([0, 1].map(() => fw.launch({ cpus: 3, mem: 64, run: sleep(60_000) })));
    assert.is(new Set(launched.map((l) => l.agentId)).size, 2, 'one task per agent');
    await Promise.all(launched.map((l) => fw.waitFor(l.taskId, 'TASK_RUNNING')));
    await Promise.all(launched.map((l) => cluster.crashAgent(l.agentId)));
    const recoveries = await Promise.all(launched.map((l) => cluster.startAgent(l.agentId)));
    assert.equal(recoveries.map((r) => [r.agentId, r.reconnected]), launched.map((l) => [l.agentId, 1]));
    for (const l of launched) fw.kill(l.taskId);
    await Promise.all(launched.map((l) => fw.waitFor(l.taskId, 'TASK_KILLED')));
  }));

test('upgrade: restartAgent with new flags while 1,000 tasks run; all are reconnected and then killed', () =>
  withCluster({ agents: [{ resources: { cpus: 1_000, mem: 100_000 } }], agent: { executorShutdownGracePeriodMs: 50, executorPoolThreads: 2 } }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'upgrade', checkpoint: true });
    const launched = await Promise.all(
      Array.from({ length: 1_000 }, (_, n) =>
        fw.launch({ cpus: 0.1, mem: 1, run: sleep(600_000), executor: { executorId: `e${n % 10}` as never, isolation: 'shared' } }),
      ),
    );
    await Promise.all(launched.map((l) => fw.waitFor(l.taskId, 'TASK_RUNNING', { timeoutMs: 60_000 })));
    const recovery = await cluster.restartAgent(launched[0]!.agentId, { statusUpdateRetry: { initialMs: 1_000, maxMs: 10_000 } });
    assert.is(recovery.reconnected, 10);
    assert.is(recovery.lost, 0);
    for (const l of launched) fw.kill(l.taskId);
    await Promise.all(launched.map((l) => fw.waitFor(l.taskId, 'TASK_KILLED', { timeoutMs: 60_000 })));
    const state = await cluster.state();
    assert.is(state.tasks.filter((t) => t.state === 'TASK_KILLED').length, 1_000);
  }));

test('variant of SlaveRecoveryTest.GCExecutor: a finished executor run is removed from the checkpoint after gcDelayMs', () =>
  withCluster({ agent: { gcDelayMs: 50 } }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'gc', checkpoint: true });
    const removed = cluster.events.next('agent.run_removed');
    const { taskId, agentId } = await fw.launch({ cpus: 0.5, mem: 32, run: { kind: 'js', module: tasksModule, export: 'double', args: { n: 3 } }, executor: {} });
    await fw.waitFor(taskId, 'TASK_FINISHED');
    const event = await removed;
    assert.is(event.executorId, taskId, 'an executor of its own bears its task\'s id (as Mesos\'s command executor)');
    assert.is(event.records, 4, 'the run\'s pid, executor.sentinel, task.info and task.updates');
    await cluster.stopAgent(agentId);
    const state = await readState(join(cluster.workDir, 'host-1'));
    const executor = [...state.agent!.frameworks.values()][0]!.executors.get(taskId as never)!;
    assert.is(executor.runs.size, 0, 'the run is gone from disk');
  }));

test("an executor of a checkpointing framework that dies with no task left is recorded as ended (its sentinel), not reconnected to after a restart", () =>
  withCluster({ agent: { executorIdleTimeoutMs: 600_000 } }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'idle', checkpoint: true });
    const { taskId, agentId } = await fw.launch({ cpus: 0.5, mem: 32, run: { kind: 'js', module: tasksModule, export: 'double', args: { n: 3 } }, executor: { executorId: 'kept' as never, isolation: 'worker' } });
    await fw.waitFor(taskId, 'TASK_FINISHED');
    let snapshot = await cluster.agentState(agentId);
    // The task leaves the agent once its end is acknowledged: the executor is then the framework's last tie there.
    while (snapshot.unacknowledgedUpdates > 0 || snapshot.executors.some((e) => e.tasks > 0)) snapshot = await cluster.agentState(agentId);
    let executors = snapshot.executors;
    const address = executors.find((e) => e.executorId === 'kept')!.address!;
    await cluster.system.terminateWorker(address.split('@')[1] as never);
    while (executors.length > 0) executors = (await cluster.agentState(agentId)).executors;
    await cluster.stopAgent(agentId);
    const state = await readState(join(cluster.workDir, 'host-1'));
    const runs = [...[...state.agent!.frameworks.values()][0]!.executors.get('kept' as never)!.runs.values()];
    assert.equal(runs.map((run) => run.completed), [true]);
  }));

test('variant of SlaveRecoveryTest.PingTimeoutDuringRecovery: a recovering agent answers pings; an executor that ignores the reconnect is destroyed after the timeout, its task TASK_LOST, REASON_EXECUTOR_REREGISTRATION_TIMEOUT', () =>
  // The master's window (3 × 300 ms) is shorter than the agent's reregistration timeout
  // (1.5 s), as in Mesos's test: only an agent that answers pings while it waits survives it.
  withCluster({ master: { agentPingTimeoutMs: 300, maxAgentPingTimeouts: 3 } }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'silent', checkpoint: true });
    const { taskId, agentId } = await fw.launch({ cpus: 0.5, mem: 32, run: sleep(60_000), executor: {} });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    const silent = await cluster.system.spawn({ module: fixture, export: 'silent' }, { worker: 'new' });
    await cluster.stopAgent(agentId);
    // The run's recorded executor address now names an actor that never answers.
    const store = await CheckpointStore.open(join(cluster.workDir, 'host-1'), { takeOverLock: true });
    const recorded = await readState(store);
    const executor = [...recorded.agent!.frameworks.values()][0]!.executors.get(taskId as never)!;
    const run = { agentId: recorded.agent!.id, frameworkId: [...recorded.agent!.frameworks.keys()][0]!, executorId: executor.id, runId: executor.latestRunId! };
    await store.write({ type: 'run', run, pid: { workerId: silent.node, startedAt: Date.now(), address: silent.address } });
    await store.close();
    const started = Date.now();
    const recovery = await cluster.startAgent(agentId, { executorReregistrationTimeoutMs: 1_500 });
    assert.ok(Date.now() - started >= 1_500, 'recovery waited for the reregistration timeout');
    assert.is(recovery.destroyed, 1);
    const lost = await fw.waitFor(taskId, 'TASK_LOST');
    assert.is(lost.source, 'SOURCE_AGENT', 'not the master: the agent answered its pings while recovering');
    assert.is(lost.reason, 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT');
    assert.not.ok(fw.updatesOf(taskId).some((s) => s.source === 'SOURCE_MASTER'), 'never marked unreachable');
  }));

test('SlaveRecoveryTest.RecoverSlaveState + NonCheckpointingFramework: what is on disk is what recovery needs, and only for checkpointing frameworks', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'state', checkpoint: true });
    const plain = await cluster.registerFramework({ name: 'plain' });
    const { taskId, agentId, executorId } = await fw.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) });
    const other = await plain.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    await plain.waitFor(other.taskId, 'TASK_RUNNING');
    const starting = fw.updatesOf(taskId)[0]!;
    await cluster.stopAgent(agentId);
    const state = await readState(join(cluster.workDir, 'host-1'));
    assert.is(state.agent!.id, agentId, 'the agent id is the one offers named');
    assert.ok(state.agent!.frameworks.has(fw.frameworkId), 'the checkpointing framework is recorded');
    assert.not.ok(state.agent!.frameworks.has(plain.frameworkId), 'the non-checkpointing one is not');
    const framework = state.agent!.frameworks.get(fw.frameworkId)!;
    assert.is(framework.info!.name, 'state');
    const executor = framework.executors.get(executorId as never)!;
    const run = executor.runs.get(executor.latestRunId!)!;
    assert.ok(run.pid?.address, 'the latest run holds the executor\'s address');
    const task = run.tasks.get(taskId)!;
    assert.is(task.info!.name, taskId);
    assert.ok(task.updates.length >= 1);
    assert.is(task.updates[0]!.uuid, starting.uuid, 'the first update on disk is the one the framework got');
    assert.ok(task.acks.has(starting.uuid), 'and its acknowledgement is on disk');
    const recovered = await cluster.startAgent(agentId);
    assert.is(recovered.reconnected, 1, 'only the checkpointing framework\'s executor came back');
    fw.kill(taskId);
    await fw.waitFor(taskId, 'TASK_KILLED');
  }));

test('SlaveRecoveryTest.RebootWithExecutorPidReused: after a reboot the recorded executor address is not trusted: never contacted, never killed', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'pid-reused', checkpoint: true });
    const { taskId, agentId, executorId } = await fw.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    await cluster.crashAgent(agentId);
    // While the host is down, the run's recorded address comes to name an unrelated live actor.
    const bystander = await cluster.system.spawn({ module: fixture, export: 'recorder' }, { worker: 'new' });
    const store = await CheckpointStore.open(join(cluster.workDir, 'host-1'), { takeOverLock: true });
    const recorded = await readState(store);
    const frameworkId = [...recorded.agent!.frameworks.keys()][0]!;
    const executor = recorded.agent!.frameworks.get(frameworkId)!.executors.get(executorId as never)!;
    const run = { agentId: recorded.agent!.id, frameworkId, executorId: executor.id, runId: executor.latestRunId! };
    await store.write({ type: 'run', run, pid: { workerId: bystander.node, startedAt: Date.now(), address: bystander.address } });
    await store.close();
    const recovery = await cluster.rebootHost(agentId);
    assert.is(recovery.agentId, agentId);
    assert.is(recovery.reconnected, 0);
    const failed = await fw.waitFor(taskId, 'TASK_FAILED');
    assert.is(failed.reason, 'REASON_EXECUTOR_TERMINATED');
    assert.equal(await bystander.ask({ type: 'dump' }), [], 'the unrelated actor was neither asked to reconnect nor killed');
  }));

test('SlaveRecoveryTest.ShutdownSlave: a shut-down agent is removed at once (its task TASK_LOST, REASON_AGENT_REMOVED); started again it rejoins with the same id and all its resources', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'shutdown', checkpoint: true });
    const workersBefore = new Set(cluster.system.workers());
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    const executorWorker = cluster.system.workers().find((w) => !workersBefore.has(w))!;
    const removed = cluster.events.next('master.agent_removed');
    const agentWorker = cluster.agentRef(agentId).node;
    await cluster.shutdownAgent(agentId);
    assert.not.ok(cluster.system.workers().includes(agentWorker), 'the agent\'s worker is ended, not left empty');
    assert.equal(await removed, { type: 'master.agent_removed', agentId, reason: 'the agent was shut down' });
    const ended = await fw.waitFor(taskId, 'TASK_LOST');
    assert.equal([ended.source, ended.reason], ['SOURCE_MASTER', 'REASON_AGENT_REMOVED']);
    assert.equal(fw.updatesOf(taskId).map((s) => s.state), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_LOST'], 'no update of the agent\'s own');
    assert.equal((await cluster.state()).agents, [], 'the master removed the agent');
    while (cluster.system.workers().includes(executorWorker)) await new Promise((resolve) => cluster.system.events.once('worker.exit', resolve));
    const back = await cluster.startAgent(agentId);
    assert.is(back.agentId, agentId, 'the same id');
    const state = await cluster.state();
    assert.equal(state.agents.map((a) => [a.agentId, a.free]), [[agentId, host.resources]], 'readmitted, with all its resources');
  }));

test('reservations: reserved resources are offered only to their role; unreserve gives them back', () =>
  withCluster({}, async (cluster) => {
    const analytics = await cluster.registerFramework({ name: 'analytics', role: 'analytics' }, { offers: 'manual' });
    const first = await analytics.nextOffer();
    await analytics.reserve(first.offerId, { cpus: 3, mem: 512 });
    const again = await analytics.nextOffer();
    assert.equal(again.reserved, { cpus: 3, mem: 512 }, 'its role is offered the reservation');
    assert.equal(again.resources, host.resources, 'and the unreserved rest');
    assert.equal((await cluster.state()).agents[0]!.reserved, { analytics: { cpus: 3, mem: 512 } });
    const web = await cluster.registerFramework({ name: 'web', role: 'web' }, { offers: 'manual' });
    analytics.decline(again.offerId, 60_000);
    const forWeb = await web.nextOffer();
    assert.is(forWeb.reserved, undefined);
    assert.equal(forWeb.resources, { cpus: 1, mem: 512 }, 'another role is offered only the unreserved part');
    const refused = await web.reserve(forWeb.offerId, { cpus: 2, mem: 0 }).catch((e: Error) => e);
    assert.match((refused as Error).message, /cannot reserve cpus 2, mem 0 for role web: the offer has cpus 1, mem 512 unreserved/);
    await web.nextOffer();
    analytics.revive();
    const reservedOnly = await analytics.nextOffer();
    assert.equal(reservedOnly.resources, { cpus: 3, mem: 512 }, 'web holds the rest; analytics still gets its reservation');
    await analytics.unreserve(reservedOnly.offerId, { cpus: 3, mem: 512 });
    assert.equal((await cluster.state()).agents[0]!.reserved, {});
  }));

test('SlaveRecoveryTest.CheckpointedResources: a reservation the agent missed is kept by the master and sent again when the agent reregisters', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'reserver', role: 'foo' }, { offers: 'manual' });
    const offer = await fw.nextOffer();
    const lost = await cluster.system.dropMessages({ type: 'agent.checkpoint_resources' });
    await fw.reserve(offer.offerId, offer.resources);
    await lost.dropped;
    await cluster.crashAgent(offer.agentId);
    const checkpointed = cluster.events.next('agent.resources_checkpointed');
    await cluster.startAgent(offer.agentId);
    // The restarted agent reported no reservation (it never wrote one); the master's view wins.
    assert.equal(await checkpointed, { type: 'agent.resources_checkpointed', hostId: 'host-1', reservations: { foo: host.resources } });
    const after = await fw.nextOffer();
    assert.equal(after.reserved, host.resources, 'the next offer is the reserved resources');
    await cluster.stopAgent(offer.agentId);
    assert.equal((await readState(join(cluster.workDir, 'host-1'))).reservations, { foo: host.resources }, 'now on disk');
  }));

test('IncompatibleCheckpointedResources: after a reboot with fewer resources than reserved, the agent refuses to start; no new agent', () =>
  withCluster({ agents: [{ resources: { cpus: 8, mem: 4_096 } }] }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'reserver', role: 'role' }, { offers: 'manual' });
    const offer = await fw.nextOffer();
    const checkpointed = cluster.events.next('agent.resources_checkpointed');
    await fw.reserve(offer.offerId, { cpus: 8, mem: 2_048 });
    await checkpointed;
    const refused = await cluster.rebootHost(offer.agentId, undefined, { resources: { cpus: 4, mem: 2_048 } }).catch((e: Error & { code?: string }) => e);
    assert.is((refused as { code?: string }).code, 'ERR_AGENT_INCOMPATIBLE');
    assert.match((refused as Error).message, /checkpointed resources do not fit.*role: cpus 8, mem 2048.*configured are cpus 4, mem 2048/);
    const state = await cluster.state();
    assert.is(state.agents.length, 1, 'no new agent registered');
    const back = await cluster.startAgent(offer.agentId, undefined, { resources: { cpus: 8, mem: 4_096 } });
    assert.is(back.agentId, offer.agentId, 'with its resources back it recovers as itself');
  }));

test('a restart whose setup times out (its directory ask lost) is tried again in a new worker; startRetries says why', () =>
  withCluster({ system: { askTimeoutMs: 1_000 } }, async (cluster) => {
    const [agentId] = cluster.agentIds();
    const first = cluster.agentRef(agentId!).node;
    const lost = await cluster.system.dropMessages({ type: 'directory.master', count: 1 });
    const recovery = await cluster.restartAgent(agentId!);
    await lost.dropped;
    assert.is(recovery.agentId, agentId);
    assert.is(recovery.startRetries?.length, 1);
    assert.match(recovery.startRetries![0]!, /ask to directory@main timed out after 1000 ms/);
    const now = cluster.agentRef(agentId!).node;
    assert.is.not(now, first);
    assert.ok(cluster.system.workers().includes(now));
    assert.is((await cluster.agentState(agentId!)).registration, 'admitted');
  }));

test('invalid cluster options and agent flags fail before anything starts, naming the key', async () => {
  const bad = await LocalCluster.start({ agent: { executorReregistrationTimeoutMs: -1 } }).catch((e: Error & { code?: string }) => e);
  assert.is((bad as { code?: string }).code, 'ERR_INVALID_OPTIONS');
  assert.match((bad as Error).message, /agent\.executorReregistrationTimeoutMs/);
  const typo = await LocalCluster.start({ agent: { recover: 'reconect' as never } }).catch((e: Error) => e);
  assert.match((typo as Error).message, /agent\.recover/);
  await withCluster({}, async (cluster) => {
    const [agentId] = cluster.agentIds();
    const refused = await cluster.restartAgent(agentId!, { strict: 'yes' as never }).catch((e: Error) => e);
    assert.match((refused as Error).message, /strict/);
    assert.is((await cluster.state()).agents.length, 1, 'the running agent was left alone');
  });
});

test.run();
