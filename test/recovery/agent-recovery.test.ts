/**
 * Agent recovery, scenario by scenario, named after Mesos's SlaveRecoveryTest where one exists
 * (docs/FIDELITY.md lists them). Every fault is real: agent and executor workers are terminated.
 */
import { existsSync, mkdtempSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type AgentId, LocalCluster, type TaskStatus } from '../../src/index.js';
import type { Launched } from '../../src/scheduler/framework.js';
import { tasksModule } from '../fixtures/tasks.js';
import { sleep } from '../helpers.js';
import { nextSystemEvent } from '../probe.js';

const test = suite<{ cluster: LocalCluster }>('agent recovery');
test.before.each(async (ctx) => {
  // The scenarios restart the agent themselves, at a moment they choose.
  ctx.cluster = await LocalCluster.start({
    agents: 1,
    autoRestartAgents: false,
    agent: { statusUpdateRetry: { initialMs: 200, maxMs: 1_000 }, executorReregistrationTimeoutMs: 1_000 },
  });
});
test.after.each(async (ctx) => {
  await ctx.cluster.stop();
});


test('variant of SlaveRecoveryTest.ReconnectExecutor: a task that finishes while the agent is down is reported after restart, once', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'reconnect', checkpoint: true });
  const dir = mkdtempSync(join(tmpdir(), 'mesolith-mark-'));
  const marker = join(dir, 'finished');
  const markerWritten = new Promise<void>((resolve) => {
    const watcher = watch(dir, () => {
      if (!existsSync(marker)) return;
      watcher.close();
      resolve();
    });
  });
  const short = await fw.launch({ cpus: 0.5, mem: 32, run: { kind: 'js', module: tasksModule, export: 'sleepThenMark', args: { ms: 300, path: marker } } });
  await fw.waitFor(short.taskId, 'TASK_RUNNING');
  const duplicates: TaskStatus[] = [];
  fw.on('duplicate', (s) => duplicates.push(s));
  await cluster.crashAgent(short.agentId);
  await markerWritten;
  rmSync(dir, { recursive: true, force: true });
  const recovery = await cluster.restartAgent(short.agentId);
  assert.is(recovery.agentId, short.agentId, 'the agent keeps its id');
  assert.is(recovery.reconnected, 1);
  const finished = await fw.waitFor(short.taskId, 'TASK_FINISHED');
  assert.is(finished.data, 'woke');
  assert.equal(fw.updatesOf(short.taskId).map((s) => s.state), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'], 'none lost, none twice');
  assert.ok(duplicates.every((d) => d.state !== 'TASK_FINISHED'));
});

test('variant of SlaveRecoveryTest.RecoverTaskStatusUpdateManager: an update checkpointed but not acknowledged is resent after restart, first', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'unacked', checkpoint: true }, { autoAcknowledge: false });
  const { taskId, agentId } = await fw.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) });
  const starting = await fw.waitFor(taskId, 'TASK_STARTING');
  // STARTING is never acknowledged before the crash, so RUNNING stays behind it in the stream.
  await cluster.crashAgent(agentId);
  const resent = new Promise<TaskStatus>((resolve) => fw.once('duplicate', resolve));
  await cluster.restartAgent(agentId);
  const again = await resent;
  assert.is(again.uuid, starting.uuid, 'the oldest unacknowledged update comes first');
  fw.acknowledge(again);
  const running = await fw.waitFor(taskId, 'TASK_RUNNING');
  fw.acknowledge(running);
  fw.kill(taskId);
  fw.acknowledge(await fw.waitFor(taskId, 'TASK_KILLED'));
});

test('SlaveRecoveryTest.KillTask + ReconcileKillTask: after recovery a kill reaches the recovered executor; a kill sent while the agent was down is delivered', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'kills', checkpoint: true });
  const first = await fw.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) });
  const second = await fw.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) });
  await fw.waitFor(first.taskId, 'TASK_RUNNING');
  await fw.waitFor(second.taskId, 'TASK_RUNNING');
  await cluster.crashAgent(first.agentId);
  fw.kill(second.taskId);
  await cluster.restartAgent(first.agentId);
  await fw.waitFor(second.taskId, 'TASK_KILLED');
  fw.kill(first.taskId);
  await fw.waitFor(first.taskId, 'TASK_KILLED');
  const state = await cluster.state();
  for (const agent of state.agents) assert.equal(agent.free, agent.total, 'full resources again');
});

test('SlaveRecoveryTest.RecoverTerminatedExecutor: an executor that died while the agent was down → TASK_LOST, REASON_EXECUTOR_REREGISTRATION_TIMEOUT, noticed at once', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'dead-executor', checkpoint: true });
  const before = new Set(cluster.system.workers());
  const { taskId, agentId } = await fw.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) });
  await fw.waitFor(taskId, 'TASK_RUNNING');
  const executorWorker = cluster.system.workers().find((w) => !before.has(w))!;
  await cluster.crashAgent(agentId);
  await cluster.system.terminateWorker(executorWorker);
  const recovery = await cluster.restartAgent(agentId);
  assert.is(recovery.reconnected, 0);
  assert.ok((recovery.recoveryMs ?? Infinity) < 1_000, `did not wait for the reregistration timeout (${recovery.recoveryMs} ms)`);
  // Mesos's agent reports it once executorReregistrationTimeoutMs has passed; ours sees the executor's end at once (MESOS-7539).
  const lost = await fw.waitFor(taskId, 'TASK_LOST');
  assert.is(lost.reason, 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT');
  assert.is(lost.source, 'SOURCE_AGENT');
  const state = await cluster.state();
  assert.equal(state.agents[0]!.free, state.agents[0]!.total, 'its resources are offered again');
});

test('SlaveRecoveryTest.RemoveNonCheckpointingFramework: its executor does not outlive the agent; the master reports both tasks TASK_LOST, REASON_AGENT_DISCONNECTED, at once', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'ephemeral', checkpoint: false });
  const before = new Set(cluster.system.workers());
  // Two tasks from one offer, as Mesos's test launches them (they share the framework's default executor).
  const [one, other] = (await Promise.all([0, 1].map(() => fw.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) })))) as [Launched, Launched];
  const { taskId, agentId } = one;
  await fw.waitFor(taskId, 'TASK_RUNNING');
  await fw.waitFor(other.taskId, 'TASK_RUNNING');
  const executorWorker = cluster.system.workers().find((w) => !before.has(w))!;
  const executorExit = nextSystemEvent(cluster.system, 'worker.exit', (e) => e.node === executorWorker);
  await cluster.crashAgent(agentId);
  for (const id of [taskId, other.taskId]) {
    const lost = await fw.waitFor(id, 'TASK_LOST');
    assert.equal([lost.source, lost.reason, lost.agentId], ['SOURCE_MASTER', 'REASON_AGENT_DISCONNECTED', agentId]);
  }
  await executorExit;
  assert.not.ok(cluster.system.workers().includes(executorWorker), 'the executor worker is gone');
  const recovery = await cluster.restartAgent(agentId);
  assert.is(recovery.reconnected ?? 0, 0, 'nothing of a non-checkpointing framework is recovered');
});

test('SlaveRecoveryTest.DISABLED_RecoveryTimeout: executors wait recoveryTimeoutMs for their agent, then end; the restarted agent reports their tasks lost', async () => {
  const cluster = await LocalCluster.start({ agents: 1, autoRestartAgents: false, agent: { recoveryTimeoutMs: 200, executorReregistrationTimeoutMs: 1_000 } });
  try {
    const fw = await cluster.registerFramework({ name: 'patient', checkpoint: true });
    const before = new Set(cluster.system.workers());
    const { taskId, agentId } = await fw.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    const executorWorker = cluster.system.workers().find((w) => !before.has(w))!;
    const executorExit = nextSystemEvent(cluster.system, 'worker.exit', (e) => e.node === executorWorker);
    const crashedAt = Date.now();
    await cluster.crashAgent(agentId);
    await executorExit;
    assert.ok(Date.now() - crashedAt >= 200, 'the executor waited its recovery timeout');
    await cluster.restartAgent(agentId);
    const lost = await fw.waitFor(taskId, 'TASK_LOST');
    assert.is(lost.source, 'SOURCE_AGENT');
    assert.is(lost.reason, 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT', 'as any executor that cannot come back (RecoverTerminatedExecutor)');
  } finally {
    await cluster.stop();
  }
});

test('SlaveRecoveryTest.MultipleFrameworks: both frameworks\' executors reconnect; each framework gets the kill of its own task', async ({ cluster }) => {
  const one = await cluster.registerFramework({ name: 'one', checkpoint: true });
  const two = await cluster.registerFramework({ name: 'two', checkpoint: true });
  const a = await one.launch({ taskId: 'same-id', cpus: 1, mem: 512, run: sleep(60_000) });
  const b = await two.launch({ taskId: 'same-id', cpus: 0.5, mem: 64, run: sleep(60_000) });
  await one.waitFor(a.taskId, 'TASK_RUNNING');
  await two.waitFor(b.taskId, 'TASK_RUNNING');
  await cluster.crashAgent(a.agentId);
  const recovery = await cluster.restartAgent(a.agentId);
  assert.is(recovery.reconnected, 2);
  one.kill(a.taskId);
  await one.waitFor(a.taskId, 'TASK_KILLED');
  assert.is(two.updatesOf(b.taskId).at(-1)?.state, 'TASK_RUNNING', 'task ids are per framework: no cross-delivery');
  two.kill(b.taskId);
  await two.waitFor(b.taskId, 'TASK_KILLED');
});

test('SlaveRecoveryTest.RecoverCompletedExecutor: a finished, acknowledged task is not reconnected and reports nothing new', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'completed', checkpoint: true });
  const before = new Set(cluster.system.workers());
  // An executor of its own (Mesos's command executor): it ends only after its task's last
  // update is acknowledged, which is after the framework received STARTING: its worker is still there now.
  const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: { kind: 'js', module: tasksModule, export: 'double', args: { n: 4 } }, executor: {} });
  await fw.waitFor(taskId, 'TASK_STARTING');
  const executorWorker = cluster.system.workers().find((node) => !before.has(node))!;
  const executorExit = nextSystemEvent(cluster.system, 'worker.exit', (e) => e.node === executorWorker);
  await fw.waitFor(taskId, 'TASK_FINISHED');
  await executorExit;
  await cluster.crashAgent(agentId);
  const recovery = await cluster.restartAgent(agentId);
  assert.is(recovery.reconnected, 0);
  assert.is(recovery.agentId, agentId);
  assert.equal(fw.updatesOf(taskId).map((s) => s.state), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
  const state = await cluster.state();
  assert.equal(state.agents[0]!.free, state.agents[0]!.total);
});

test('SlaveRecoveryTest.SchedulerFailover: a new scheduler takes the framework over while the agent is down; the kill result goes to it', async ({ cluster }) => {
  const first = await cluster.registerFramework({ name: 'failover', checkpoint: true });
  const { taskId, agentId } = await first.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) });
  await first.waitFor(taskId, 'TASK_RUNNING');
  await cluster.crashAgent(agentId);
  const replaced = new Promise<Error>((resolve) => first.once('error', resolve));
  const second = await cluster.registerFramework({ name: 'failover', checkpoint: true }, { failoverFrom: first.frameworkId });
  assert.is(second.frameworkId, first.frameworkId);
  assert.match((await replaced).message, /failed over/);
  await cluster.restartAgent(agentId);
  second.kill(taskId);
  await second.waitFor(taskId, 'TASK_KILLED');
  assert.not.ok(first.updatesOf(taskId).some((s) => s.state === 'TASK_KILLED'), 'the old scheduler hears nothing more');
  const unknown = await cluster.registerFramework({ name: 'ghost' }, { failoverFrom: 'framework-404' as never }).catch((e: Error) => e);
  assert.match((unknown as Error).message, /not registered/);
});

test('SlaveRecoveryTest.MasterFailover: agent and master both crash; the new master readmits the agent and learns the task from it', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'master-failover', checkpoint: true });
  const { taskId, agentId } = await fw.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) });
  await fw.waitFor(taskId, 'TASK_RUNNING');
  await cluster.crashAgent(agentId);
  const oldMaster = cluster.master.address;
  await cluster.crashMaster();
  await cluster.restartMaster();
  assert.is.not(cluster.master.address, oldMaster);
  const recovery = await cluster.restartAgent(agentId);
  assert.is(recovery.agentId, agentId, 'readmitted with the same id by the new master');
  assert.is(recovery.reconnected, 1);
  const state = await cluster.state();
  assert.equal(state.tasks.map((t) => `${t.taskId}:${t.state}`), [`${taskId}:TASK_RUNNING`], 'the new master knows the task only from the agent');
  fw.kill(taskId);
  await fw.waitFor(taskId, 'TASK_KILLED');
  const fresh = await fw.launch({ cpus: 0.5, mem: 32, run: { kind: 'js', module: tasksModule, export: 'double', args: { n: 1 } } });
  assert.is(fresh.agentId, agentId, 'offers flow from the new master');
  assert.is((await fw.waitFor(fresh.taskId, 'TASK_FINISHED')).data, 2);
});

test('a master restart alone: running agents reregister with the new master; updates and kills flow again', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'master-only', checkpoint: true });
  const { taskId, agentId } = await fw.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) });
  await fw.waitFor(taskId, 'TASK_RUNNING');
  const reregistered = cluster.events.next('master.agent_reregistered');
  await cluster.crashMaster();
  await cluster.restartMaster();
  assert.equal(await reregistered, { type: 'master.agent_reregistered', agentId, tasks: 1 });
  fw.kill(taskId);
  await fw.waitFor(taskId, 'TASK_KILLED');
});

test('the supervisor restarts a crashed agent, which recovers and keeps its tasks', async () => {
  const cluster = await LocalCluster.start({ agents: 2 });
  try {
    const fw = await cluster.registerFramework({ name: 'supervised', checkpoint: true });
    const { taskId, agentId } = await fw.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    const restarted = nextSystemEvent(cluster.system, 'supervisor.restarted', (e) => e.child.startsWith('host-'));
    const recovered = cluster.nextRecovery(agentId);
    await cluster.crashAgent(agentId);
    const event = await restarted;
    assert.is.not(event.ref, undefined);
    const recovery = await recovered;
    assert.is(recovery.agentId, agentId);
    assert.is(recovery.reconnected, 1);
    const reported = Object.values((await cluster.state()).recoveries);
    assert.is(reported.length, 1, 'state() reports what the recovery did');
    assert.is(reported[0]!.reconnected, 1);
    assert.ok(reported[0]!.phases!.checkpointReadMs >= 0 && reported[0]!.phases!.reregisterMs >= 0);
    fw.kill(taskId);
    await fw.waitFor(taskId, 'TASK_KILLED');
  } finally {
    await cluster.stop();
  }
});

test('an agent that keeps crashing is given up by its own host\'s supervisor; other hosts keep theirs', async () => {
  const cluster = await LocalCluster.start({ agents: 2, agentRestarts: { intensity: { maxRestarts: 2, withinMs: 60_000 } } });
  try {
    const [failing, healthy] = cluster.agentIds() as [AgentId, AgentId];
    for (let crash = 1; crash <= 2; crash++) {
      const restarted = cluster.nextRecovery(failing);
      await cluster.crashAgent(failing);
      await restarted;
    }
    const escalated = nextSystemEvent(cluster.system, 'supervisor.escalated');
    await cluster.crashAgent(failing);
    assert.match((await escalated).supervisor, /^supervisor-host-1@/, 'host-1\'s supervisor gave up, not the root');
    assert.is(await cluster.agentRef(healthy).ask({ type: 'agent.ping' }), 'pong', 'the other host\'s agent runs on');
    const recovered = cluster.nextRecovery(healthy);
    await cluster.crashAgent(healthy);
    assert.is((await recovered).agentId, healthy, 'and is still restarted by its own supervisor');
    const back = await cluster.startAgent(failing);
    assert.is(back.agentId, failing, 'startAgent brings the given-up host back');
  } finally {
    await cluster.stop();
  }
});

test.run();
