/**
 * The agent's rules for a master that reconciles, a framework that comes back, a shutdown and a
 * recovery, without workers: the Agent class over a real checkpoint in a temp dir, with
 * recording peers for the master, the launcher and executors, and virtual timers. Recovery
 * decisions (src/agent/recovery.ts) from real checkpoints.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../src/agent/agent.js';
import { CheckpointWriter } from '../../src/agent/checkpoint-writer.js';
import { resolveAgentOptions } from '../../src/agent/options.js';
import { decideRecovery } from '../../src/agent/recovery.js';
import { CheckpointGc, CheckpointStore, readState } from '../../src/checkpoint/index.js';
import {
  type AgentId,
  type AgentSelfMsg,
  type ExecutorId,
  type FrameworkId,
  type FrameworkInfo,
  type RunId,
  type TaskId,
  type TaskStatus,
  describeStorageFailure,
} from '../../src/index.js';
import { FakePeer, FakeTimers } from './master-harness.js';

const test = suite<{ dir: string }>('agent: reconciliation, framework updates, shutdown, recovery');
test.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'mesolith-agent-'));
});
test.after.each((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});

const info = { hostname: 'host-a', resources: { cpus: 4, mem: 1_024 }, attributes: {} };
const AGENT = 'agent-1' as AgentId;
const FW = 'framework-1' as FrameworkId;
const sleepTask = (taskId: string) => ({ taskId: taskId as TaskId, resources: { cpus: 1, mem: 64 }, run: { kind: 'command' as const, command: 'sleep 60' } });

/** An Agent on a real checkpoint in `dir`, its master, launcher and timers recorded. */
async function agentOn(dir: string, bootId = 'boot-1') {
  const store = await CheckpointStore.open(dir, { owner: 'agent-book test' });
  const state = await readState(store);
  const decision = decideRecovery(state, bootId, info, 'equal');
  const writer = new CheckpointWriter(store, bootId, describeStorageFailure, { failed: () => undefined, recovered: () => undefined }, Date.now);
  const clock = { now: 0 };
  const timers = new FakeTimers<AgentSelfMsg>(clock);
  const master = new FakePeer<'master'>('master@w1');
  let executors = 0;
  const launcher = new FakePeer<'launcher'>('launcher@main', () => `executor-${++executors}@w${10 + executors}`);
  const watched = new Set<string>();
  const agent = new Agent({
    host: { hostId: 'host-1', hostname: info.hostname, workDir: dir, bootId, resources: info.resources, attributes: {} },
    options: resolveAgentOptions({}),
    store,
    writer,
    gc: new CheckpointGc(store, 60_000),
    master,
    decision,
    reservations: {},
    checkpointErrors: 0,
    startedAt: performance.now(),
    checkpointReadMs: 0,
    effects: {
      self: new FakePeer<'agent'>('agent-host-1@w2'),
      launcher,
      timers,
      now: () => clock.now,
      newUuid: (() => {
        let n = 0;
        return () => `uuid-${++n}`;
      })(),
      newRunId: () => 'run-1' as RunId,
      watch: (peer) => watched.add(peer.address),
      unwatch: (peer) => watched.delete(peer.address),
      refFor: (address) => new FakePeer<'executor'>(address),
      publish: () => undefined,
    },
  });
  agent.start();
  /** One turn of the event loop: what the agent does on promises with no I/O behind them is done. */
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const updates = () => master.of('master.status_update').map((m) => m.status);
  return { agent, store, master, launcher, timers, watched, turn, updates };
}

/** Admitted as AGENT, then reregistering (a master that pinged it as disconnected). */
async function reregistering(a: Awaited<ReturnType<typeof agentOn>>) {
  a.agent.receive({ type: 'agent.registered', agentId: AGENT, pingTimeoutMs: 60_000 });
  a.agent.receive({ type: 'agent.ping', connected: false });
  assert.is(a.master.of('master.reregister_agent').length, 1, 'a ping that says it is disconnected makes an admitted agent reregister (OneWayPartitionTest.MasterToSlave)');
}

test('MasterSlaveReconciliationTest.ReconcileDroppedTask: a task the agent does not know is answered TASK_DROPPED (partition-aware), SOURCE_AGENT, REASON_RECONCILIATION; one it knows (a launch in flight) is not', async ({ dir }) => {
  const a = await agentOn(dir);
  await reregistering(a);
  const framework: FrameworkInfo = { name: 'aware', checkpoint: false, partitionAware: true };
  a.agent.receive({ type: 'agent.run_task', frameworkId: FW, framework, task: sleepTask('known') });
  a.agent.receive({ type: 'agent.reregistered', agentId: AGENT, pingTimeoutMs: 60_000, reconcile: [{ frameworkId: FW, framework, taskIds: ['known' as TaskId, 'ghost' as TaskId] }] });
  await a.master.received('master.status_update');
  const answered = a.updates();
  assert.equal(answered.map((s) => `${s.taskId}:${s.state}:${s.source}:${s.reason}`), ['ghost:TASK_DROPPED:SOURCE_AGENT:REASON_RECONCILIATION']);
  assert.is(answered[0]!.agentId, AGENT);
  assert.ok(answered[0]!.uuid !== '', 'reliable: it has a uuid and waits for its acknowledgement');
  a.agent.receive({ type: 'agent.status_update_ack', frameworkId: FW, taskId: 'ghost' as TaskId, uuid: answered[0]!.uuid });
  await a.turn();
  assert.is(a.agent.state().unacknowledgedUpdates, 0, 'acknowledged: its stream is gone though the task never was here');
  await a.store.close();
});

test('MasterSlaveReconciliationTest.ReconcileLostTask: for a framework that is not partition-aware the answer is TASK_LOST', async ({ dir }) => {
  const a = await agentOn(dir);
  await reregistering(a);
  a.agent.receive({ type: 'agent.reregistered', agentId: AGENT, pingTimeoutMs: 60_000, reconcile: [{ frameworkId: FW, framework: { name: 'plain', checkpoint: false }, taskIds: ['ghost' as TaskId] }] });
  await a.master.received('master.status_update');
  assert.equal(a.updates().map((s) => `${s.state}:${s.source}:${s.reason}`), ['TASK_LOST:SOURCE_AGENT:REASON_RECONCILIATION']);
  await a.store.close();
});

test('update_framework: the framework\'s pending updates are resent at once, not after the retry interval', async ({ dir }) => {
  const a = await agentOn(dir);
  a.agent.receive({ type: 'agent.registered', agentId: AGENT, pingTimeoutMs: 60_000 });
  const framework: FrameworkInfo = { name: 'plain', checkpoint: false };
  a.agent.receive({ type: 'agent.run_task', frameworkId: FW, framework, task: sleepTask('t1') });
  const executor = new FakePeer<'executor'>('executor-1@w11');
  a.agent.receive({ type: 'agent.register_executor', frameworkId: FW, executorId: 't1' as ExecutorId, runId: 'run-1' as RunId, executor });
  const status: TaskStatus = { taskId: 't1' as TaskId, frameworkId: FW, executorId: 't1' as ExecutorId, uuid: 'e-1', state: 'TASK_RUNNING', timestamp: 0, source: 'SOURCE_EXECUTOR' };
  a.agent.receive({ type: 'agent.executor_update', executorId: 't1' as ExecutorId, status });
  await a.master.received('master.status_update');
  assert.equal(a.updates().map((s) => s.uuid), ['e-1']);
  a.agent.receive({ type: 'agent.update_framework', frameworkId: FW, framework });
  assert.equal(a.updates().map((s) => s.uuid), ['e-1', 'e-1'], 'sent again now');
  a.agent.receive({ type: 'agent.update_framework', frameworkId: 'framework-9' as FrameworkId, framework });
  assert.is(a.updates().length, 2, 'another framework\'s update changes nothing');
  await a.store.close();
});

test('SlaveRecoveryTest.ShutdownSlaveSIGUSR1: a shutdown unregisters first and ends executors with no task update of the agent\'s own', async ({ dir }) => {
  const a = await agentOn(dir);
  a.agent.receive({ type: 'agent.registered', agentId: AGENT, pingTimeoutMs: 60_000 });
  a.agent.receive({ type: 'agent.run_task', frameworkId: FW, framework: { name: 'plain', checkpoint: false }, task: sleepTask('t1') });
  const executor = new FakePeer<'executor'>('executor-1@w11');
  a.agent.receive({ type: 'agent.register_executor', frameworkId: FW, executorId: 't1' as ExecutorId, runId: 'run-1' as RunId, executor });
  const done = a.agent.receive({ type: 'agent.shutdown' }) as Promise<boolean>;
  assert.equal(a.master.inbox.map((m) => m.type).slice(-1), ['master.unregister_agent'], 'unregistered at once');
  assert.ok(await done);
  assert.equal(executor.of('executor.shutdown').length, 1);
  assert.equal(a.updates(), [], 'no TASK_KILLED of its own: the master reports the tasks lost');
  const late: TaskStatus = { taskId: 't1' as TaskId, frameworkId: FW, uuid: 'late', state: 'TASK_KILLED', timestamp: 0 };
  a.agent.receive({ type: 'agent.executor_update', executorId: 't1' as ExecutorId, status: late });
  await a.turn();
  assert.equal(a.updates(), [], 'nor the executor\'s, of a task it no longer runs');
  await a.store.close();
});

/** A checkpoint of one agent with one framework and one executor whose run holds a running task at `address`. */
async function checkpointWithTask(dir: string, bootId: string, address: string | null, options: { latest?: boolean } = {}) {
  const store = await CheckpointStore.open(dir, { owner: 'agent-book setup' });
  const framework: FrameworkInfo = { name: 'jobs', checkpoint: true };
  const run = { agentId: AGENT, frameworkId: FW, executorId: 'exec' as ExecutorId, runId: 'run-0' as RunId };
  await store.write([
    { type: 'boot-id', bootId },
    { type: 'agent', agentId: AGENT, info },
    { type: 'framework', agentId: AGENT, frameworkId: FW, info: framework },
    { type: 'executor', agentId: AGENT, frameworkId: FW, executorId: run.executorId, info: { name: 'exec', isolation: 'worker', kind: 'custom' } },
  ]);
  if (options.latest !== false) {
    await store.write([
      { type: 'run', run, pid: address === null ? null : { workerId: 'w9', startedAt: 0, address } },
      { type: 'task', task: { ...run, taskId: 't1' as TaskId }, info: { name: 't1', resources: { cpus: 1, mem: 64 }, command: 'sleep 60' } },
    ]);
  }
  await store.close();
}

test('SlaveRecoveryTest.RecoverTerminatedExecutor: an executor found dead at recovery → TASK_LOST, SOURCE_AGENT, REASON_EXECUTOR_REREGISTRATION_TIMEOUT; the agent then reregisters', async ({ dir }) => {
  await checkpointWithTask(dir, 'boot-1', 'executor-0@w9');
  const a = await agentOn(dir, 'boot-1');
  assert.ok(a.watched.has('executor-0@w9'), 'asked to reconnect, and watched');
  assert.equal(a.master.of('master.reregister_agent'), [], 'waiting for its executor');
  a.agent.down('executor-0@w9', 'noproc');
  assert.is(a.master.of('master.reregister_agent').length, 1, 'nothing left to wait for');
  a.agent.receive({ type: 'agent.reregistered', agentId: AGENT, pingTimeoutMs: 60_000 });
  await a.master.received('master.status_update');
  assert.equal(a.updates().map((s) => `${s.state}:${s.source}:${s.reason}`), ['TASK_LOST:SOURCE_AGENT:REASON_EXECUTOR_REREGISTRATION_TIMEOUT']);
  await a.store.close();
});

test('SlaveRecoveryTest.RestartBeforeContainerizerLaunch: an executor never recorded as started → TASK_FAILED, REASON_EXECUTOR_TERMINATED', async ({ dir }) => {
  await checkpointWithTask(dir, 'boot-1', null);
  const a = await agentOn(dir, 'boot-1');
  a.agent.receive({ type: 'agent.reregistered', agentId: AGENT, pingTimeoutMs: 60_000 });
  await a.master.received('master.status_update');
  assert.equal(a.updates().map((s) => `${s.state}:${s.source}:${s.reason}`), ['TASK_FAILED:SOURCE_AGENT:REASON_EXECUTOR_TERMINATED']);
  await a.store.close();
});

test('recovery decisions: a reboot with incompatible info starts over (and forgets the old agent); an executor without a latest run is an orphan to GC', async ({ dir }) => {
  await checkpointWithTask(dir, 'boot-1', 'executor-0@w9', { latest: false });
  const state = await readState(dir);
  const kept = decideRecovery(state, 'boot-1', info, 'equal');
  assert.is(kept.kind, 'recover');
  if (kept.kind === 'recover') assert.equal(kept.agent.orphans, [{ frameworkId: FW, executorId: 'exec' as ExecutorId }]);
  const smaller = { ...info, resources: { cpus: 2, mem: 512 } };
  const rebooted = decideRecovery(state, 'boot-2', smaller, 'equal');
  assert.equal([rebooted.kind, rebooted.kind === 'fresh' && rebooted.startOver], ['fresh', true]);
  assert.throws(() => decideRecovery(state, 'boot-1', smaller, 'equal'), (e: Error & { code?: string }) => e.code === 'ERR_AGENT_INCOMPATIBLE', 'no reboot: refused');
  const store = await CheckpointStore.open(dir, { owner: 'forget' });
  await store.forgetAgent();
  await store.close();
  const forgotten = decideRecovery(await readState(dir), 'boot-1', smaller, 'equal');
  assert.equal(forgotten.kind, 'fresh', 'SlaveRecoveryTest.RebootWithSlaveInfoMismatchAndRestart: with agents/latest gone, a new agent even without a reboot');
});

test('an orphan executor is removed from the checkpoint after gcDelayMs (SlaveRecoveryTest.ExecutorDanglingLatestSymlink)', async ({ dir }) => {
  await checkpointWithTask(dir, 'boot-1', 'executor-0@w9', { latest: false });
  const a = await agentOn(dir, 'boot-1');
  const gc = a.timers.active.get(`gc-executor:${FW}/exec`);
  assert.ok(gc, 'scheduled');
  assert.is(gc!.at, resolveAgentOptions({}).gcDelayMs);
  await a.agent.receive(gc!.message);
  const state = await readState(a.store);
  assert.not.ok(state.agent!.frameworks.get(FW)?.executors.has('exec' as ExecutorId), 'its records are gone');
  await a.store.close();
});

test('OneWayPartitionTest.MasterToSlave (the agent\'s side): a ping that says the master holds it as disconnected makes an admitted agent reregister; a recovering one does not', async ({ dir }) => {
  const a = await agentOn(dir);
  a.agent.receive({ type: 'agent.registered', agentId: AGENT, pingTimeoutMs: 60_000 });
  assert.is(a.agent.receive({ type: 'agent.ping', connected: true }), 'pong');
  assert.equal(a.master.of('master.reregister_agent'), []);
  assert.is(a.agent.receive({ type: 'agent.ping', connected: false }), 'pong');
  assert.is(a.master.of('master.reregister_agent').length, 1);
  a.agent.receive({ type: 'agent.ping', connected: false });
  assert.is(a.master.of('master.reregister_agent').length, 1, 'already reregistering: not again');
  await a.store.close();
});

test.run();
