import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CheckpointCorruptError, CheckpointGc, CheckpointStore, type RunPath, checkpointKeys as keys, isTaskFinished, readState } from '../../src/index.js';
import { AGENT, FRAMEWORK, checkpointRecords, executorRecords, headerRecords, runPath, taskPath, update } from '../fixtures/checkpoint-data.js';
import { tamper, writeAll } from '../fixtures/checkpoint-raw.js';

const test = suite<{ dir: string }>('checkpoint store');
test.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'mesolith-ckpt-'));
});
test.after.each((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});


test('every record type round-trips into the recovered tree', async ({ dir }) => {
  const sentinelRun = runPath(1);
  await writeAll(dir, [...headerRecords('boot-A'), ...executorRecords(0, 2), ...executorRecords(1, 1, 10), { type: 'sentinel', run: sentinelRun }]);
  const state = await readState(dir);
  assert.is(state.bootId, 'boot-A');
  assert.equal(state.reservations, { analytics: { cpus: 2, mem: 1024 } });
  assert.is(state.errors, 0);
  assert.equal(state.warnings, []);
  const agent = state.agent!;
  assert.is(agent.id, AGENT);
  assert.equal(agent.info, { hostname: 'host-1', resources: { cpus: 8, mem: 4096 }, attributes: { rack: 'r1' } });
  const fw = agent.frameworks.get(FRAMEWORK)!;
  assert.equal(fw.info, { name: 'demo', checkpoint: true });
  assert.is(fw.schedulerAddress, 'scheduler@main');
  const executor = fw.executors.get(runPath(0).executorId)!;
  assert.equal(executor.info, { name: 'executor 0', isolation: 'shared' });
  assert.is(executor.latestRunId, runPath(0).runId);
  const run = executor.runs.get(runPath(0).runId)!;
  assert.equal(run.pid, { workerId: 'w0', startedAt: 1_700_000_000_000 });
  assert.is(run.completed, false);
  assert.ok(fw.executors.get(sentinelRun.executorId)!.runs.get(sentinelRun.runId)!.completed, 'sentinel recovered');
  const task = run.tasks.get(taskPath(0, 1).taskId)!;
  assert.equal(task.info?.run, { module: 'file:///app/job.js', export: 'job', args: { n: 1 } });
  assert.equal(task.updates.map((u) => `${u.state}:${u.uuid}`), ['TASK_STARTING:1-starting', 'TASK_RUNNING:1-running']);
  assert.equal([...task.acks], ['1-starting', '1-running']);
  assert.is(task.nextSeq, 4);
  assert.is(state.records, 5 + 3 * 2 + 2 * 3 + 1, 'header 5, 3 per executor, 2 per task, the sentinel');
});

test('a flipped byte fails strict recovery naming the key; non-strict skips it and keeps the rest', async ({ dir }) => {
  await writeAll(dir, checkpointRecords(6, 2));
  const victim = keys.taskInfo(taskPath(0, 1));
  await tamper(dir, victim, (v) => {
    v[v.length - 3]! ^= 0x40;
    return v;
  });
  const error = await readState(dir, { strict: true }).catch((e: unknown) => e);
  assert.instance(error, CheckpointCorruptError);
  assert.is((error as CheckpointCorruptError).key, victim);
  assert.match((error as Error).message, /checksum mismatch/);
  const state = await readState(dir, { strict: false });
  assert.is(state.errors, 1);
  const run = state.agent!.frameworks.get(FRAMEWORK)!.executors.get(runPath(0).executorId)!.runs.get(runPath(0).runId)!;
  assert.equal([...run.tasks.keys()].sort(), ['task-0', 'task-2'], 'the corrupt task (and its updates) dropped, siblings kept');
  const other = state.agent!.frameworks.get(FRAMEWORK)!.executors.get(runPath(1).executorId)!;
  assert.is(other.runs.get(runPath(1).runId)!.tasks.size, 3);
});

test('a truncated update stream: strict names the key; non-strict keeps the task without its updates', async ({ dir }) => {
  await writeAll(dir, checkpointRecords(2, 1));
  const victim = keys.taskUpdates(taskPath(0, 0));
  await tamper(dir, victim, (v) => v.subarray(0, 3));
  const error = (await readState(dir).catch((e: unknown) => e)) as CheckpointCorruptError;
  assert.is(error.key, victim);
  assert.match(error.message, /truncated/);
  const state = await readState(dir, { strict: false });
  assert.is(state.errors, 1);
  assert.equal(state.skipped, [victim], 'the stream alone is to be removed; its task stays');
  const tasks = state.agent!.frameworks.get(FRAMEWORK)!.executors.get(runPath(0).executorId)!.runs.get(runPath(0).runId)!.tasks;
  const cut = tasks.get(taskPath(0, 0).taskId)!;
  assert.ok(cut.info, 'the task itself is still known');
  assert.equal(cut.updates, [], 'an unreadable stream contributes nothing');
  assert.equal(tasks.get(taskPath(0, 1).taskId)!.updates.map((u) => u.state), ['TASK_STARTING', 'TASK_RUNNING']);
});

test('stream appends are ordered and idempotent; a gap is refused', async ({ dir }) => {
  const store = await CheckpointStore.open(dir);
  const task = taskPath(0, 0);
  await store.write([...headerRecords(), ...executorRecords(0, 0)]);
  await store.write({ type: 'update', task, seq: 0, update: update('TASK_STARTING', 'a') });
  await store.write({ type: 'update', task, seq: 0, update: update('TASK_STARTING', 'a') });
  await store.write({ type: 'ack', task, seq: 1, uuid: 'a' });
  const gap = await store.write({ type: 'ack', task, seq: 5, uuid: 'x' }).catch((e: { code: string; message: string }) => e);
  assert.is((gap as { code: string }).code, 'ERR_CHECKPOINT_INVALID');
  assert.match((gap as { message: string }).message, /gap/);
  await store.close();
  const reopened = await CheckpointStore.open(dir);
  await reopened.write({ type: 'update', task, seq: 2, update: update('TASK_RUNNING', 'b') });
  const state = await readState(reopened);
  await reopened.close();
  const recovered = state.agent!.frameworks.get(FRAMEWORK)!.executors.get(task.executorId)!.runs.get(task.runId)!.tasks.get(task.taskId)!;
  assert.equal(recovered.updates.map((u) => u.uuid), ['a', 'b'], 'a reopened store appends after what is on disk');
  assert.equal([...recovered.acks], ['a']);
  assert.is(recovered.nextSeq, 3);
});

test('a write refused half-way leaves nothing behind, on disk or in the streams the store appends to', async ({ dir }) => {
  const store = await CheckpointStore.open(dir);
  await store.write([...headerRecords(), ...executorRecords(0, 0)]);
  const task = taskPath(0, 0);
  const refused = await store
    .write([
      { type: 'task', task, info: { name: 't', resources: { cpus: 1, mem: 1 } } },
      { type: 'update', task, seq: 0, update: update('TASK_STARTING', 'a') },
      { type: 'update', task, seq: 2, update: update('TASK_RUNNING', 'b') },
    ])
    .catch((e: { code: string }) => e.code);
  assert.is(refused, 'ERR_CHECKPOINT_INVALID');
  await store.write({ type: 'update', task, seq: 0, update: update('TASK_STARTING', 'c') });
  const state = await readState(store);
  await store.close();
  const run = state.agent!.frameworks.get(FRAMEWORK)!.executors.get(task.executorId)!.runs.get(task.runId)!;
  const written = run.tasks.get(task.taskId)!;
  assert.is(written.info, undefined, 'the task record of the refused write was not written');
  assert.equal(written.updates.map((u) => u.uuid), ['c'], 'seq 0 was free again: the refused write left no entry');
});

test('a finished task is removed (task.info and task.updates); one not terminal or not acknowledged is refused', async ({ dir }) => {
  const store = await CheckpointStore.open(dir);
  await store.write([...headerRecords(), ...executorRecords(0, 3)]);
  const [done, unacked, running] = [taskPath(0, 0), taskPath(0, 1), taskPath(0, 2)];
  await store.write([
    { type: 'update', task: done, seq: 4, update: update('TASK_FINISHED', '0-finished') },
    { type: 'ack', task: done, seq: 5, uuid: '0-finished' },
    { type: 'update', task: unacked, seq: 4, update: update('TASK_FAILED', '1-failed') },
  ]);
  for (const [task, why] of [
    [unacked, /task task-1 of run run-1 is not terminal and acknowledged \(last update: TASK_FAILED, 1 not acknowledged\)/],
    [running, /last update: TASK_RUNNING, 0 not acknowledged/],
  ] as const) {
    const error = (await store.removeFinishedTask(task).catch((e: unknown) => e)) as { code: string; message: string };
    assert.is(error.code, 'ERR_CHECKPOINT_INVALID');
    assert.match(error.message, why);
  }
  assert.is(await store.removeFinishedTask(done), 2);
  assert.is(await store.removeFinishedTask(done), 0, 'already gone');
  const state = await readState(store, { strict: true });
  await store.close();
  const tasks = state.agent!.frameworks.get(FRAMEWORK)!.executors.get(done.executorId)!.runs.get(done.runId)!.tasks;
  assert.equal([...tasks.keys()], ['task-1', 'task-2']);
});

test('isTaskFinished: the last update terminal and every update acknowledged', () => {
  const finished = update('TASK_FINISHED', 'f');
  const running = update('TASK_RUNNING', 'r');
  assert.is(isTaskFinished({ updates: [running, finished], acks: new Set(['r', 'f']) }), true);
  assert.is(isTaskFinished({ updates: [running, finished], acks: new Set(['f']) }), false, 'an earlier update unacknowledged');
  assert.is(isTaskFinished({ updates: [finished, running], acks: new Set(['r', 'f']) }), false, 'not terminal last');
  assert.is(isTaskFinished({ updates: [], acks: new Set() }), false, 'no update at all');
});

test('a corrupt framework.info drops that framework (non-strict); a corrupt agent.info drops the agent', async ({ dir }) => {
  await writeAll(dir, checkpointRecords(2, 1));
  await tamper(dir, keys.frameworkInfo(AGENT, FRAMEWORK), (v) => {
    v[1]! ^= 1;
    return v;
  });
  const state = await readState(dir, { strict: false });
  assert.is(state.errors, 1);
  assert.is(state.agent!.frameworks.size, 0);
  await tamper(dir, keys.agentInfo(AGENT), (v) => Buffer.concat([Buffer.from([9]), v.subarray(1)]));
  const noAgent = await readState(dir, { strict: false });
  assert.is(noAgent.agent, undefined);
  assert.match(((await readState(dir).catch((e: unknown) => e)) as Error).message, /unknown record format 9/);
});

test('dangling runs/latest and a missing boot id are warnings, not errors', async ({ dir }) => {
  const run = runPath(0);
  await writeAll(dir, [
    ...headerRecords().filter((r) => r.type !== 'boot-id'),
    ...executorRecords(0, 1),
    { type: 'run', run: { ...run, runId: 'run-2' as never }, pid: null },
  ]);
  const store = await CheckpointStore.open(dir);
  const removed = await store.removeRun({ ...run, runId: 'run-2' as never });
  assert.is(removed, 1, 'the run-2 pid record');
  await store.close();
  const state = await readState(dir);
  assert.is(state.bootId, undefined);
  assert.is(state.errors, 0);
  const executor = state.agent!.frameworks.get(FRAMEWORK)!.executors.get(run.executorId)!;
  assert.is(executor.latestRunId, undefined);
  assert.ok(state.warnings.some((w) => /boot_id is missing/.test(w)), state.warnings.join('\n'));
  assert.ok(state.warnings.some((w) => /runs\/latest names run run-2, which has no records/.test(w)), state.warnings.join('\n'));
});

test('a checkpoint of 10k tasks reads back whole', async ({ dir }) => {
  await writeAll(dir, checkpointRecords(10_000, 100));
  const started = performance.now();
  const state = await readState(dir);
  const ms = performance.now() - started;
  let tasks = 0;
  let running = 0;
  for (const ex of state.agent!.frameworks.get(FRAMEWORK)!.executors.values()) {
    for (const run of ex.runs.values()) {
      for (const task of run.tasks.values()) {
        tasks++;
        if (task.updates.at(-1)?.state === 'TASK_RUNNING' && task.acks.size === 2) running++;
      }
    }
  }
  assert.is(tasks, 10_000);
  assert.is(running, 10_000);
  assert.is(state.records, 5 + 100 * 3 + 10_000 * 2, 'header 5, 3 per executor, 2 per task');
  assert.ok(ms < 5_000, `read in ${ms.toFixed(0)} ms`);
});

test('a second agent on the same work dir is refused; the lock is released on close', async ({ dir }) => {
  const first = await CheckpointStore.open(dir, { owner: 'agent A' });
  const refused = await CheckpointStore.open(dir, { owner: 'agent B' }).catch((e: Error & { code: string }) => e);
  assert.is((refused as { code: string }).code, 'ERR_CHECKPOINT_LOCKED');
  assert.match((refused as Error).message, /agent A.*two agents cannot share one work dir/);
  const takenOver = await CheckpointStore.open(dir, { owner: 'agent B', takeOverLock: true });
  await takenOver.write(headerRecords());
  await takenOver.close();
  await first.close();
  const again = await CheckpointStore.open(dir);
  await again.close();
});

test('an unusable work dir fails with a clear error', async ({ dir }) => {
  const file = join(dir, 'not-a-dir');
  writeFileSync(file, 'x');
  const error = await CheckpointStore.open(join(file, 'work')).catch((e: Error & { code: string }) => e);
  assert.is((error as { code: string }).code, 'ERR_CHECKPOINT_UNWRITABLE');
  assert.match((error as Error).message, /cannot create the checkpoint directory/);
  const badId = await CheckpointStore.open(dir);
  const invalid = await badId.write({ type: 'task', task: { ...taskPath(0, 0), taskId: 'a/b' as never }, info: { name: 'x', resources: { cpus: 1, mem: 1 } } }).catch((e: { code: string }) => e.code);
  assert.is(invalid, 'ERR_CHECKPOINT_INVALID');
  await badId.close();
});

test('the map grows past its initial size instead of failing', async ({ dir }) => {
  const store = await CheckpointStore.open(dir, { mapSize: 1024 * 1024 });
  const big = 'x'.repeat(8 * 1024);
  const records = Array.from({ length: 600 }, (_, i) => ({
    type: 'update' as const,
    task: taskPath(0, i),
    seq: 0,
    update: { ...update('TASK_RUNNING', `u${i}`), message: big },
  }));
  await store.write([...headerRecords(), ...executorRecords(0, 0), ...records]);
  await store.close();
  const state = await readState(dir);
  const tasks = state.agent!.frameworks.get(FRAMEWORK)!.executors.get(runPath(0).executorId)!.runs.get(runPath(0).runId)!.tasks;
  assert.is(tasks.size, 600, '~5 MB written into a 1 MiB map');
  assert.is(tasks.get(taskPath(0, 599).taskId)!.updates[0]!.message, big);
});

test('group commit: concurrent writes share transactions; no-sync mode is available for comparison', async ({ dir }) => {
  const store = await CheckpointStore.open(dir);
  await Promise.all(Array.from({ length: 500 }, (_, i) => store.write({ type: 'update', task: taskPath(0, i), seq: 0, update: update('TASK_RUNNING', `u${i}`) })));
  assert.is(store.recordsWritten, 500);
  assert.ok(store.commits < 50, `${store.commits} commits for 500 concurrent writes`);
  await store.close();
  const fast = await CheckpointStore.open(join(dir, 'nosync'), { durability: 'no-sync-unsafe' });
  await fast.write(headerRecords());
  assert.is(fast.durability, 'no-sync-unsafe');
  await fast.close();
  assert.is((await readState(join(dir, 'nosync'))).agent?.id, AGENT);
});

test('GC removes a finished run after its delay, and refuses one with unfinished tasks', async ({ dir }) => {
  const store = await CheckpointStore.open(dir);
  await store.write([...headerRecords(), ...executorRecords(0, 1), ...executorRecords(1, 1, 5)]);
  const done = taskPath(0, 0);
  await store.write([
    { type: 'update', task: done, seq: 4, update: update('TASK_FINISHED', '0-finished') },
    { type: 'ack', task: done, seq: 5, uuid: '0-finished' },
  ]);
  const gc = new CheckpointGc(store, 20);
  const removed = new Promise<[RunPath, number]>((resolve) => gc.once('removed', (run, n) => resolve([run, n])));
  const refused = new Promise<[RunPath, unknown]>((resolve) => gc.once('error', (run, e) => resolve([run, e])));
  gc.schedule(runPath(0));
  gc.schedule(runPath(1));
  // GC timers are unref'd (they must not keep an agent's process alive); this guard holds the
  // test's event loop open and bounds the wait.
  const guard = setTimeout(() => undefined, 10_000);
  const [goneRun, records] = await removed;
  assert.equal(goneRun, runPath(0));
  assert.is(records, 3, 'pid, task.info, task.updates');
  const [keptRun, error] = await refused;
  clearTimeout(guard);
  assert.equal(keptRun, runPath(1));
  assert.match((error as Error).message, /task-5/);
  const state = await readState(store);
  await store.close();
  const executors = state.agent!.frameworks.get(FRAMEWORK)!.executors;
  assert.is(executors.get(runPath(0).executorId)!.runs.size, 0);
  assert.is(executors.get(runPath(1).executorId)!.runs.size, 1);
});

test.run();
