import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CheckpointStore, CheckpointWriteError, type TaskPath, checkpointKeys, readState } from '../../src/index.js';
import { FREE_SPACE_RESERVE_BYTES } from '../../src/checkpoint/free-space.js';
import { MasterRegistry } from '../../src/master/registry.js';
import { fillDisk, withSmallDisk } from '../fixtures/checkpoint-disk.js';
import { AGENT, FRAMEWORK, executorRecords, headerRecords, runPath, taskPath, update } from '../fixtures/checkpoint-data.js';
import { onDisk, writeAll } from '../fixtures/checkpoint-raw.js';

const test = suite('checkpoint on a full disk');
const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));
test.after.each(() => {
  assert.equal(unhandled, [], 'no write failure escaped as an unhandled rejection');
});

/** An update too big to fit in the pages a checkpoint already has free: it needs the disk. */
const bigUpdate = (uuid: string, kib: number) => ({ ...update('TASK_RUNNING', uuid), message: 'x'.repeat(kib * 1024) });

function tasksOf(state: Awaited<ReturnType<typeof readState>>, executor = 0) {
  return state.agent!.frameworks.get(FRAMEWORK)!.executors.get(runPath(executor).executorId)!.runs.get(runPath(executor).runId)!.tasks;
}

test('a write on a full disk fails with ERR_CHECKPOINT_DISK_FULL, changes nothing, and succeeds once space returns', async () => {
  await withSmallDisk(4 << 20, async (dir) => {
    const store = await CheckpointStore.open(dir);
    const events: string[] = [];
    store.on('error', (error) => events.push(`error ${error.code}`));
    store.on('recovered', () => events.push('recovered'));
    const task = taskPath(0, 0);
    await store.write([...headerRecords(), ...executorRecords(0, 3)]);
    const before = await readState(store, { strict: true });
    const filler = fillDisk(dir);

    const first = store.write({ type: 'update', task, seq: 4, update: bigUpdate('big', 256) });
    await Promise.resolve();
    // Issued while the first is in flight: it joins the next batch, built on top of the first.
    const queued = store.write({ type: 'ack', task, seq: 5, uuid: 'big' });
    const [failed, queuedFailed] = await Promise.allSettled([first, queued]);
    assert.is(failed.status, 'rejected');
    const error = (failed as PromiseRejectedResult).reason as CheckpointWriteError;
    assert.instance(error, CheckpointWriteError);
    assert.is(error.code, 'ERR_CHECKPOINT_DISK_FULL');
    assert.is(error.errno, 'ENOSPC');
    assert.is(error.path, store.path);
    assert.ok(error.message.includes(store.path) && /ENOSPC/.test(error.message) && /free space/.test(error.message), error.message);
    assert.ok(error.cause !== undefined, 'the native error is kept as the cause');
    assert.is(queuedFailed.status, 'rejected', 'the write queued behind it fails with it');
    assert.is(((queuedFailed as PromiseRejectedResult).reason as CheckpointWriteError).code, 'ERR_CHECKPOINT_DISK_FULL');
    assert.is(store.healthy, false);
    assert.is(store.lastError, error);
    assert.equal(events, ['error ERR_CHECKPOINT_DISK_FULL']);

    const gap = (await store.write({ type: 'ack', task, seq: 5, uuid: 'big' }).catch((e: unknown) => e)) as { code: string };
    assert.is(gap.code, 'ERR_CHECKPOINT_INVALID', 'the failed update is not in the stream the store appends to');
    assert.equal(await readState(store, { strict: true }), before, 'what was written before is intact, and nothing of the failed write is on disk');

    rmSync(filler);
    await store.write({ type: 'update', task, seq: 4, update: bigUpdate('big', 256) });
    assert.is(store.healthy, true);
    assert.is(store.lastError, undefined);
    assert.equal(events, ['error ERR_CHECKPOINT_DISK_FULL', 'recovered']);
    await store.write({ type: 'ack', task, seq: 5, uuid: 'big' });
    await store.close();

    const state = await readState(dir, { strict: true });
    const recovered = tasksOf(state).get(task.taskId)!;
    assert.equal(recovered.updates.map((u) => u.uuid), ['0-starting', '0-running', 'big']);
    assert.ok(recovered.acks.has('big'));
    assert.is(recovered.nextSeq, 6);
    assert.is(tasksOf(state).size, 3);
  });
});

test('a commit that would leave less than the reserve free is refused before LMDB writes (lmdb-js cannot be trusted past ENOSPC), and goes through once space returns', async () => {
  await withSmallDisk(4 << 20, async (dir) => {
    const store = await CheckpointStore.open(dir);
    const task = taskPath(0, 0);
    await store.write([...headerRecords(), ...executorRecords(0, 1)]);
    // Room for the update itself, not for the reserve on top of it.
    const reserve = join(dir, 'reserve');
    writeFileSync(reserve, Buffer.alloc(FREE_SPACE_RESERVE_BYTES / 2));
    const filler = fillDisk(dir);
    rmSync(reserve);
    const error = (await store.write({ type: 'update', task, seq: 4, update: bigUpdate('big', 64) }).catch((e: unknown) => e)) as CheckpointWriteError;
    assert.is(error.code, 'ERR_CHECKPOINT_DISK_FULL');
    assert.is(error.errno, 'ENOSPC');
    assert.match(String((error.cause as Error).message), /less than the \d+ a commit of \d+ bytes keeps free/);
    rmSync(filler);
    await store.write({ type: 'update', task, seq: 4, update: bigUpdate('big', 64) });
    await store.close();
    assert.equal(tasksOf(await readState(dir, { strict: true })).get(task.taskId)!.updates.map((u) => u.uuid), ['0-starting', '0-running', 'big']);
  });
});

test('close() settles after failed commits, and the work dir can be opened again', async () => {
  await withSmallDisk(4 << 20, async (dir) => {
    const store = await CheckpointStore.open(dir);
    await store.write([...headerRecords(), ...executorRecords(0, 8)]);
    const filler = fillDisk(dir);
    const writes = Array.from({ length: 8 }, (_, t) => store.write({ type: 'update', task: taskPath(0, t), seq: 4, update: bigUpdate(`w${t}`, 32) }));
    assert.ok((await Promise.allSettled(writes)).every((w) => w.status === 'rejected'));
    rmSync(filler);
    await store.close();
    const again = await CheckpointStore.open(dir);
    assert.is(tasksOf(await readState(again, { strict: true })).size, 8);
    await again.close();
  });
});

test('writers that retry through repeated full disks end with exactly the updates acknowledged, in order', async () => {
  await withSmallDisk(8 << 20, async (dir) => {
    const store = await CheckpointStore.open(dir);
    const writers = 8;
    const tasks = Array.from({ length: writers }, (_, w): TaskPath => taskPath(0, w));
    await store.write([...headerRecords(), ...executorRecords(0, 0), ...tasks.map((task) => ({ type: 'task' as const, task, info: { name: task.taskId, resources: { cpus: 0.1, mem: 8 } } }))]);
    let done = false;
    let freed: Promise<void> = Promise.resolve();
    const acknowledged: number[] = Array.from({ length: writers }, () => 0);
    let failures = 0;
    let progress = { total: 0, reached: () => undefined as void };
    /** Resolves once the writers have had `count` more updates acknowledged. */
    const acknowledgedMore = (count: number) => new Promise<void>((resolve) => (progress = { total: acknowledged.reduce((a, b) => a + b) + count, reached: resolve }));
    const write = async (w: number): Promise<void> => {
      const task = tasks[w]!;
      while (!done) {
        const seq = acknowledged[w]!;
        try {
          await store.write({ type: 'update', task, seq, update: bigUpdate(`${w}-${seq}`, 8) });
          acknowledged[w] = seq + 1;
          if (acknowledged.reduce((a, b) => a + b) >= progress.total) progress.reached();
        } catch (error) {
          if (!(error instanceof CheckpointWriteError)) throw error;
          failures++;
          // The same seq again once there is space.
          await freed;
        }
      }
    };
    const running = Promise.all(Array.from({ length: writers }, (_, w) => write(w)));
    for (let round = 0; round < 3; round++) {
      await acknowledgedMore(40);
      let free!: () => void;
      freed = new Promise((resolve) => (free = resolve));
      const filler = fillDisk(dir);
      await new Promise<void>((resolve) => store.once('error', () => resolve()));
      rmSync(filler);
      const healthyAgain = new Promise<void>((resolve) => store.once('recovered', () => resolve()));
      free();
      await healthyAgain;
    }
    done = true;
    await running;
    await store.close();
    assert.ok(failures >= 3, `${failures} failed writes`);
    const recovered = tasksOf(await readState(dir, { strict: true }));
    for (let w = 0; w < writers; w++) {
      const expected = Array.from({ length: acknowledged[w]! }, (_, seq) => `${w}-${seq}`);
      assert.equal(recovered.get(tasks[w]!.taskId)!.updates.map((u) => u.uuid), expected, `writer ${w}`);
    }
  });
});

test('the master registry reports a full disk with the same codes, and writes again once space returns', async () => {
  await withSmallDisk(4 << 20, async (dir) => {
    const registry = MasterRegistry.open(dir);
    const info = (padding: number) => ({ hostname: 'host-1', resources: { cpus: 8, mem: 4096 }, attributes: { note: 'x'.repeat(padding) } });
    await registry.admitAgent('agent-1' as never, info(10));
    const filler = fillDisk(dir);
    const error = (await registry.admitAgent('agent-2' as never, info(512 * 1024)).catch((e: unknown) => e)) as CheckpointWriteError;
    assert.instance(error, CheckpointWriteError);
    assert.is(error.code, 'ERR_CHECKPOINT_DISK_FULL');
    assert.is(error.path, registry.path);
    assert.is(registry.healthy, false);
    assert.equal([...registry.read().agents.keys()], ['agent-1']);
    rmSync(filler);
    await registry.admitAgent('agent-2' as never, info(512 * 1024));
    assert.is(registry.healthy, true);
    await registry.close();
    const reopened = MasterRegistry.open(dir);
    assert.equal([...reopened.read().agents.keys()], ['agent-1', 'agent-2']);
    assert.is(reopened.read().lastAgent, 2);
    await reopened.close();
  });
});

test('what a non-strict read skipped is removed by the first commit that succeeds, ahead of the writes after it', async () => {
  await withSmallDisk(4 << 20, async (dir) => {
    await writeAll(dir, [...headerRecords(), ...executorRecords(0, 1), ...executorRecords(1, 1)]);
    const executorInfo = checkpointKeys.executorInfo(AGENT, FRAMEWORK, runPath(1).executorId);
    await onDisk(dir, (db) => db.remove(executorInfo));
    const store = await CheckpointStore.open(dir);
    const lenient = await readState(store, { strict: false });
    assert.is(lenient.errors, 1);
    const filler = fillDisk(dir);
    const refused = await store.removeSkipped(lenient.skipped).catch((e: unknown) => e as CheckpointWriteError);
    assert.is((refused as CheckpointWriteError).code, 'ERR_CHECKPOINT_DISK_FULL');
    rmSync(filler);
    // The executor's info written again (its next launch) must not bring back its old runs.
    await store.write(executorRecords(1, 0).filter((r) => r.type === 'executor'));
    await store.close();
    const state = await readState(dir, { strict: true });
    const executor = state.agent!.frameworks.get(FRAMEWORK)!.executors.get(runPath(1).executorId)!;
    assert.is(executor.runs.size, 0, 'the skipped run stayed removed');
  });
});

test.run();
