import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fillDisk, withSmallDisk } from '../fixtures/checkpoint-disk.js';
import { tasksModule } from '../fixtures/tasks.js';
import { withCluster } from '../helpers.js';
import { readState } from '../../src/index.js';

const test = suite('cluster: a full disk under an agent');

/** Bytes that cannot fit in the pages a checkpoint file already has free: writing them needs the disk. */
const BIG = 400_000;

test('the agent stays up and says so, refuses checkpointing launches, keeps un-checkpointed updates with their executor, and recovers by itself when space returns', () =>
  withSmallDisk(48 * 1024 * 1024, (dir) =>
    withCluster({ workDir: dir, agent: { checkpointRetryMs: 100 } }, async (cluster) => {
      const crashes: string[] = [];
      cluster.system.events.on('supervisor.crashed', (e) => crashes.push(`${e.child}: ${e.reason}`));
      const fw = await cluster.registerFramework({ name: 'durable', checkpoint: true });
      const plain = await cluster.registerFramework({ name: 'plain' });
      const [agentId] = cluster.agentIds();
      const reportWhen = join(dir, 'report-now');
      const finishWhen = join(dir, 'finish-now');
      const timed = await fw.launch({ taskId: 'timed', cpus: 0.5, mem: 32, run: { kind: 'js', module: tasksModule, export: 'reportsWhenTold', args: { reportWhen, finishWhen, bytes: BIG } } });
      await fw.waitFor(timed.taskId, 'TASK_RUNNING');

      const failed = cluster.events.next('agent.checkpoint_failed');
      const filler = fillDisk(dir);
      // A launch whose records need new pages: it fails, saying why, and the agent notices.
      const big = await fw.launch({ taskId: 'big', cpus: 0.1, mem: 16, run: { kind: 'js', module: tasksModule, export: 'double', args: { n: 1, pad: 'x'.repeat(BIG) } } });
      const refused = await fw.waitFor(big.taskId, 'TASK_FAILED');
      assert.is(refused.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
      assert.match(refused.message ?? '', /checkpoint/);
      const { failure } = await failed;
      assert.is(failure.code, 'ERR_CHECKPOINT_DISK_FULL');
      assert.is(failure.errno, 'ENOSPC');
      assert.match(failure.path ?? '', /host-1\/meta\/checkpoint\.mdb$/);
      const full = await cluster.agentState(agentId!);
      assert.is(full.checkpoint.healthy, false);
      assert.is(full.checkpoint.failure?.code, 'ERR_CHECKPOINT_DISK_FULL');

      // While it cannot write, a checkpointing framework's launch is refused at once...
      const small = await fw.launch({ taskId: 'small', cpus: 0.1, mem: 16, run: { kind: 'js', module: tasksModule, export: 'double', args: { n: 2 } } });
      assert.match((await fw.waitFor(small.taskId, 'TASK_FAILED')).message ?? '', /cannot checkpoint the task/);
      // ...one that does not checkpoint runs as ever...
      const unchecked = await plain.launch({ cpus: 0.1, mem: 16, run: { kind: 'js', module: tasksModule, export: 'double', args: { n: 3 } } });
      assert.is((await plain.waitFor(unchecked.taskId, 'TASK_FINISHED')).data, 6);
      // ...and an update that cannot be made durable is neither acknowledged nor forwarded: its
      // executor keeps it.
      const failedBefore = (await cluster.agentState(agentId!)).checkpoint.failedWrites;
      writeFileSync(reportWhen, '');
      while ((await cluster.agentState(agentId!)).checkpoint.failedWrites === failedBefore) await new Promise((resolve) => setImmediate(resolve));
      assert.is(fw.updatesOf(timed.taskId).filter((s) => s.message === 'progress').length, 0, 'the progress report was not forwarded');

      const recovered = cluster.events.next('agent.checkpoint_recovered');
      rmSync(filler);
      assert.ok((await recovered).failedForMs > 0);
      assert.is((await cluster.agentState(agentId!)).checkpoint.healthy, true);
      // The kept update arrives now, once, in its place in the task's stream.
      writeFileSync(finishWhen, '');
      await fw.waitFor(timed.taskId, 'TASK_FINISHED');
      const states = fw.updatesOf(timed.taskId).map((s) => (s.message === 'progress' ? 'progress' : s.state));
      assert.equal(states, ['TASK_STARTING', 'TASK_RUNNING', 'progress', 'TASK_FINISHED']);
      const again = await fw.launch({ cpus: 0.1, mem: 16, run: { kind: 'js', module: tasksModule, export: 'double', args: { n: 4 } } });
      assert.is((await fw.waitFor(again.taskId, 'TASK_FINISHED')).data, 8, 'launches are checkpointed again');
      assert.equal(crashes, [], 'no role crashed');
    }),
  ));

test('a task that ends after its progress report failed to write is reported to its framework in order: the end is the last update', () =>
  withSmallDisk(48 * 1024 * 1024, (dir) =>
    // No retry probe: the first write to succeed after the disk frees is the task's own end.
    withCluster({ workDir: dir, agent: { checkpointRetryMs: 3_600_000 } }, async (cluster) => {
      const fw = await cluster.registerFramework({ name: 'durable', checkpoint: true });
      const [agentId] = cluster.agentIds();
      const reportWhen = join(dir, 'report-now');
      const finishWhen = join(dir, 'finish-now');
      const task = await fw.launch({ cpus: 0.5, mem: 32, run: { kind: 'js', module: tasksModule, export: 'reportsWhenTold', args: { reportWhen, finishWhen, bytes: BIG } } });
      await fw.waitFor(task.taskId, 'TASK_RUNNING');
      // The framework's acknowledgements written first: the progress report is the write that fails.
      let snapshot = await cluster.agentState(agentId!);
      while (snapshot.unacknowledgedUpdates > 0) snapshot = await cluster.agentState(agentId!);
      const filler = fillDisk(dir);
      writeFileSync(reportWhen, '');
      while (snapshot.checkpoint.failedWrites === 0) snapshot = await cluster.agentState(agentId!);
      assert.is(snapshot.checkpoint.healthy, false);
      assert.is(fw.updatesOf(task.taskId).filter((s) => s.message === 'progress').length, 0, 'the progress report was not forwarded');
      rmSync(filler);
      const recovered = cluster.events.next('agent.checkpoint_recovered');
      writeFileSync(finishWhen, '');
      await recovered;
      await fw.waitFor(task.taskId, 'TASK_FINISHED');
      const states = fw.updatesOf(task.taskId).map((s) => (s.message === 'progress' ? 'progress' : s.state));
      assert.equal(states, ['TASK_STARTING', 'TASK_RUNNING', 'progress', 'TASK_FINISHED']);
    }),
  ));

test("a checkpointing framework shut down while the disk is full: its executors' runs are marked ended once space returns, not left for a restart to reconnect to", () =>
  withSmallDisk(48 * 1024 * 1024, async (dir) => {
    await withCluster({ workDir: dir, agent: { checkpointRetryMs: 100 } }, async (cluster) => {
      const fw = await cluster.registerFramework({ name: 'durable', checkpoint: true });
      const [agentId] = cluster.agentIds();
      const task = await fw.launch({ cpus: 0.5, mem: 32, run: { kind: 'js', module: tasksModule, export: 'untilKilled' } });
      await fw.waitFor(task.taskId, 'TASK_RUNNING');
      let snapshot = await cluster.agentState(agentId!);
      while (snapshot.unacknowledgedUpdates > 0) snapshot = await cluster.agentState(agentId!);
      const filler = fillDisk(dir);
      const failed = cluster.events.next('agent.checkpoint_failed');
      fw.teardown();
      await failed;
      const recovered = cluster.events.next('agent.checkpoint_recovered');
      rmSync(filler);
      await recovered;
    });
    const state = await readState(join(dir, 'host-1'));
    const runs = [...state.agent!.frameworks.values()].flatMap((f) => [...f.executors.values()].flatMap((e) => [...e.runs.values()]));
    assert.ok(runs.length > 0);
    assert.equal(runs.map((r) => r.completed), runs.map(() => true), 'every run of the shut-down framework has its sentinel');
  }));

test('a reservation made while the disk is full is checkpointed by the agent once space returns, and says so', () =>
  withSmallDisk(48 * 1024 * 1024, async (dir) => {
    await withCluster({ workDir: dir, agent: { checkpointRetryMs: 100 } }, async (cluster) => {
      const fw = await cluster.registerFramework({ name: 'reserver', role: 'foo' }, { offers: 'manual' });
      const offer = await fw.nextOffer();
      const filler = fillDisk(dir);
      const failed = cluster.events.next('agent.checkpoint_failed');
      await fw.reserve(offer.offerId, { cpus: 1, mem: 64 });
      await failed;
      const checkpointed = cluster.events.next('agent.resources_checkpointed', () => true, 10_000);
      rmSync(filler);
      assert.equal((await checkpointed).reservations, { foo: { cpus: 1, mem: 64 } });
    });
    assert.equal((await readState(join(dir, 'host-1'))).reservations, { foo: { cpus: 1, mem: 64 } }, 'on disk');
  }));

test.run();
