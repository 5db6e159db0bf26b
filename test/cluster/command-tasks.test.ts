import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withCluster } from '../helpers.js';

const test = suite<{ dir: string }>('cluster: shell tasks');
test.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'mesolith-commands-'));
});
test.after.each((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});

const CLUSTER_PROCESS = fileURLToPath(new URL('../fixtures/cluster-process.js', import.meta.url));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Resolves once `check` holds, polling (a process has no event to wait on); fails after `ms`. */
async function eventually(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.unreachable(`${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A command that starts a background process, writes that process's pid, and waits for it. */
const background = (pidFile: string) => `sleep 60 & echo $! > ${pidFile}; wait`;
const pidIn = (file: string) => Number(readFileSync(file, 'utf8').trim());

test('a kill ends everything a shell task started, not only its shell', ({ dir }) =>
  withCluster({ agent: { executorShutdownGracePeriodMs: 2_000 } }, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'kill' });
    const pidFile = join(dir, 'pid');
    const { taskId } = await fw.launch({ cpus: 0.1, mem: 8, run: { kind: 'command', command: background(pidFile) } });
    await eventually('the command wrote its pid', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'));
    const pid = pidIn(pidFile);
    assert.ok(alive(pid));
    fw.kill(taskId);
    await fw.waitFor(taskId, 'TASK_KILLED');
    await eventually('the background process ended', () => !alive(pid));
  }));

test('an executor whose worker dies takes its shell tasks\' processes with it', ({ dir }) =>
  withCluster({}, async (cluster) => {
    const fw = await cluster.registerFramework({ name: 'crash' });
    const pidFile = join(dir, 'pid');
    const before = new Set(cluster.system.workers());
    const { taskId } = await fw.launch({ cpus: 0.1, mem: 8, run: { kind: 'command', command: background(pidFile) }, executor: {} });
    await eventually('the command wrote its pid', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'));
    const pid = pidIn(pidFile);
    const executorWorker = cluster.system.workers().find((w) => !before.has(w))!;
    await cluster.system.terminateWorker(executorWorker);
    assert.is((await fw.waitFor(taskId, 'TASK_FAILED')).reason, 'REASON_EXECUTOR_TERMINATED');
    await eventually('the command\'s background process ended with its executor', () => !alive(pid));
  }));

test('kill -9 of the whole process leaves no shell task process behind', async ({ dir }) => {
  const pidFile = join(dir, 'pid');
  const child: ChildProcess = spawn(process.execPath, [CLUSTER_PROCESS, join(dir, 'work'), 'command', background(pidFile)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('{') && resolve());
    child.once('exit', (code) => reject(new Error(`the cluster process exited (${code})`)));
  });
  await eventually('the command wrote its pid', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'));
  const pid = pidIn(pidFile);
  assert.ok(alive(pid));
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGKILL');
  });
  await eventually('the background process ended with the process that ran its executor', () => !alive(pid));
});

test.run();
