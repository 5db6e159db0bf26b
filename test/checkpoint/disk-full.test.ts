import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CheckpointStore, CheckpointWriteError, type TaskPath, readState } from '../../src/index.js';
import { MasterRegistry } from '../../src/master/registry.js';
import { fillDisk, withSmallDisk } from '../fixtures/checkpoint-disk.js';
import { FRAMEWORK, executorRecords, headerRecords, runPath, taskPath, update } from '../fixtures/checkpoint-data.js';

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

test('a write cut short by the last free pages is ERR_CHECKPOINT_IO naming EIO, and is retried as well', async () => {
  await withSmallDisk(4 << 20, async (dir) => {
    const store = await CheckpointStore.open(dir);
    const task = taskPath(0, 0);
    await store.write([...headerRecords(), ...executorRecords(0, 1)]);
    const reserve = join(dir, 'reserve');
    writeFileSync(reserve, Buffer.alloc(8192));
    const filler = fillDisk(dir);
    rmSync(reserve);
    const error = (await store.write({ type: 'update', task, seq: 4, update: bigUpdate('big', 64) }).catch((e: unknown) => e)) as CheckpointWriteError;
    assert.is(error.code, 'ERR_CHECKPOINT_IO');
    assert.is(error.errno, 'EIO');
    assert.match(error.message, /short write \(the filesystem may be full\)/);
    rmSync(filler);
    await store.write({ type: 'update', task, seq: 4, update: bigUpdate('big', 64) });
    await store.close();
    assert.equal(tasksOf(await readState(dir, { strict: true })).get(task.taskId)!.updates.map((u) => u.uuid), ['0-starting', '0-running', 'big']);
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

test.run();
