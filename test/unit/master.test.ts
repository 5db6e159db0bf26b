/**
 * The master's rules for agents that go away and come back, without workers: registration and
 * its deduplication, the registry written first, disconnection, unreachability, removal,
 * reregistration (known, unreachable, after a master failover), reconciliation and kills of
 * tasks it does not know, registry GC. Each rule is Mesos's master (master.cpp at
 * c1b42f79d157aa900be5cbb0c1023f1479962aa7), as docs/FIDELITY.md lists.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MasterRegistry } from '../../src/master/registry.js';
import type { AgentId, FrameworkId, TaskId } from '../../src/index.js';
import { FakePeer, MasterHarness, brief, updatesTo } from './master-harness.js';

const test = suite('master: agents that go away and come back');
const running = (taskId: string, frameworkId: FrameworkId, state: 'TASK_RUNNING' | 'TASK_FINISHED' = 'TASK_RUNNING') => ({ taskId: taskId as TaskId, frameworkId, state, resources: { cpus: 1, mem: 64 } });

/** A master with one agent, one framework (checkpointing unless said) and a running task. */
async function withTask(options: { partitionAware?: boolean; checkpoint?: boolean } = {}) {
  const h = new MasterHarness();
  const agent = await h.registerAgent('host-a');
  const fw = await h.registerFramework({ checkpoint: options.checkpoint ?? true, partitionAware: options.partitionAware ?? false });
  const { taskId } = await h.launch(fw.scheduler, 't1');
  h.update(agent.peer, agent.agentId, fw.frameworkId, taskId, 'TASK_RUNNING');
  updatesTo(fw.scheduler);
  return { h, agent, fw, taskId };
}

test('registration: admitted once written; a retry from the same connected agent gets its id again', async () => {
  const h = new MasterHarness();
  const peer = h.newAgent();
  const info = { hostname: 'host-a', resources: { cpus: 4, mem: 1_024 }, attributes: {} };
  h.send({ type: 'master.register_agent', agent: peer, info, reservations: {} });
  assert.equal(h.state().agents, [], 'not admitted before the registry answers (Mesos AdmitSlave first)');
  await h.pump();
  const [first] = peer.take('agent.registered');
  h.send({ type: 'master.register_agent', agent: peer, info, reservations: {} });
  await h.pump();
  const [again] = peer.take('agent.registered');
  assert.is(again!.agentId, first!.agentId);
  assert.is(h.state().agents.length, 1, 'no second agent');
});

test('SlaveRecoveryTest.RegisterDisconnectedSlave: a registration from the host of a disconnected agent removes it; its tasks TASK_LOST, SOURCE_MASTER, REASON_AGENT_REMOVED', async () => {
  const { h, agent, fw, taskId } = await withTask({ partitionAware: true });
  h.master.down(agent.peer.address, false);
  const restarted = h.newAgent();
  h.send({ type: 'master.register_agent', agent: restarted, info: agent.info, reservations: {} });
  await h.pump();
  const [lost] = updatesTo(fw.scheduler);
  assert.is(brief(lost!), `${taskId}:TASK_LOST:SOURCE_MASTER:REASON_AGENT_REMOVED`, 'TASK_LOST even for a partition-aware framework');
  assert.is(lost!.agentId, agent.agentId);
  assert.equal(fw.scheduler.of('scheduler.agent_lost').map((m) => m.agentId), [agent.agentId]);
  const [registered] = restarted.of('agent.registered');
  assert.is.not(registered!.agentId, agent.agentId, 'a new agent');
  assert.equal(h.state().agents.map((a) => a.agentId), [registered!.agentId]);
  assert.ok(h.events.some((e) => e.type === 'master.agent_removed' && e.agentId === agent.agentId));
  h.update(agent.peer, agent.agentId, fw.frameworkId, taskId, 'TASK_FINISHED');
  assert.equal(updatesTo(fw.scheduler), [], 'the removed agent\'s updates are dropped');
});

test('status updates: dropped from an agent that is not registered, and from a sender that is not the agent', async () => {
  const { h, agent, fw, taskId } = await withTask();
  h.update(agent.peer, agent.agentId, fw.frameworkId, taskId, 'TASK_RUNNING', 'forged', { address: 'impostor@w9' });
  h.update(agent.peer, 'agent-404' as AgentId, fw.frameworkId, taskId, 'TASK_RUNNING', 'unknown');
  assert.equal(updatesTo(fw.scheduler), []);
  h.update(agent.peer, agent.agentId, fw.frameworkId, taskId, 'TASK_FINISHED', 'real');
  const [forwarded] = updatesTo(fw.scheduler);
  assert.is(forwarded!.uuid, 'real');
  assert.is(forwarded!.agentId, agent.agentId);
});

test('disconnection: a non-checkpointing framework\'s tasks TASK_LOST, REASON_AGENT_DISCONNECTED at once; a checkpointing one waits', async () => {
  const h = new MasterHarness();
  const agent = await h.registerAgent('host-a');
  const plain = await h.registerFramework({ checkpoint: false });
  const kept = await h.registerFramework({ checkpoint: true });
  await h.launch(plain.scheduler, 'p1');
  await h.launch(kept.scheduler, 'k1');
  h.master.down(agent.peer.address, false);
  assert.equal(updatesTo(plain.scheduler).map(brief), ['p1:TASK_LOST:SOURCE_MASTER:REASON_AGENT_DISCONNECTED']);
  assert.equal(updatesTo(kept.scheduler), []);
  assert.is(h.state().agents[0]!.status, 'disconnected');
});

test('MasterTest.AgentRestartNoReregister: a disconnected agent that does not reregister within agentReregisterTimeoutMs is marked unreachable, even though it answers pings', async () => {
  const { h, agent, fw, taskId } = await withTask({ partitionAware: true });
  h.master.down(agent.peer.address, false);
  const restarted = h.newAgent();
  h.send({ type: 'master.agent_recovering', agentId: agent.agentId, agent: restarted });
  await h.advance(9_999);
  assert.equal(updatesTo(fw.scheduler), [], 'pings answered: not unreachable by the ping timeouts');
  assert.ok(restarted.of('agent.ping').every((p) => p.connected === false), 'pinged as disconnected');
  await h.advance(1);
  const [unreachable] = updatesTo(fw.scheduler);
  assert.is(brief(unreachable!), `${taskId}:TASK_UNREACHABLE:SOURCE_MASTER:REASON_AGENT_REMOVED`);
  assert.is(unreachable!.agentId, agent.agentId);
  assert.is(unreachable!.unreachableTime, h.clock.now);
  assert.equal(h.state().unreachableAgents.map((a) => a.agentId), [agent.agentId]);
  assert.equal(fw.scheduler.of('scheduler.agent_lost').map((m) => m.agentId), [agent.agentId]);
  h.reregister(restarted, agent.agentId, agent.info, [running(taskId, fw.frameworkId)]);
  await h.pump();
  assert.equal(updatesTo(fw.scheduler).map(brief), [`${taskId}:TASK_RUNNING:SOURCE_MASTER:REASON_AGENT_REREGISTERED`]);
});

test('PartitionTest.AgentWithTerminalTaskPartitioned: a task finished but not acknowledged keeps its state when its agent is marked unreachable; the framework is still told', async () => {
  const { h, agent, fw, taskId } = await withTask();
  h.update(agent.peer, agent.agentId, fw.frameworkId, taskId, 'TASK_FINISHED');
  updatesTo(fw.scheduler);
  agent.peer.silent = true;
  await h.advance(3_000);
  assert.equal(updatesTo(fw.scheduler).map(brief), [`${taskId}:TASK_LOST:SOURCE_MASTER:REASON_AGENT_REMOVED`]);
  assert.is(h.state().tasks.find((t) => t.taskId === taskId)?.state, 'TASK_FINISHED');
});

test('a reregistering agent the master knows: no master updates; missing tasks are reconciled through the agent; kills asked meanwhile are sent again; torn-down frameworks shut down', async () => {
  const h = new MasterHarness();
  const agent = await h.registerAgent('host-a');
  const fw = await h.registerFramework({ partitionAware: true });
  const gone = await h.registerFramework();
  await h.launch(fw.scheduler, 'kept');
  await h.launch(fw.scheduler, 'missing');
  await h.launch(gone.scheduler, 'orphan');
  h.master.down(agent.peer.address, false);
  h.send({ type: 'master.kill_task', frameworkId: fw.frameworkId, taskId: 'kept' as TaskId }, fw.scheduler);
  h.send({ type: 'master.teardown', frameworkId: gone.frameworkId }, gone.scheduler);
  await h.pump();
  const back = h.newAgent();
  h.reregister(back, agent.agentId, agent.info, [running('kept', fw.frameworkId), running('orphan', gone.frameworkId)], [{ frameworkId: fw.frameworkId, info: fw.info }, { frameworkId: gone.frameworkId, info: gone.info }]);
  await h.pump();
  assert.equal(updatesTo(fw.scheduler), [], 'the master makes up no update for a known agent');
  const [reregistered] = back.of('agent.reregistered');
  assert.equal(reregistered!.reconcile, [{ frameworkId: fw.frameworkId, framework: fw.info, taskIds: ['missing'] }]);
  assert.equal(back.of('agent.kill_task').map((m) => m.taskId), ['kept']);
  assert.equal(back.of('agent.shutdown_framework').map((m) => m.frameworkId), [gone.frameworkId]);
  assert.equal(back.of('agent.update_framework').map((m) => m.frameworkId), [fw.frameworkId], 'the framework with a scheduler: its updates are resent');
});

test('a reregistering agent without a task that had ended (its acknowledgement reached the agent, not the master): the task is completed, not reconciled through the agent', async () => {
  const { h, agent, fw, taskId } = await withTask();
  h.update(agent.peer, agent.agentId, fw.frameworkId, taskId, 'TASK_FINISHED', 'fin');
  updatesTo(fw.scheduler);
  h.master.down(agent.peer.address, false);
  await h.pump();
  const back = h.newAgent();
  h.reregister(back, agent.agentId, agent.info, [], [{ frameworkId: fw.frameworkId, info: fw.info }]);
  await h.pump();
  assert.is(back.of('agent.reregistered')[0]!.reconcile, undefined, 'nothing to ask the agent about');
  assert.equal(updatesTo(fw.scheduler), []);
  h.send({ type: 'master.reconcile', frameworkId: fw.frameworkId, tasks: [] }, fw.scheduler);
  assert.equal(updatesTo(fw.scheduler), [], 'completed: implicit reconciliation no longer covers it');
});

test('PartitionTest.ReregisterPartitionedAgentWithEnrouteTask: an unreachable agent back without a task the master had there: the task is forgotten, no update', async () => {
  const h = new MasterHarness();
  const agent = await h.registerAgent('host-a');
  const fw = await h.registerFramework({ partitionAware: true });
  const { taskId } = await h.launch(fw.scheduler, 'enroute');
  agent.peer.silent = true;
  await h.advance(3_000);
  assert.equal(updatesTo(fw.scheduler).map(brief), [`${taskId}:TASK_UNREACHABLE:SOURCE_MASTER:REASON_AGENT_REMOVED`]);
  h.reregister(agent.peer, agent.agentId, agent.info, []);
  await h.pump();
  assert.equal(updatesTo(fw.scheduler), []);
  assert.equal(h.state().tasks, []);
  assert.equal(h.state().unreachableAgents, []);
});

test('PartitionTest.PartitionAwareTaskCompletedOnPartitionedAgent: back from unreachable, every reported task is reported by the master, REASON_AGENT_REREGISTERED, terminal ones too', async () => {
  const { h, agent, fw, taskId } = await withTask({ partitionAware: true });
  agent.peer.silent = true;
  await h.advance(3_000);
  updatesTo(fw.scheduler);
  h.reregister(agent.peer, agent.agentId, agent.info, [running(taskId, fw.frameworkId, 'TASK_FINISHED')]);
  await h.pump();
  const [back] = updatesTo(fw.scheduler);
  assert.is(brief(back!), `${taskId}:TASK_FINISHED:SOURCE_MASTER:REASON_AGENT_REREGISTERED`);
  assert.is(back!.agentId, agent.agentId);
});

test('reconciliation: a known task answers its last forwarded state; an unknown one by its agent\'s state (Mesos Master::reconcile cases 1, 3, 4, 6)', async () => {
  const { h, agent, fw, taskId } = await withTask({ partitionAware: true });
  const plain = await h.registerFramework({ partitionAware: false });
  const other = await h.registerAgent('host-b');
  other.peer.silent = true;
  await h.advance(3_000);
  const unreachableAt = h.state().unreachableAgents[0]!.unreachableAt;
  updatesTo(fw.scheduler);
  const ask = (scheduler: typeof fw.scheduler, frameworkId: FrameworkId, tasks: { taskId: TaskId; agentId?: AgentId }[]) => {
    h.send({ type: 'master.reconcile', frameworkId, tasks }, scheduler);
    return updatesTo(scheduler);
  };
  const t = (id: string) => id as TaskId;
  const answers = ask(fw.scheduler, fw.frameworkId, [
    { taskId },
    { taskId: t('x'), agentId: agent.agentId },
    { taskId: t('y'), agentId: other.agentId },
    { taskId: t('z'), agentId: 'agent-404' as AgentId },
    { taskId: t('w') },
  ]);
  assert.equal(answers.map(brief), [
    `${taskId}:TASK_RUNNING:SOURCE_MASTER:REASON_RECONCILIATION`,
    'x:TASK_GONE:SOURCE_MASTER:REASON_RECONCILIATION',
    'y:TASK_UNREACHABLE:SOURCE_MASTER:REASON_RECONCILIATION',
    'z:TASK_UNKNOWN:SOURCE_MASTER:REASON_RECONCILIATION',
    'w:TASK_UNKNOWN:SOURCE_MASTER:REASON_RECONCILIATION',
  ]);
  assert.is(answers[2]!.unreachableTime, unreachableAt);
  assert.is(answers[1]!.agentId, agent.agentId);
  const lost = ask(plain.scheduler, plain.frameworkId, [{ taskId: t('x'), agentId: agent.agentId }, { taskId: t('y'), agentId: other.agentId }, { taskId: t('z') }]);
  assert.equal(lost.map((s) => s.state), ['TASK_LOST', 'TASK_LOST', 'TASK_LOST'], 'TASK_LOST for a framework that is not partition-aware');
  assert.is(lost[1]!.unreachableTime, unreachableAt);
});

test('ReconciliationTest.ImplicitTerminalTask / UnacknowledgedTerminalTask: implicit reconciliation covers active tasks, a terminal one until it is acknowledged', async () => {
  const { h, agent, fw, taskId } = await withTask();
  h.update(agent.peer, agent.agentId, fw.frameworkId, taskId, 'TASK_FINISHED', 'fin');
  updatesTo(fw.scheduler);
  h.send({ type: 'master.reconcile', frameworkId: fw.frameworkId, tasks: [] }, fw.scheduler);
  assert.equal(updatesTo(fw.scheduler).map(brief), [`${taskId}:TASK_FINISHED:SOURCE_MASTER:REASON_RECONCILIATION`]);
  h.send({ type: 'master.acknowledge', frameworkId: fw.frameworkId, taskId, uuid: 'fin', agentId: agent.agentId }, fw.scheduler);
  assert.equal(agent.peer.of('agent.status_update_ack').map((m) => m.uuid), ['fin']);
  h.send({ type: 'master.reconcile', frameworkId: fw.frameworkId, tasks: [] }, fw.scheduler);
  assert.equal(updatesTo(fw.scheduler), [], 'acknowledged: completed, not reconciled');
  h.send({ type: 'master.reconcile', frameworkId: fw.frameworkId, tasks: [{ taskId, agentId: agent.agentId }] }, fw.scheduler);
  assert.equal(updatesTo(fw.scheduler).map((s) => s.state), ['TASK_LOST'], 'explicitly, a completed task is unknown (Mesos: TASK_LOST / TASK_GONE)');
  assert.is(h.state().tasks[0]!.state, 'TASK_FINISHED', 'still listed in state()');
});

test('ReconciliationTest.ReconcileStatusUpdateTaskState: the answer is the state being forwarded, not the latest one the agent reports', async () => {
  const h = new MasterHarness();
  const agent = await h.registerAgent('host-a');
  const fw = await h.registerFramework();
  const { taskId } = await h.launch(fw.scheduler, 't1');
  const restarted = new MasterHarness({}, null, { agents: new Map([[agent.agentId, agent.info]]), unreachable: new Map(), frameworks: new Map([[fw.frameworkId, fw.info]]), lastAgent: 1, lastFramework: 1 });
  const fw2 = new FakePeer<'scheduler'>('scheduler-again@main');
  restarted.send({ type: 'master.register_framework', scheduler: fw2, info: fw.info, frameworkId: fw.frameworkId });
  await restarted.pump();
  restarted.reregister(agent.peer, agent.agentId, agent.info, [{ ...running(taskId, fw.frameworkId, 'TASK_FINISHED'), statusUpdateState: 'TASK_RUNNING' }], [{ frameworkId: fw.frameworkId, info: fw.info }]);
  await restarted.pump();
  restarted.send({ type: 'master.reconcile', frameworkId: fw.frameworkId, tasks: [] }, fw2);
  assert.equal(updatesTo(fw2).map(brief), [`${taskId}:TASK_RUNNING:SOURCE_MASTER:REASON_RECONCILIATION`]);
});

test('kills: of an unknown task, a reconciliation answer; of a task on a disconnected agent, remembered; on an unreachable agent, answered and forgotten', async () => {
  const { h, agent, fw, taskId } = await withTask({ partitionAware: true });
  h.send({ type: 'master.kill_task', frameworkId: fw.frameworkId, taskId: 'nope' as TaskId }, fw.scheduler);
  assert.equal(updatesTo(fw.scheduler).map(brief), ['nope:TASK_UNKNOWN:SOURCE_MASTER:REASON_RECONCILIATION']);
  h.master.down(agent.peer.address, false);
  h.send({ type: 'master.kill_task', frameworkId: fw.frameworkId, taskId }, fw.scheduler);
  assert.equal(agent.peer.of('agent.kill_task'), [], 'not sent to a disconnected agent');
  agent.peer.silent = true;
  await h.advance(3_000);
  updatesTo(fw.scheduler);
  h.send({ type: 'master.kill_task', frameworkId: fw.frameworkId, taskId, agentId: agent.agentId }, fw.scheduler);
  const [answer] = updatesTo(fw.scheduler);
  assert.is(brief(answer!), `${taskId}:TASK_UNREACHABLE:SOURCE_MASTER:REASON_RECONCILIATION`);
  const back = h.newAgent();
  h.reregister(back, agent.agentId, agent.info, [running(taskId, fw.frameworkId)]);
  await h.pump();
  assert.equal(back.of('agent.kill_task'), [], 'a kill met by an unreachable agent is not remembered (Mesos deletes the agent)');
});

test('master failover: agents of the registry are recovered; reconciliation waits for them; those that do not come back in time are unreachable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mesolith-registry-'));
  try {
    const registry = MasterRegistry.open(dir);
    const first = new MasterHarness({}, registry);
    const a = await first.registerAgent('host-a');
    const b = await first.registerAgent('host-b');
    const fw = await first.registerFramework();
    const second = new MasterHarness({}, registry, registry.read());
    assert.equal(second.state().recoveredAgents.map((r) => r.agentId).sort(), [a.agentId, b.agentId].sort());
    assert.equal(second.state().agents, []);
    const scheduler = new FakePeer<'scheduler'>('scheduler-back@main');
    second.send({ type: 'master.register_framework', scheduler, info: fw.info, frameworkId: fw.frameworkId });
    await second.pump();
    second.send({ type: 'master.reconcile', frameworkId: fw.frameworkId, tasks: [{ taskId: 'somewhere' as TaskId }] }, scheduler);
    second.send({ type: 'master.kill_task', frameworkId: fw.frameworkId, taskId: 'there' as TaskId, agentId: a.agentId }, scheduler);
    assert.equal(updatesTo(scheduler), [], 'no answer while agents are recovering (ReconciliationTest.RecoveredAgent, MasterTest.KillUnknownTaskSlaveInTransition)');
    second.reregister(a.peer, a.agentId, a.info, []);
    await second.pump();
    assert.equal(updatesTo(scheduler), [], 'a recovered agent reregisters without REASON_AGENT_REREGISTERED updates');
    await second.advance(10_000);
    assert.equal(second.state().unreachableAgents.map((u) => u.agentId), [b.agentId], 'MasterTest.RecoveredSlaveCanReregister: marked unreachable after agentReregisterTimeoutMs');
    assert.equal(scheduler.of('scheduler.agent_lost').map((m) => m.agentId), [b.agentId]);
    assert.equal(second.state().recoveredAgents, []);
    const third = registry.read();
    assert.equal([...third.unreachable.keys()], [b.agentId], 'recorded in the registry');
    assert.equal([...third.agents.keys()], [a.agentId]);
    await registry.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('MasterTest.AgentReregistrationDuringMarkingUnreachable / PartitionTest.FailHealthChecksTwice: while the agent is being marked unreachable, its reregistration is ignored and no second mark is made', async () => {
  const { h, agent, fw } = await withTask();
  agent.peer.silent = true;
  const held = (m: { type: string }) => m.type === 'master.registry_done';
  await h.advance(3_000, held);
  assert.is(h.selfQueue.filter(held).length, 1, 'one registry operation pending');
  await h.advance(3_000, held);
  assert.is(h.selfQueue.filter(held).length, 1, 'further missed pings make no second one');
  h.reregister(agent.peer, agent.agentId, agent.info, []);
  assert.equal(agent.peer.of('agent.reregistered'), [], 'ignored meanwhile');
  await h.pump();
  assert.equal(updatesTo(fw.scheduler).map((s) => s.state), ['TASK_LOST']);
  h.reregister(agent.peer, agent.agentId, agent.info, []);
  await h.pump();
  assert.is(agent.peer.of('agent.reregistered').length, 1, 'afterwards it reregisters');
});

test('PartitionTest.RegistryGcByCount / RegistryGcByAge: pruned unreachable agents\' tasks reconcile as TASK_UNKNOWN', async () => {
  const h = new MasterHarness({ registryMaxAgentCount: 1, registryGcIntervalMs: 60_000, registryMaxAgentAgeMs: 600_000 });
  const fw = await h.registerFramework({ partitionAware: true });
  const older = await h.registerAgent('host-a');
  const newer = await h.registerAgent('host-b');
  older.peer.silent = true;
  await h.advance(3_000);
  newer.peer.silent = true;
  await h.advance(3_000);
  const ask = (agentId: AgentId) => {
    h.send({ type: 'master.reconcile', frameworkId: fw.frameworkId, tasks: [{ taskId: 'x' as TaskId, agentId }] }, fw.scheduler);
    return updatesTo(fw.scheduler)[0]!.state;
  };
  assert.is(ask(older.agentId), 'TASK_UNREACHABLE');
  await h.advance(60_000);
  assert.is(ask(older.agentId), 'TASK_UNKNOWN', 'beyond the count: pruned');
  assert.is(ask(newer.agentId), 'TASK_UNREACHABLE');
  await h.advance(600_000);
  assert.is(ask(newer.agentId), 'TASK_UNKNOWN', 'beyond the age: pruned');
});

test('PartitionTest.PartitionedSlaveOrphanedTask: a torn-down framework\'s tasks on an unreachable agent are TASK_KILLED; the agent is told to shut it down when it is back', async () => {
  const { h, agent, fw, taskId } = await withTask({ partitionAware: true });
  agent.peer.silent = true;
  await h.advance(3_000);
  h.send({ type: 'master.teardown', frameworkId: fw.frameworkId }, fw.scheduler);
  await h.pump();
  const task = h.state().tasks.find((t) => t.taskId === taskId)!;
  assert.equal([task.state, task.reason], ['TASK_KILLED', 'REASON_FRAMEWORK_REMOVED']);
  h.reregister(agent.peer, agent.agentId, agent.info, [running(taskId, fw.frameworkId)], [{ frameworkId: fw.frameworkId, info: fw.info }]);
  await h.pump();
  assert.equal(agent.peer.of('agent.shutdown_framework').map((m) => m.frameworkId), [fw.frameworkId]);
  assert.equal(h.state().tasks.find((t) => t.taskId === taskId)?.state, 'TASK_KILLED', 'not readmitted');
});

test('a framework that fails over: the agents that run it are told (they resend its pending updates)', async () => {
  const { h, agent, fw } = await withTask();
  const next = new FakePeer<'scheduler'>('scheduler-next@main');
  h.send({ type: 'master.register_framework', scheduler: next, info: fw.info, frameworkId: fw.frameworkId });
  assert.equal(agent.peer.of('agent.update_framework').map((m) => m.frameworkId), [fw.frameworkId]);
  assert.equal(fw.scheduler.of('scheduler.error').map((m) => m.code), ['ERR_FRAMEWORK_FAILED_OVER']);
});

test('a launch on an offer no longer valid (its agent was removed since): TASK_LOST (TASK_DROPPED if partition-aware), REASON_INVALID_OFFERS', async () => {
  const h = new MasterHarness();
  const agent = await h.registerAgent('host-a');
  const fw = await h.registerFramework();
  const aware = await h.registerFramework({ partitionAware: true });
  const offer = await h.offer(fw.scheduler);
  h.send({ type: 'master.unregister_agent', agentId: agent.agentId }, agent.peer);
  await h.pump();
  assert.equal(h.state().agents, [], 'removed');
  assert.equal(fw.scheduler.of('scheduler.rescind').map((m) => m.offerId), [offer.offerId]);
  const task = { taskId: 's', resources: { cpus: 1, mem: 1 }, run: { kind: 'command', command: 'true' } };
  h.send({ type: 'master.accept', frameworkId: fw.frameworkId, offerId: offer.offerId, tasks: [task] }, fw.scheduler);
  h.send({ type: 'master.accept', frameworkId: aware.frameworkId, offerId: offer.offerId, tasks: [task] }, aware.scheduler);
  assert.equal(updatesTo(fw.scheduler).map(brief), ['s:TASK_LOST:SOURCE_MASTER:REASON_INVALID_OFFERS']);
  assert.equal(updatesTo(aware.scheduler).map(brief), ['s:TASK_DROPPED:SOURCE_MASTER:REASON_INVALID_OFFERS']);
});

test("an offer accepted by another framework is not valid to it, and stays valid to its own", async () => {
  const h = new MasterHarness();
  await h.registerAgent('host-a');
  const owner = await h.registerFramework();
  const other = await h.registerFramework();
  const offer = await h.offer(owner.scheduler);
  const task = (taskId: string) => ({ taskId, resources: { cpus: 1, mem: 1 }, run: { kind: 'command', command: 'true' } });
  h.send({ type: 'master.accept', frameworkId: other.frameworkId, offerId: offer.offerId, tasks: [task('stolen')] }, other.scheduler);
  assert.equal(updatesTo(other.scheduler).map(brief), ['stolen:TASK_LOST:SOURCE_MASTER:REASON_INVALID_OFFERS']);
  h.send({ type: 'master.accept', frameworkId: owner.frameworkId, offerId: offer.offerId, tasks: [task('own')] }, owner.scheduler);
  assert.equal(updatesTo(owner.scheduler), [], 'launched: no update from the master');
  assert.equal(h.state().tasks.map((t) => t.taskId), ['own']);
});

test('a registered agent that reregisters: its outstanding offers are rescinded, so its resources are never offered twice', async () => {
  const h = new MasterHarness();
  const agent = await h.registerAgent('host-a', { cpus: 4, mem: 1_024 });
  const fw = await h.registerFramework();
  const stale = await h.offer(fw.scheduler);
  h.reregister(agent.peer, agent.agentId, agent.info, []);
  await h.pump();
  assert.equal(fw.scheduler.of('scheduler.rescind').map((m) => m.offerId), [stale.offerId]);
  const fresh = await h.offer(fw.scheduler);
  const all = (taskId: string) => ({ taskId, resources: { cpus: 4, mem: 1_024 }, run: { kind: 'command', command: 'true' } });
  h.send({ type: 'master.accept', frameworkId: fw.frameworkId, offerId: stale.offerId, tasks: [all('on-stale')] }, fw.scheduler);
  h.send({ type: 'master.accept', frameworkId: fw.frameworkId, offerId: fresh.offerId, tasks: [all('on-fresh')] }, fw.scheduler);
  assert.equal(updatesTo(fw.scheduler).map(brief), ['on-stale:TASK_LOST:SOURCE_MASTER:REASON_INVALID_OFFERS']);
  const [used] = h.state().agents.map((a) => a.used);
  assert.equal(used, { cpus: 4, mem: 1_024 }, 'the agent runs what it has, not twice that');
});

test('PartitionTest.RegistryGcRace: a reregistration (MarkSlaveReachable) and a prune of the same agent, both pending, applied in that order: the agent is back', async () => {
  const h = new MasterHarness({ registryMaxAgentCount: 1, registryGcIntervalMs: 60_000 });
  const fw = await h.registerFramework({ partitionAware: true });
  const agents = [await h.registerAgent('host-1'), await h.registerAgent('host-2'), await h.registerAgent('host-3')];
  for (const agent of agents) {
    agent.peer.silent = true;
    await h.advance(3_000);
  }
  const held = (m: { type: string }) => m.type === 'master.registry_done';
  const two = agents[1]!;
  h.reregister(two.peer, two.agentId, two.info, []);
  await h.advance(60_000, held);
  assert.is(h.selfQueue.filter(held).length, 2, 'MarkSlaveReachable, then Prune, both pending');
  await h.pump();
  const answers = new Map<string, string>();
  h.send({ type: 'master.reconcile', frameworkId: fw.frameworkId, tasks: agents.map((a, i) => ({ taskId: `t${i + 1}` as TaskId, agentId: a.agentId })) }, fw.scheduler);
  for (const status of updatesTo(fw.scheduler)) answers.set(status.taskId, status.state);
  assert.equal(Object.fromEntries(answers), { t1: 'TASK_UNKNOWN', t2: 'TASK_GONE', t3: 'TASK_UNREACHABLE' });
});

test('PartitionTest.RegistryGcByCountManySlaves: of 50 unreachable agents in the registry a restarted master keeps only the newest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mesolith-registry-'));
  try {
    const registry = MasterRegistry.open(dir);
    const info = (n: number) => ({ hostname: `host-${n}`, resources: { cpus: 1, mem: 1 }, attributes: {} });
    for (let n = 1; n <= 50; n++) await registry.markAgentUnreachable(`agent-${n}` as AgentId, info(n), 1_000 + n);
    const h = new MasterHarness({ registryMaxAgentCount: 1, registryGcIntervalMs: 60_000 }, registry, registry.read());
    const fw = await h.registerFramework({ partitionAware: true });
    await h.advance(60_000);
    h.send({ type: 'master.reconcile', frameworkId: fw.frameworkId, tasks: [{ taskId: 'newest' as TaskId, agentId: 'agent-50' as AgentId }, { taskId: 'next' as TaskId, agentId: 'agent-49' as AgentId }] }, fw.scheduler);
    const [newest, next] = updatesTo(fw.scheduler);
    assert.equal([newest!.state, newest!.unreachableTime], ['TASK_UNREACHABLE', 1_050]);
    assert.equal([next!.state, next!.unreachableTime], ['TASK_UNKNOWN', undefined]);
    assert.equal([...registry.read().unreachable.keys()], ['agent-50'], 'pruned in the registry too');
    assert.is(registry.read().lastAgent, 50, 'pruned ids are never handed out again');
    await registry.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('OneWayPartitionTest.MasterToSlave: the master loses its link to a live agent: it pings it as disconnected until it reregisters', async () => {
  const { h, agent } = await withTask();
  h.master.down(agent.peer.address, false);
  await h.advance(1_000);
  assert.equal(agent.peer.take('agent.ping').map((p) => p.connected), [false]);
  h.reregister(agent.peer, agent.agentId, agent.info, []);
  await h.advance(1_000);
  assert.equal(agent.peer.take('agent.ping').map((p) => p.connected), [true]);
  assert.is(h.state().agents[0]!.status, 'active');
});

test.run();
