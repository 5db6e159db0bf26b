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
  };
  return { sink, log };
}

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

test.run();
