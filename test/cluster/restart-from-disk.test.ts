import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalCluster } from '../../src/index.js';

const test = suite<{ workDir: string }>('cluster: restart on the same work dir');
test.before.each((ctx) => {
  ctx.workDir = mkdtempSync(join(tmpdir(), 'mesolith-restart-'));
});
test.after.each((ctx) => {
  rmSync(ctx.workDir, { recursive: true, force: true });
});

const CLUSTER_PROCESS = fileURLToPath(new URL('../fixtures/cluster-process.js', import.meta.url));
const hosts = [{ resources: { cpus: 4, mem: 1_024 } }, { resources: { cpus: 4, mem: 1_024 } }];

interface Report {
  readonly agentIds: string[];
  readonly recovered: number;
  readonly frameworkId?: string;
  readonly taskIds?: string[];
}

/** Runs the cluster process on `workDir` until it reports (then it keeps running). */
function clusterProcess(workDir: string, ...args: string[]): { child: ChildProcess; report: Promise<Report> } {
  const child = spawn(process.execPath, [CLUSTER_PROCESS, workDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const report = new Promise<Report>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line !== undefined) resolve(JSON.parse(line) as Report);
    });
    child.on('exit', (code, signal) => reject(new Error(`the cluster process ended (${signal ?? code}) before reporting: ${err.slice(-2_000)}`)));
  });
  return { child, report };
}

/** SIGKILL, as `kill -9`: no exit handler runs, every worker of the process dies with it. */
function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

test('a cleanly stopped cluster starts again on its work dir: the same agent ids, each recovered', async ({ workDir }) => {
  const first = await LocalCluster.start({ workDir, agents: hosts });
  const ids = first.agentIds();
  await first.stop();
  const second = await LocalCluster.start({ workDir, agents: hosts });
  try {
    assert.equal(second.agentIds(), ids);
    const state = await second.state();
    assert.equal(Object.keys(state.recoveries).sort(), ['host-1', 'host-2'], 'both agents recovered from their checkpoints');
    assert.equal(state.agents.map((a) => a.agentId).sort(), [...ids].sort());
  } finally {
    await second.stop();
  }
});

test('after kill -9 of a process running a cluster, a new process on its work dir brings every agent back with its id, and tells the framework what became of its tasks', async ({ workDir }) => {
  const { child, report } = clusterProcess(workDir, 'launch', '6');
  const before = await report;
  await kill9(child);
  const cluster = await LocalCluster.start({ workDir, agents: hosts });
  try {
    assert.equal(cluster.agentIds(), before.agentIds, 'the same agent ids');
    const fw = await cluster.registerFramework({ name: 'survivor', checkpoint: true, failoverTimeoutMs: 3_600_000 }, { failoverFrom: before.frameworkId! as never });
    // The process took every executor with it: the agent reports each task as Mesos reports the
    // tasks of a rebooted agent (an update it had not delivered before the kill comes first),
    // and pushes it to the framework when the framework comes back (Mesos UpdateFrameworkMessage),
    // not at the next status update resend, 10 s later.
    for (const taskId of before.taskIds!) {
      const ended = await fw.waitFor(taskId, 'TASK_FAILED', { timeoutMs: 5_000 });
      assert.is(ended.source, 'SOURCE_AGENT');
      assert.is(ended.reason, 'REASON_EXECUTOR_TERMINATED');
    }
    const state = await cluster.state();
    for (const agent of state.agents) assert.equal(agent.free, agent.total, `${agent.agentId}'s resources are free again`);
  } finally {
    await cluster.stop();
  }
});

test('kill -9 at any moment of a start: every later start on the work dir succeeds, with the same agent ids', async ({ workDir }) => {
  const { child: first, report } = clusterProcess(workDir);
  const { agentIds } = await report;
  await kill9(first);
  // Killed at staggered moments of its own start (opening checkpoints, recovering, registering).
  for (const delayMs of [0, 50, 150, 300, 600]) {
    const { child, report: next } = clusterProcess(workDir);
    next.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    await kill9(child);
  }
  const { child: last, report: lastReport } = clusterProcess(workDir);
  const recovered = await lastReport;
  await kill9(last);
  assert.equal(recovered.agentIds, agentIds);
  assert.is(recovered.recovered, 2);
});

test.run();
