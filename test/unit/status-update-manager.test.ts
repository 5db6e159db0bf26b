import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { StatusUpdateManager, type StatusUpdateSink } from '../../src/agent/status-update-manager.js';
import type { FrameworkId, TaskId, TaskStatus } from '../../src/index.js';

const test = suite('status update manager');

function status(taskId: string, uuid: string, state: TaskStatus['state'] = 'TASK_RUNNING'): TaskStatus {
  return { taskId: taskId as TaskId, frameworkId: 'fw' as FrameworkId, uuid, state, timestamp: 0 };
}

/** A sink that records what the manager asks of the agent; retries are driven by the test. */
function recordingSink() {
  const log: string[] = [];
  const retries = new Map<string, number>();
  const sink: StatusUpdateSink = {
    checkpoint: async (s, entry, seq) => {
      log.push(`checkpoint ${entry} ${s.uuid} #${seq}`);
    },
    forward: (s) => log.push(`forward ${s.uuid}`),
    scheduleRetry: (s, delayMs) => retries.set(s.taskId, delayMs),
    cancelRetry: (_fw, taskId) => retries.delete(taskId),
  };
  return { sink, log, retries };
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

test('an unacknowledged update is resent with doubling backoff, capped', async () => {
  const { sink, log, retries } = recordingSink();
  const manager = new StatusUpdateManager(sink, { initialMs: 10, maxMs: 40 });
  await manager.update(status('t', 'a'), false);
  const delays = [retries.get('t')];
  for (let i = 0; i < 4; i++) {
    manager.resend('fw' as FrameworkId, 't' as TaskId, 'a');
    delays.push(retries.get('t'));
  }
  assert.equal(delays, [10, 20, 40, 40, 40]);
  assert.is(log.filter((l) => l === 'forward a').length, 5);
  manager.resend('fw' as FrameworkId, 't' as TaskId, 'not-in-flight');
  assert.is(log.filter((l) => l === 'forward a').length, 5, 'a timer for an acknowledged update does nothing');
});

test.run();
