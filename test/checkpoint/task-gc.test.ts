import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type CheckpointRecord, CheckpointStore, type TaskPath, readState } from '../../src/index.js';
import { FRAMEWORK, executorRecords, headerRecords, runPath, taskPath, update } from '../fixtures/checkpoint-data.js';

const test = suite<{ dir: string }>('checkpoint task GC');
test.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'mesolith-task-gc-'));
});
test.after.each((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});

/** A task of the long-lived executor 0 run from start to finish, every update acknowledged. */
function finishedTask(n: number): CheckpointRecord[] {
  const task = taskPath(0, n);
  const records: CheckpointRecord[] = [{ type: 'task', task, info: { name: `task ${n}`, resources: { cpus: 0.1, mem: 32 }, run: { module: 'file:///app/job.js', export: 'job', args: { n } } } }];
  (['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'] as const).forEach((state, i) => {
    records.push({ type: 'update', task, seq: 2 * i, update: update(state, `${n}-${i}`) }, { type: 'ack', task, seq: 2 * i + 1, uuid: `${n}-${i}` });
  });
  return records;
}

/** Writes tasks [from, to) finished, `chunk` tasks per write. */
async function finishTasks(store: CheckpointStore, from: number, to: number, chunk = 1_000): Promise<void> {
  for (let n = from; n < to; n += chunk) {
    await store.write(Array.from({ length: Math.min(chunk, to - n) }, (_, i) => finishedTask(n + i)).flat());
  }
}

async function removeTasks(store: CheckpointStore, from: number, to: number): Promise<void> {
  const tasks: TaskPath[] = Array.from({ length: to - from }, (_, i) => taskPath(0, from + i));
  for (let i = 0; i < tasks.length; i += 1_000) {
    const removed = await Promise.all(tasks.slice(i, i + 1_000).map((task) => store.removeFinishedTask(task)));
    assert.ok(removed.every((n) => n === 2));
  }
}

test('removing finished tasks keeps a long-lived executor checkpoint bounded: recovery reads only what remains, the file stops growing', async ({ dir }) => {
  const store = await CheckpointStore.open(dir);
  const file = store.path;
  const mb = () => statSync(file).size / 1e6;
  await store.write([...headerRecords(), ...executorRecords(0, 100, 1_000_000)]);
  await finishTasks(store, 0, 20_000);
  const full = mb();
  let started = performance.now();
  const before = await readState(store, { strict: true });
  const readFullMs = performance.now() - started;
  assert.is(before.records, 5 + 3 + 2 * 20_100);

  await removeTasks(store, 0, 20_000);
  started = performance.now();
  const after = await readState(store, { strict: true });
  const readAfterMs = performance.now() - started;
  assert.is(after.records, 5 + 3 + 2 * 100, 'only the running tasks are read');
  const tasks = after.agent!.frameworks.get(FRAMEWORK)!.executors.get(runPath(0).executorId)!.runs.get(runPath(0).runId)!.tasks;
  assert.is(tasks.size, 100);
  assert.ok([...tasks.values()].every((t) => t.updates.at(-1)?.state === 'TASK_RUNNING'));

  const churn: number[] = [];
  for (let round = 0; round < 10; round++) {
    const first = 100_000 + round * 2_000;
    await finishTasks(store, first, first + 2_000);
    await removeTasks(store, first, first + 2_000);
    churn.push(mb());
  }
  await store.close();
  // LMDB reuses a freed page only once no reader and no unflushed transaction can need it, so
  // the first rounds may still grow the file; after that it holds steady.
  assert.is(churn.at(-1), churn[1], `the file stops growing under a steady finish/remove churn (MB per round: ${churn.map((s) => s.toFixed(1)).join(', ')})`);
  assert.is((await readState(dir, { strict: true })).records, 5 + 3 + 2 * 100);
  console.log(
    `  20k finished tasks: ${full.toFixed(1)} MB, read in ${readFullMs.toFixed(0)} ms; removed: read in ${readAfterMs.toFixed(0)} ms; ` +
      `10 rounds of 2k tasks finished and removed: ${churn.map((s) => s.toFixed(1)).join(', ')} MB`,
  );
});

test.run();
