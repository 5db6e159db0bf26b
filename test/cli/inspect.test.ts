import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalCluster, checkpointKeys, readState } from '../../src/index.js';
import { tamper } from '../fixtures/checkpoint-raw.js';
import { tasksModule } from '../fixtures/tasks.js';
import { runCli } from './cli-process.js';

const workDir = mkdtempSync(join(tmpdir(), 'mesolith-inspect-'));
let heldTask = '';

test.before(async () => {
  const cluster = await LocalCluster.start({ agents: 1, workDir });
  try {
    const fw = await cluster.registerFramework({ name: 'inspected', checkpoint: true });
    // An executor of its own: its finished run stays on disk until gcDelayMs (a finished task of a
    // long-lived executor would leave the checkpoint at once).
    const done = await fw.launch({ taskId: 'quick-one', cpus: 0.1, mem: 16, run: { kind: 'js', module: tasksModule, export: 'double', args: { n: 2 } }, executor: {} });
    await fw.waitFor(done.taskId, 'TASK_FINISHED');
    const held = await fw.launch({ taskId: 'held-one', cpus: 0.1, mem: 16, run: { kind: 'js', module: tasksModule, export: 'untilKilled' } });
    await fw.waitFor(held.taskId, 'TASK_RUNNING');
    heldTask = held.taskId;
  } finally {
    await cluster.stop();
  }
});
test.after(() => rmSync(workDir, { recursive: true, force: true }));

test('inspect prints each host of a cluster work dir as a tree, with task states and unacknowledged updates', async () => {
  const exit = await runCli(['inspect', workDir]);
  assert.is(exit.code, 0, exit.stderr);
  const out = exit.stdout;
  assert.match(out, new RegExp(`^${workDir}\n  host-1/meta/  boot_id [0-9a-f-]+, \\d+ record\\(s\\)`));
  assert.match(out, /\n {4}agents\/agent-1 {2}\S+-host-1 {2}cpus \d+ mem \d+/);
  assert.match(out, /\n {6}frameworks\/framework-1 {2}"inspected" checkpoint/);
  assert.match(out, /\n {8}executors\/default {2}shared/, "tasks launched without an executor share the default one");
  assert.match(out, /\n {10}runs\/\S+ \(latest\) {2}pid w\d+ {2}(not )?completed/);
  assert.match(out, /\n {12}tasks\/quick-one {2}TASK_FINISHED {2}\d update\(s\), all acknowledged/);
  assert.match(out, new RegExp(`\\n {12}tasks/${heldTask} {2}TASK_RUNNING`));
  assert.match(out, /corrupt records: 0/);
  assert.match(out, /master\/registry\.mdb/);
});

test('inspect --json is the same tree as JSON', async () => {
  const exit = await runCli(['inspect', '--json', workDir]);
  assert.is(exit.code, 0, exit.stderr);
  const report = JSON.parse(exit.stdout) as { masterRegistry: boolean; hosts: { host: string; corrupt: number; agent: { id: string; frameworks: { executors: { runs: { tasks: { id: string; state: string }[] }[] }[] }[] } }[] };
  assert.is(report.masterRegistry, true);
  assert.equal(report.hosts.map((h) => h.host), ['host-1']);
  const tasks = report.hosts[0]!.agent.frameworks.flatMap((f) => f.executors.flatMap((e) => e.runs.flatMap((r) => r.tasks)));
  assert.equal(Object.fromEntries(tasks.map((t) => [t.id, t.state])), { 'quick-one': 'TASK_FINISHED', [heldTask]: 'TASK_RUNNING' });
});

test('inspect names the first corrupt record and still prints the rest', async () => {
  const hostDir = join(workDir, 'host-1');
  const state = await readState(hostDir);
  const agent = state.agent!;
  const [frameworkId, framework] = [...agent.frameworks][0]!;
  const executor = [...framework.executors.values()].find((e) => [...e.runs.values()].some((r) => r.tasks.has('quick-one' as never)))!;
  const key = checkpointKeys.taskInfo({ agentId: agent.id, frameworkId, executorId: executor.id, runId: executor.latestRunId!, taskId: 'quick-one' as never });
  await tamper(hostDir, key, (v) => Buffer.concat([v.subarray(0, v.length - 1), Buffer.from([v[v.length - 1]! ^ 0xff])]));
  const exit = await runCli(['inspect', hostDir]);
  assert.is(exit.code, 0, exit.stderr);
  assert.match(exit.stdout, new RegExp(`corrupt records: 1 \\(first: ${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  assert.not.match(exit.stdout, /tasks\/quick-one {2}/, "the task whose info is corrupt is dropped");
  assert.match(exit.stdout, new RegExp(`tasks/${heldTask}`));
});

test('inspect of a path that is not a work dir exits 2', async () => {
  for (const path of [join(workDir, 'nope'), join(workDir, 'master')]) {
    const exit = await runCli(['inspect', path]);
    assert.is(exit.code, 2, path);
    assert.match(exit.stderr, /^mesolith: .* (is not a directory|is not a work dir).*\(ERR_NOT_A_WORK_DIR\)/);
  }
});

test.run();
