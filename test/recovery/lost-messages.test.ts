/**
 * Scenarios that need a protocol message lost (Mesos's tests drop protobufs for these): an
 * executor whose registration never arrives, a launch that never completes, a reregistration
 * lost once, a status update forward lost. Messages are lost with `system.dropMessages`; every
 * other fault is a real worker kill.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tasksModule } from '../fixtures/tasks.js';
import { sleep, testHost, withCluster } from '../helpers.js';
import { nextSystemEvent } from '../probe.js';

const test = suite('lost messages');
const host = testHost;

test('SlaveRecoveryTest.RecoverUnregisteredExecutor: the agent dies before its executor registers; after restart the task is lost (REASON_EXECUTOR_REREGISTRATION_TIMEOUT), the agent keeps its id and all resources', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'unregistered', checkpoint: true });
    const workersBefore = cluster.system.workers().length;
    const lostRegistration = await cluster.system.dropMessages({ type: 'agent.register_executor' });
    const started = cluster.events.next('agent.executor_started');
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await lostRegistration.dropped;
    // Its address is durable: the restarted agent tries to reconnect to it, as Mesos's does.
    await started;
    await cluster.crashAgent(agentId);
    const recovery = await cluster.startAgent(agentId);
    assert.is(recovery.agentId, agentId, 'same agent id');
    // An executor that never registered ends with its agent; the restarted one finds it gone
    // at once, where Mesos's waits executorReregistrationTimeoutMs for it (MESOS-7539).
    const lost = await fw.waitFor(taskId, 'TASK_LOST');
    assert.is(lost.source, 'SOURCE_AGENT');
    assert.is(lost.reason, 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT');
    assert.equal(fw.updatesOf(taskId).map((s) => s.state), ['TASK_LOST'], 'the task never started');
    const state = await cluster.state();
    assert.equal(state.agents.find((a) => a.agentId === agentId)?.free, host.resources, 'the original resources are offered again');
    assert.is(cluster.system.workers().length, workersBefore, 'no executor worker left behind');
  }));

test('SlaveRecoveryTest.RestartBeforeContainerizerLaunch: the agent dies while its executor launch is pending; after restart the task fails EXECUTOR_TERMINATED', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'never-launched', checkpoint: true });
    const workersBefore = cluster.system.workers().length;
    // The launch request is sent only once the run and task records are durable.
    const lostLaunch = await cluster.system.dropMessages({ type: 'launcher.launch' });
    const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    await lostLaunch.dropped;
    await cluster.crashAgent(agentId);
    const recovery = await cluster.startAgent(agentId);
    assert.is(recovery.agentId, agentId);
    assert.is(recovery.reconnected, 0);
    const failed = await fw.waitFor(taskId, 'TASK_FAILED');
    assert.is(failed.source, 'SOURCE_AGENT');
    assert.is(failed.reason, 'REASON_EXECUTOR_TERMINATED');
    assert.is(cluster.system.workers().length, workersBefore, 'no executor was ever started');
  }));

test('SlaveRecoveryTest.ReconnectExecutorRetry: the first reregistration is lost; the reconnect is resent after one interval and the executor is back', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'retry', checkpoint: true });
    const { taskId, agentId } = await fw.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    await cluster.crashAgent(agentId);
    const lostReregistration = await cluster.system.dropMessages({ type: 'agent.reregister_executor' });
    const started = Date.now();
    const recovery = await cluster.startAgent(agentId, { executorReregistrationRetryIntervalMs: 400, executorReregistrationTimeoutMs: 10_000 });
    assert.is((await lostReregistration.dropped).length, 1);
    assert.ok(Date.now() - started >= 400, 'back only after one retry interval');
    assert.ok(Date.now() - started < 10_000, 'not by the reregistration timeout');
    assert.is(recovery.reconnected, 1);
    assert.is(recovery.reconnectRetries, 1, 'exactly one extra reconnect');
    assert.is(recovery.destroyed, 0);
    fw.kill(taskId);
    await fw.waitFor(taskId, 'TASK_KILLED');
  }));

test('variant of SlaveRecoveryTest.ReconnectExecutorRetry: with retries every millisecond, a duplicate reregistration is ignored', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'retry-often', checkpoint: true });
    const { taskId, agentId } = await fw.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    await cluster.crashAgent(agentId);
    const recovery = await cluster.startAgent(agentId, { executorReregistrationRetryIntervalMs: 1, executorReregistrationTimeoutMs: 5_000 });
    assert.is(recovery.reconnected, 1, 'counted once, however many times it answered');
    fw.kill(taskId);
    await fw.waitFor(taskId, 'TASK_KILLED');
  }));

test('an executor whose registration is lost is destroyed after executorRegistrationTimeoutMs; its task fails with that reason', () =>
  withCluster({ agent: { executorRegistrationTimeoutMs: 300 } }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'registration-timeout' });
    const workersBefore = cluster.system.workers().length;
    await cluster.system.dropMessages({ type: 'agent.register_executor' });
    const started = Date.now();
    const { taskId } = await fw.launch({ cpus: 1, mem: 64, run: sleep(60_000) });
    const failed = await fw.waitFor(taskId, 'TASK_FAILED');
    assert.ok(Date.now() - started >= 300);
    assert.is(failed.reason, 'REASON_EXECUTOR_REGISTRATION_TIMEOUT');
    assert.is(failed.source, 'SOURCE_AGENT');
    while (cluster.system.workers().length > workersBefore) await new Promise((resolve) => cluster.system.events.once('worker.exit', resolve));
  }));

test('variant of SlaveRecoveryTest.DISABLED_RecoveryTimeout, a hung executor: one that does not end itself is destroyed when its agent has been away recoveryTimeoutMs', () =>
  withCluster({ agent: { recoveryTimeoutMs: 500 } }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'hung', checkpoint: true });
    const before = new Set(cluster.system.workers());
    const { taskId, agentId } = await fw.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    const executorWorker = cluster.system.workers().find((w) => !before.has(w))!;
    // A shared worker ends once its last executor is gone, just after the destruction is reported.
    const executorExit = nextSystemEvent(cluster.system, 'worker.exit', (e) => e.node === executorWorker);
    // The executor's own recovery timer never fires: it stands for task code that hangs it.
    const hung = await cluster.system.dropMessages({ type: 'executor.recovery_timeout' });
    const destroyed = cluster.events.next('launcher.executor_destroyed');
    const started = Date.now();
    await cluster.crashAgent(agentId);
    const event = await destroyed;
    assert.ok(Date.now() - started >= 500, 'not before the recovery timeout');
    assert.is(event.reason, 'its agent did not come back within recoveryTimeoutMs');
    // Whichever timer fires first, the executor's (lost) or the launcher's, it is gone now.
    await hung.remove();
    await executorExit;
    assert.not.ok(cluster.system.workers().includes(executorWorker), 'the executor\'s worker is gone');
    const recovery = await cluster.startAgent(agentId);
    assert.is(recovery.reconnected, 0);
    assert.is((await fw.waitFor(taskId, 'TASK_LOST')).reason, 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT');
  }));

test('a status update whose forward to the master is lost is resent by the status update manager, and reported once', () =>
  withCluster({ agent: { statusUpdateRetry: { initialMs: 200, maxMs: 1_000 } } }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'lost-forward' });
    const lostForward = await cluster.system.dropMessages({ type: 'master.status_update' });
    const { taskId } = await fw.launch({ cpus: 0.5, mem: 32, run: { kind: 'js', module: tasksModule, export: 'double', args: { n: 2 } } });
    const finished = await fw.waitFor(taskId, 'TASK_FINISHED');
    assert.is(finished.data, 4);
    assert.is((await lostForward.dropped)[0]!.messageType, 'master.status_update');
    assert.equal(fw.updatesOf(taskId).map((s) => s.state), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'], 'in order, none twice');
  }));

test.run();
