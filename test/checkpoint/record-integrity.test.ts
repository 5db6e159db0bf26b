import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CheckpointCorruptError, CheckpointStore, checkpointKeys as keys, readState } from '../../src/index.js';
import { encodeValue, payloadOf, recordEncoder } from '../../src/checkpoint/records.js';
import { AGENT, FRAMEWORK, checkpointRecords, executorRecords, headerRecords, runPath, taskPath, update } from '../fixtures/checkpoint-data.js';
import { moveRecord, onDisk, writeAll } from '../fixtures/checkpoint-raw.js';

const test = suite<{ dir: string }>('checkpoint record integrity');
test.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'mesolith-integrity-'));
});
test.after.each((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});

async function strictError(dir: string): Promise<CheckpointCorruptError> {
  const error = await readState(dir, { strict: true }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(error, CheckpointCorruptError);
  return error as CheckpointCorruptError;
}

const runOf = (state: Awaited<ReturnType<typeof readState>>, executor: number) =>
  state.agent!.frameworks.get(FRAMEWORK)!.executors.get(runPath(executor).executorId)!.runs.get(runPath(executor).runId)!;

test('a record whose key was altered fails its checksum, naming the key it is found at', async ({ dir }) => {
  await writeAll(dir, checkpointRecords(3, 1));
  // 'task-1' → 'task-9': one flipped bit (0x31 ^ 0x08), and still a well-formed key.
  const altered = keys.taskInfo(taskPath(0, 9));
  await onDisk(dir, moveRecord(keys.taskInfo(taskPath(0, 1)), altered));
  const error = await strictError(dir);
  assert.is(error.key, altered);
  assert.match(error.message, /checksum mismatch/);
  const state = await readState(dir, { strict: false });
  assert.is(state.errors, 1);
  assert.equal([...runOf(state, 0).tasks.keys()].sort(), ['task-0', 'task-1', 'task-2'], 'the altered record is skipped');
  assert.is(runOf(state, 0).tasks.get(taskPath(0, 1).taskId)!.info, undefined, 'task-1 lost its info, and recovery ignores it');
});

test('a key that names no record is corruption under strict, and skipped and counted otherwise', async ({ dir }) => {
  await writeAll(dir, checkpointRecords(3, 1));
  const altered = keys.taskInfo(taskPath(0, 2)).replace('task.info', 'task.infn');
  await onDisk(dir, moveRecord(keys.taskInfo(taskPath(0, 2)), altered));
  const error = await strictError(dir);
  assert.is(error.key, altered);
  assert.match(error.message, /names no checkpoint record/);
  const state = await readState(dir, { strict: false });
  assert.is(state.errors, 1);
  assert.ok(state.warnings.some((w) => w.includes(altered)), state.warnings.join('\n'));
});

test('records of the previous format (checksum of the value only) are still read, and rewritten in the new one', async ({ dir }) => {
  await writeAll(dir, checkpointRecords(4, 2));
  const expected = await readState(dir);
  await onDisk(dir, (db) => {
    for (const key of db.keys()) db.put(key, encodeValue(payloadOf(key, recordEncoder.decode(db.get(key)))));
  });
  await onDisk(dir, (db) => assert.ok(db.keys().every((key) => db.get(key)[0] === 1), 'every record is now format 1'));
  assert.equal(await readState(dir, { strict: true }), expected);

  const task = taskPath(0, 0);
  const store = await CheckpointStore.open(dir);
  await store.write({ type: 'update', task, seq: 4, update: update('TASK_FINISHED', 'done') });
  await store.close();
  await onDisk(dir, (db) => assert.is(db.get(keys.taskUpdates(task))[0], 2, 'an appended stream is written as format 2'));
  assert.equal(runOf(await readState(dir, { strict: true }), 0).tasks.get(task.taskId)!.updates.at(-1)!.uuid, 'done');
});

test('agents/latest without its agent.info is corruption (they are written together); non-strict skips the agent', async ({ dir }) => {
  await writeAll(dir, checkpointRecords(2, 1));
  await onDisk(dir, (db) => db.remove(keys.agentInfo(AGENT)));
  const error = await strictError(dir);
  assert.is(error.key, keys.agentInfo(AGENT));
  assert.match(error.message, /missing/);
  const state = await readState(dir, { strict: false });
  assert.is(state.errors, 1);
  assert.is(state.agent, undefined);
});

test('a run without its executor.info, or a framework without its framework.info, is corruption; non-strict skips what depends on it', async ({ dir }) => {
  await writeAll(dir, checkpointRecords(4, 2));
  const executorInfo = keys.executorInfo(AGENT, FRAMEWORK, runPath(1).executorId);
  await onDisk(dir, (db) => db.remove(executorInfo));
  assert.is((await strictError(dir)).key, executorInfo);
  const lenient = await readState(dir, { strict: false });
  assert.is(lenient.errors, 1);
  assert.equal([...lenient.agent!.frameworks.get(FRAMEWORK)!.executors.keys()], [runPath(0).executorId], 'the executor goes with its runs; the other stays');
  assert.equal(lenient.skipped, [keys.executorPrefix(AGENT, FRAMEWORK, runPath(1).executorId)]);
  const store = await CheckpointStore.open(dir);
  await store.removeSkipped(lenient.skipped);
  await store.close();
  const cleaned = await readState(dir, { strict: true });
  assert.equal([...cleaned.agent!.frameworks.get(FRAMEWORK)!.executors.keys()], [runPath(0).executorId], 'once removed, a strict read finds the rest intact');

  const other = join(dir, 'other');
  await writeAll(other, checkpointRecords(4, 2));
  await onDisk(other, (db) => db.remove(keys.frameworkInfo(AGENT, FRAMEWORK)));
  assert.is((await strictError(other)).key, keys.frameworkInfo(AGENT, FRAMEWORK));
  const noFramework = await readState(other, { strict: false });
  assert.is(noFramework.errors, 1);
  assert.is(noFramework.agent!.frameworks.size, 0);
  assert.equal(noFramework.skipped, [keys.frameworkPrefix(AGENT, FRAMEWORK)]);
});

test('a run whose tasks have info but whose pid record is missing is corruption', async ({ dir }) => {
  await writeAll(dir, checkpointRecords(2, 1));
  await onDisk(dir, (db) => db.remove(keys.runPid(runPath(0))));
  assert.is((await strictError(dir)).key, keys.runPid(runPath(0)));
  const state = await readState(dir, { strict: false });
  assert.is(state.errors, 1);
  assert.is(state.agent!.frameworks.get(FRAMEWORK)!.executors.get(runPath(0).executorId)!.runs.size, 0);
});

test('an update stream without task.info (a launch whose records failed, then its failure checkpointed) is a warning', async ({ dir }) => {
  const orphan = { ...taskPath(5, 0), runId: 'run-9' as never };
  await writeAll(dir, [...headerRecords(), ...executorRecords(0, 1), { type: 'update', task: orphan, seq: 0, update: update('TASK_FAILED', 'launch-failed') }]);
  const state = await readState(dir, { strict: true });
  assert.is(state.errors, 0);
  assert.ok(state.warnings.some((w) => /task task-0: an update stream without task.info/.test(w)), state.warnings.join('\n'));
  const executor = state.agent!.frameworks.get(FRAMEWORK)!.executors.get(orphan.executorId)!;
  assert.is(executor.info, undefined);
  assert.is(executor.latestRunId, undefined, 'nothing of it is recovered');
  assert.is(runOf(state, 0).tasks.size, 1, 'the rest is read as usual');
});

test.run();
