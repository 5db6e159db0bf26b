import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalCluster } from '../../src/index.js';
import { testHost } from '../helpers.js';

const test = suite<{ workDir: string }>('cluster: start and stop fail cleanly');
test.before.each((ctx) => {
  ctx.workDir = mkdtempSync(join(tmpdir(), 'mesolith-start-'));
});
test.after.each((ctx) => {
  rmSync(ctx.workDir, { recursive: true, force: true });
});

const CLUSTER_PROCESS = fileURLToPath(new URL('../fixtures/cluster-process.js', import.meta.url));
const rejection = (promise: Promise<unknown>): Promise<Error & { code?: string }> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as Error & { code?: string },
  );

test('a start that times out rejects with ERR_CLUSTER_START_TIMEOUT, leaves the work dir free, and the process lives on', async ({ workDir }) => {
  const error = await rejection(LocalCluster.start({ workDir, agents: [testHost], startTimeoutMs: 1 }));
  assert.is(error.code, 'ERR_CLUSTER_START_TIMEOUT');
  assert.not.ok(existsSync(join(workDir, 'host-1', 'meta', 'agent.lock')), 'the agent\'s lock is released');
  const cluster = await LocalCluster.start({ workDir, agents: [testHost] });
  assert.is(cluster.agentIds().length, 1, 'the same work dir starts afterwards');
  await cluster.stop();
});

test('a second cluster on a work dir in use by a cluster of this process is refused, and the first one is untouched', async ({ workDir }) => {
  const first = await LocalCluster.start({ workDir, agents: [testHost] });
  try {
    const error = await rejection(LocalCluster.start({ workDir, agents: [testHost] }));
    assert.is(error.code, 'ERR_WORK_DIR_IN_USE');
    assert.ok(existsSync(join(workDir, 'host-1', 'meta', 'agent.lock')), 'the first cluster\'s agent still holds its lock');
    assert.is((await first.state()).agents.length, 1);
    await first.restartAgent(first.agentIds()[0]!);
  } finally {
    await first.stop();
  }
});

test('a work dir in use by another process is refused with ERR_CHECKPOINT_LOCKED, caught like any rejection', async ({ workDir }) => {
  const other: ChildProcess = spawn(process.execPath, [CLUSTER_PROCESS, workDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      other.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('{') && resolve());
      other.once('exit', (code) => reject(new Error(`the other process exited (${code})`)));
    });
    const error = await rejection(LocalCluster.start({ workDir, agents: [testHost, testHost] }));
    assert.is(error.code, 'ERR_CHECKPOINT_LOCKED');
    assert.match(error.message, /in use by process \d+/);
  } finally {
    await new Promise((resolve) => {
      other.once('exit', resolve);
      other.kill('SIGKILL');
    });
  }
});

test('a damaged checkpoint is refused with ERR_CHECKPOINT_DAMAGED, naming the file; the other hosts run on', async ({ workDir }) => {
  const cluster = await LocalCluster.start({ workDir, agents: [testHost, testHost] });
  try {
    const [damaged, healthy] = cluster.agentIds();
    await cluster.stopAgent(damaged!);
    const file = join(workDir, 'host-1', 'meta', 'checkpoint.mdb');
    truncateSync(file, Math.floor(statSync(file).size / 2));
    const error = await rejection(cluster.startAgent(damaged!));
    assert.is(error.code, 'ERR_CHECKPOINT_DAMAGED');
    assert.ok(error.message.includes(file), error.message);
    assert.match(error.message, /delete its work dir/);
    assert.is(await cluster.agentRef(healthy!).ask({ type: 'agent.ping' }), 'pong', 'the other host\'s agent still answers');
    const fw = await cluster.registerFramework({ name: 'after' });
    const { agentId } = await fw.launch({ cpus: 0.1, mem: 16, run: { kind: 'command', command: 'true' } });
    assert.is(agentId, healthy);
  } finally {
    await cluster.stop();
  }
});

test.run();
