import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalCluster } from '../../src/index.js';
import { sleep, testHost, withCluster } from '../helpers.js';

const test = suite('cluster: long durations');

const YEAR_MS = 365 * 86_400_000;

/** Resolves after `ms` of real time: what a clamped timer would have fired well within. */
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('failoverTimeoutMs of a year: the framework of a scheduler that went away is still there after a second', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'patient', checkpoint: true, failoverTimeoutMs: YEAR_MS });
    const { taskId } = await fw.launch({ cpus: 0.5, mem: 32, run: sleep(60_000) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    let removed = false;
    cluster.events.on('master.framework_removed', () => (removed = true));
    await fw.disconnect();
    await wait(1_000);
    assert.not.ok(removed, 'a year-long timeout did not fire at once (Node clamps setTimeout past 2^31-1 ms to 1 ms)');
    const back = await cluster.registerFramework({ name: 'patient', checkpoint: true, failoverTimeoutMs: YEAR_MS }, { failoverFrom: fw.frameworkId });
    assert.is((await cluster.state()).tasks.find((t) => t.taskId === taskId)?.state, 'TASK_RUNNING');
    back.kill(taskId);
    await back.waitFor(taskId, 'TASK_KILLED');
  }));

test('recoveryTimeoutMs of a year: an executor waits for its crashed agent longer than a second, and is reconnected', () =>
  withCluster({ agent: { recoveryTimeoutMs: YEAR_MS } }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'waiting', checkpoint: true });
    const { taskId, agentId } = await fw.launch({ cpus: 0.5, mem: 32, run: sleep(60_000), executor: {} });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    let destroyed = false;
    cluster.events.on('launcher.executor_destroyed', () => (destroyed = true));
    await cluster.crashAgent(agentId);
    await wait(1_000);
    assert.not.ok(destroyed);
    const recovery = await cluster.startAgent(agentId);
    assert.is(recovery.reconnected, 1, 'the executor was still there');
  }));

test('waitFor with timeoutMs Infinity settles on the update; a negative or too long one is refused, naming the key', () =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'waits' });
    const { taskId } = await fw.launch({ cpus: 0.5, mem: 32, run: sleep(50) });
    assert.is((await fw.waitFor(taskId, 'TASK_FINISHED', { timeoutMs: Infinity })).state, 'TASK_FINISHED');
    for (const timeoutMs of [-1, Number.NaN, 11 * YEAR_MS]) {
      const error = (await fw.waitFor(taskId, 'TASK_RUNNING', { timeoutMs }).catch((e: unknown) => e)) as { code?: string; message?: string };
      assert.is(error.code, 'ERR_INVALID_OPTIONS', String(timeoutMs));
      assert.match(error.message ?? '', /timeoutMs/);
    }
  }));

test('cluster durations above ten years are refused before anything starts, naming the key', async () => {
  for (const [options, key] of [
    [{ agent: { recoveryTimeoutMs: 11 * YEAR_MS } }, 'agent.recoveryTimeoutMs'],
    [{ master: { agentPingTimeoutMs: 11 * YEAR_MS } }, 'master.agentPingTimeoutMs'],
    [{ startTimeoutMs: Infinity }, 'startTimeoutMs'],
  ] as const) {
    const error = (await LocalCluster.start({ agents: [testHost], ...options }).catch((e: unknown) => e)) as { code?: string; message?: string };
    assert.is(error.code, 'ERR_INVALID_OPTIONS');
    assert.match(error.message ?? '', new RegExp(key.replace('.', '\\.')));
  }
});

test.run();
