import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { StatusUpdateManager, type StatusUpdateSink } from '../../src/agent/status-update-manager.js';
import type { FrameworkId, TaskId, TaskStatus } from '../../src/index.js';

const test = suite('status update manager');

function status(taskId: string, uuid: string, state: TaskStatus['state'] = 'TASK_RUNNING'): TaskStatus {
  return { taskId: taskId as TaskId, frameworkId: 'fw' as FrameworkId, uuid, state, timestamp: 0 };
}

/** A sink that records what the manager asks of the agent. */
function recordingSink() {
  const log: string[] = [];
  const sink: StatusUpdateSink = {
    checkpoint: async (s, entry, seq) => {
      log.push(`checkpoint ${entry} ${s.uuid} #${seq}`);
    },
    forward: (s) => log.push(`forward ${s.uuid}`),
    durable: () => ({ updates: [], acks: new Set(), length: 0 }),
  };
  return { sink, log };
}

type DiskEntry = { entry: 'update' | 'ack'; status: TaskStatus };

/** What a test sink's in-memory stream holds, as the store answers `durable`. */
function durableOf(disk: readonly DiskEntry[]) {
  return {
    updates: disk.filter((e) => e.entry === 'update').map((e) => e.status),
    acks: new Set(disk.filter((e) => e.entry === 'ack').map((e) => e.status.uuid)),
    length: disk.length,
  };
}

/** A sink over an in-memory stream that, while `full`, fails every write and keeps nothing (as the store does). */
function diskSink() {
  const disk: DiskEntry[] = [];
  const forwarded: string[] = [];
  const state = { full: false };
  const sink: StatusUpdateSink = {
    checkpoint: async (s, entry, seq) => {
      if (state.full) throw Object.assign(new Error('no space left'), { code: 'ERR_CHECKPOINT_DISK_FULL' });
      if (seq !== disk.length) throw new Error(`gap: seq ${seq}, stream has ${disk.length}`);
      disk.push({ entry, status: s });
    },
    forward: (s) => forwarded.push(s.uuid),
    durable: () => durableOf(disk),
  };
  return { sink, disk, forwarded, state };
}

/** A sink whose writes, while `hold` is set, wait to be landed or failed one by one (`held`), as a store's batches in flight do. */
function heldSink() {
  const disk: DiskEntry[] = [];
  const forwarded: string[] = [];
  const held: { land: () => void; fail: () => void }[] = [];
  const state = { hold: false };
  const sink: StatusUpdateSink = {
    checkpoint: (s, entry, seq) => {
      const land = () => {
        if (seq !== disk.length) throw new Error(`gap: seq ${seq}, stream has ${disk.length}`);
        disk.push({ entry, status: s });
      };
      if (!state.hold) return Promise.resolve().then(land);
      return new Promise<void>((resolve, reject) => held.push({ land: () => resolve(land()), fail: () => reject(new Error('no space left')) }));
    },
    forward: (s) => forwarded.push(s.uuid),
    durable: () => durableOf(disk),
  };
  return { sink, disk, forwarded, held, state };
}

const settled = <T>(promise: Promise<T>) => promise.then((value) => String(value), (error: Error) => `rejected: ${error.message}`);
const microtasks = async (n: number) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

test('checkpoints before forwarding, one update in flight per stream, in order', async () => {
  const { sink, log } = recordingSink();
  const manager = new StatusUpdateManager(sink, { initialMs: 10, maxMs: 80 });
  assert.is(await manager.update(status('t', 'a'), true), 'accepted');
  assert.is(await manager.update(status('t', 'b'), true), 'accepted');
  assert.equal(log, ['checkpoint update a #0', 'forward a', 'checkpoint update b #1']);
  assert.ok(await manager.acknowledge('fw' as FrameworkId, 't' as TaskId, 'a'));
  assert.equal(log.slice(3), ['checkpoint ack a #2', 'forward b']);
  assert.equal(manager.unacknowledged('fw' as FrameworkId, 't' as TaskId).map((s) => s.uuid), ['b']);
});

test('a duplicate update (same uuid) is dropped; a stale or repeated ack changes nothing', async () => {
  const { sink, log } = recordingSink();
  const manager = new StatusUpdateManager(sink, { initialMs: 10, maxMs: 80 });
  await manager.update(status('t', 'a'), false);
  assert.is(await manager.update(status('t', 'a'), false), 'duplicate');
  assert.equal(log, ['forward a']);
  assert.is(await manager.acknowledge('fw' as FrameworkId, 't' as TaskId, 'zzz'), null);
  const first = manager.acknowledge('fw' as FrameworkId, 't' as TaskId, 'a');
  const again = manager.acknowledge('fw' as FrameworkId, 't' as TaskId, 'a');
  assert.ok(await first);
  assert.is(await again, null);
});

test('an unacknowledged update is resent with doubling backoff, capped (fake clock)', async () => {
  const { sink, log } = recordingSink();
  let now = 1_000;
  const manager = new StatusUpdateManager(sink, { initialMs: 10, maxMs: 40 }, () => now);
  await manager.update(status('t', 'a'), false);
  const resentAt: number[] = [];
  for (; now <= 1_200; now++) if (manager.resendDue() > 0) resentAt.push(now);
  assert.equal(resentAt, [1_010, 1_030, 1_070, 1_110, 1_150, 1_190], 'after 10, then 20, then 40 ms, capped');
  assert.is(log.filter((l) => l === 'forward a').length, 1 + resentAt.length);
  assert.ok(await manager.acknowledge('fw' as FrameworkId, 't' as TaskId, 'a'));
  assert.is(manager.resendDue(), 0, 'nothing in flight once acknowledged');
  assert.is(manager.sweepIntervalMs, 5);
});

test('a failed checkpoint is not accepted, and the update retried after the disk recovers lands where it belongs, in order', async () => {
  const { sink, disk, forwarded, state } = diskSink();
  const manager = new StatusUpdateManager(sink, { initialMs: 10, maxMs: 80 });
  assert.is(await manager.update(status('t', 'a', 'TASK_STARTING'), true), 'accepted');
  state.full = true;
  await manager.update(status('t', 'b', 'TASK_RUNNING'), true).then(
    () => assert.unreachable('a write that failed must not be accepted'),
    (error: { code?: string }) => assert.is(error.code, 'ERR_CHECKPOINT_DISK_FULL'),
  );
  state.full = false;
  // The executor sends it again (it was never acknowledged to it): the manager kept it, and writes it at the next free place.
  assert.is(await manager.update(status('t', 'b', 'TASK_RUNNING'), true), 'duplicate');
  assert.is(await manager.update(status('t', 'c', 'TASK_FINISHED'), true), 'accepted');
  assert.equal(disk.map((e) => e.status.uuid), ['a', 'b', 'c']);
  assert.equal(forwarded, ['a'], 'only the head is in flight');
  await manager.acknowledge('fw' as FrameworkId, 't' as TaskId, 'a');
  await manager.acknowledge('fw' as FrameworkId, 't' as TaskId, 'b');
  assert.equal(forwarded, ['a', 'b', 'c'], 'forwarded in stream order');
});

test('a failed acknowledgement leaves the update in flight; the framework\'s repeat ack is written after recovery', async () => {
  const { sink, disk, state } = diskSink();
  const manager = new StatusUpdateManager(sink, { initialMs: 10, maxMs: 80 });
  await manager.update(status('t', 'a', 'TASK_FINISHED'), true);
  state.full = true;
  await manager.acknowledge('fw' as FrameworkId, 't' as TaskId, 'a').then(
    () => assert.unreachable('an ack that could not be written must not count'),
    () => undefined,
  );
  assert.is(manager.unacknowledged('fw' as FrameworkId, 't' as TaskId).length, 1);
  state.full = false;
  assert.ok(await manager.acknowledge('fw' as FrameworkId, 't' as TaskId, 'a'));
  assert.equal(disk.map((e) => `${e.entry} ${e.status.uuid}`), ['update a', 'ack a']);
});

test('a duplicate sent while the first copy is being written is answered only once that write is durable, and fails with it', async () => {
  const { sink, disk, state } = diskSink();
  const manager = new StatusUpdateManager(sink, { initialMs: 10, maxMs: 80 });
  state.full = true;
  const first = manager.update(status('t', 'a', 'TASK_FINISHED'), true);
  const resent = manager.update(status('t', 'a', 'TASK_FINISHED'), true);
  const [one, two] = await Promise.allSettled([first, resent]);
  assert.is(one.status, 'rejected');
  assert.is(two.status, 'rejected', 'the executor must keep an update whose write failed');
  state.full = false;
  assert.is(await manager.update(status('t', 'a', 'TASK_FINISHED'), true), 'duplicate', 'written at its next try');
  assert.equal(disk.map((e) => e.status.uuid), ['a']);
});

test('an update that arrives after one of its stream failed to write waits behind it: the stream on disk keeps the order updates came in', async () => {
  const { sink, disk, forwarded, state } = diskSink();
  const manager = new StatusUpdateManager(sink, { initialMs: 10, maxMs: 80 });
  await manager.update(status('t', 'a', 'TASK_RUNNING'), true);
  state.full = true;
  const progress = await manager.update(status('t', 'p', 'TASK_RUNNING'), true).then(() => 'accepted', () => 'kept by its executor');
  assert.is(progress, 'kept by its executor');
  state.full = false;
  // The task ends before its executor is asked to resend the progress report.
  assert.is(await manager.update(status('t', 'z', 'TASK_FINISHED'), true), 'accepted');
  assert.is(await manager.update(status('t', 'p', 'TASK_RUNNING'), true), 'duplicate', 'the kept report was written, ahead of the end');
  assert.equal(disk.map((e) => e.status.uuid), ['a', 'p', 'z']);
  for (const uuid of ['a', 'p']) await manager.acknowledge('fw' as FrameworkId, 't' as TaskId, uuid);
  assert.equal(forwarded, ['a', 'p', 'z'], 'the terminal update is the last one forwarded');
});

test('an update whose stream cannot be written is written by the manager itself once writes succeed, even if no one sends it again', async () => {
  const { sink, disk, forwarded, state } = diskSink();
  const manager = new StatusUpdateManager(sink, { initialMs: 10, maxMs: 80 });
  state.full = true;
  await manager.update(status('t', 'a', 'TASK_FAILED'), true).then(
    () => assert.unreachable('a write that failed must not be accepted'),
    () => undefined,
  );
  state.full = false;
  await manager.writeUnwritten();
  assert.equal(disk.map((e) => e.status.uuid), ['a']);
  assert.equal(forwarded, ['a']);
  assert.is(await manager.update(status('t', 'a', 'TASK_FAILED'), true), 'duplicate');
});

test('an update that comes at any moment of a rewrite is written in its place, and is not left behind', async () => {
  for (let k = 0; k < 16; k++) {
    const { sink, disk, state } = diskSink();
    const manager = new StatusUpdateManager(sink, { initialMs: 10, maxMs: 80 });
    await manager.update(status('t', 'a'), true);
    state.full = true;
    await manager.update(status('t', 'p'), true).catch(() => undefined);
    state.full = false;
    const z = settled(manager.update(status('t', 'z', 'TASK_RUNNING'), true));
    await microtasks(k);
    const q = await settled(manager.update(status('t', 'q', 'TASK_FINISHED'), true));
    assert.is(await z, 'accepted', `k=${k}`);
    assert.is(q, 'accepted', `k=${k}: an update that came as the rewrite ended`);
    assert.equal(disk.map((e) => e.status.uuid), ['a', 'p', 'z', 'q'], `k=${k}`);
    assert.is(manager.pendingCount(), 4, `k=${k}: all durable, none acknowledged`);
  }
});

test('each update of a stream being rewritten waits for its own write only, not for the updates that keep coming after it', async () => {
  const { sink, disk, held, state } = heldSink();
  const manager = new StatusUpdateManager(sink, { initialMs: 10, maxMs: 80 });
  state.hold = true;
  const p = settled(manager.update(status('t', 'p'), true));
  held.shift()!.fail();
  assert.is(await p, 'rejected: no space left');
  const z = settled(manager.update(status('t', 'z'), true));
  await microtasks(10);
  const q = settled(manager.update(status('t', 'q'), true));
  await microtasks(10);
  assert.is(held.length, 3, 'p and z written again, q behind them');
  held.shift()!.land();
  held.shift()!.land();
  assert.is(await z, 'accepted', 'z is answered once it is durable, while q is still being written');
  held.shift()!.land();
  assert.is(await q, 'accepted');
  assert.equal(disk.map((e) => e.status.uuid), ['p', 'z', 'q']);
});

test('an acknowledgement in flight while another write of its stream fails: the next update is forwarded once', async () => {
  const { sink, disk, forwarded, held, state } = heldSink();
  const manager = new StatusUpdateManager(sink, { initialMs: 10_000, maxMs: 80_000 });
  await manager.update(status('t', 'a'), true);
  await manager.update(status('t', 'b'), true);
  state.hold = true;
  const ack = manager.acknowledge('fw' as FrameworkId, 't' as TaskId, 'a');
  const c = settled(manager.update(status('t', 'c'), true));
  held[1]!.fail();
  assert.is(await c, 'rejected: no space left');
  state.hold = false;
  const d = settled(manager.update(status('t', 'd'), true));
  held[0]!.land();
  assert.is((await ack)?.uuid, 'a');
  assert.is(await d, 'accepted');
  assert.equal(disk.map((e) => `${e.entry} ${e.status.uuid}`), ['update a', 'update b', 'ack a', 'update c', 'update d']);
  assert.equal(forwarded, ['a', 'b']);
});

test.run();
