import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalCluster, type TaskStatus, readState } from '../../src/index.js';
import { fixture } from '../fixtures/behaviours.js';
import { tasksModule } from '../fixtures/tasks.js';
import { nextSystemEvent } from '../probe.js';

const test = suite<{ cluster: LocalCluster }>('cluster: launching tasks');
test.before.each(async (ctx) => {
  ctx.cluster = await LocalCluster.start({ agents: 2, agent: { statusUpdateRetry: { initialMs: 200, maxMs: 1_000 } } });
});
test.after.each(async (ctx) => {
  await ctx.cluster.stop();
});

const js = (name: string, args: unknown) => ({ kind: 'js' as const, module: tasksModule, export: name, args });

test('a JS task runs on its executor: STARTING, RUNNING, FINISHED with its result', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'double' });
  const { taskId, agentId } = await fw.launch({ cpus: 1, mem: 64, run: js('double', { n: 21 }) });
  const finished = await fw.waitFor(taskId, 'TASK_FINISHED');
  assert.is(finished.data, 42);
  assert.is(finished.agentId, agentId);
  assert.equal(fw.updatesOf(taskId).map((s) => s.state), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
  const state = await cluster.state();
  assert.is(state.tasks.find((t) => t.taskId === taskId)?.state, 'TASK_FINISHED');
});

test('many waits at once: each update wakes its own task\'s waits only (no listener per wait), and every wait settles', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'waits' });
  const launched = await Promise.all(Array.from({ length: 300 }, (_, n) => fw.launch({ cpus: 0.01, mem: 1, run: js('double', { n }), executor: { executorId: 'pool' as never } })));
  const finished = launched.map((l) => fw.waitFor(l.taskId, 'TASK_FINISHED'));
  const twice = fw.waitFor(launched[0]!.taskId, 'TASK_FINISHED');
  const never = fw.waitFor(launched[1]!.taskId, 'TASK_FAILED').then(() => undefined, (e: Error & { code?: string }) => e);
  // An update reaches a wait through the framework's index by task id, not through 300 listeners.
  assert.is(fw.listenerCount('update'), 0);
  const results = await Promise.all(finished);
  for (const [n, status] of results.entries()) assert.is(status.data, n * 2);
  assert.is((await twice).taskId, launched[0]!.taskId);
  assert.is((await never)?.code, 'ERR_TASK_ENDED');
});

test('launches beyond maxLaunchesInFlight wait for earlier tasks\' first updates: a burst does not reach the cluster at once', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'window' }, { maxLaunchesInFlight: 2 });
  const answered = new Set<string>();
  fw.on('update', (status) => answered.add(status.taskId));
  const accepted: string[] = [];
  const unansweredAtAccept: number[] = [];
  const launched = await Promise.all(
    Array.from({ length: 6 }, (_, n) =>
      fw.launch({ taskId: `w${n}`, cpus: 0.01, mem: 1, run: js('double', { n }) }).then((l) => {
        accepted.push(l.taskId);
        unansweredAtAccept.push(accepted.filter((id) => !answered.has(id)).length);
        return l;
      }),
    ),
  );
  assert.ok(Math.max(...unansweredAtAccept) <= 2, `launched and unanswered at each accept: ${unansweredAtAccept.join(', ')}`);
  const finished = await Promise.all(launched.map((l) => fw.waitFor(l.taskId, 'TASK_FINISHED')));
  assert.equal(finished.map((s) => s.data), [0, 2, 4, 6, 8, 10]);
});

test('a throwing task ends TASK_FAILED with its error message', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'fail' });
  const { taskId } = await fw.launch({ cpus: 0.5, mem: 32, run: js('fail', { message: 'input was malformed' }) });
  const failed = await fw.waitFor(taskId, 'TASK_FAILED');
  assert.match(failed.message ?? '', /input was malformed/);
});

test('kill: a running JS task and a running command end TASK_KILLED', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'kill' });
  const jsTask = await fw.launch({ cpus: 0.5, mem: 32, run: js('sleep', { ms: 60_000 }) });
  const command = await fw.launch({ cpus: 0.5, mem: 32, run: { kind: 'command', command: 'sleep 60' } });
  await fw.waitFor(jsTask.taskId, 'TASK_RUNNING');
  await fw.waitFor(command.taskId, 'TASK_RUNNING');
  const started = Date.now();
  fw.kill(jsTask.taskId);
  fw.kill(command.taskId);
  await fw.waitFor(jsTask.taskId, 'TASK_KILLED', { timeoutMs: 10_000 });
  // RUNNING is reported as the job is queued, so the kill can come before the pool thread has
  // started the task; it must then not start it, rather than wait out the 5 s grace period.
  assert.ok(Date.now() - started < 4_000, `killed in ${Date.now() - started} ms, not forced after the grace period`);
  await fw.waitFor(command.taskId, 'TASK_KILLED', { timeoutMs: 10_000 });
});

test('a JS task sees its kill as ctx.signal; one that ignores it is forced after the grace period', async () => {
  // A grace long enough that a loaded machine cannot blur the two cases.
  const cluster = await LocalCluster.start({ agents: 1, agent: { executorShutdownGracePeriodMs: 1_500 } });
  try {
    const fw = await cluster.registerFramework({ name: 'grace' });
    const polite = await fw.launch({ cpus: 0.5, mem: 32, run: js('untilKilled', {}) });
    const stubborn = await fw.launch({ cpus: 0.5, mem: 32, run: js('stubborn', { ms: 60_000 }) });
    // Both report progress once their code runs: a kill before that would not start them at all.
    const running = (taskId: string) => fw.updatesOf(taskId).some((s) => s.message === 'progress');
    while (!running(polite.taskId) || !running(stubborn.taskId)) await new Promise((resolve) => fw.once('update', resolve));
    const started = Date.now();
    fw.kill(polite.taskId);
    fw.kill(stubborn.taskId);
    await fw.waitFor(polite.taskId, 'TASK_KILLED');
    const politeMs = Date.now() - started;
    await fw.waitFor(stubborn.taskId, 'TASK_KILLED');
    const stubbornMs = Date.now() - started;
    assert.ok(politeMs < 1_500, `the cooperative task stopped in ${politeMs} ms`);
    assert.ok(stubbornMs >= 1_500, `the stubborn one was forced after the grace (${stubbornMs} ms)`);
  } finally {
    await cluster.stop();
  }
});

test('one pool thread runs many asynchronous JS tasks at once; a forced kill ends its thread and says so to the tasks that shared it', async () => {
  const cluster = await LocalCluster.start({ agents: 1, agent: { executorPoolThreads: 1, executorShutdownGracePeriodMs: 300 } });
  try {
    const fw = await cluster.registerFramework({ name: 'concurrent' });
    const executor = { executorId: 'one-thread' as never };
    const waiting = await Promise.all(Array.from({ length: 20 }, () => fw.launch({ cpus: 0.01, mem: 1, run: js('untilKilled', {}), executor })));
    const stubborn = await fw.launch({ cpus: 0.01, mem: 1, run: js('stubborn', { ms: 60_000 }), executor });
    const started = (taskId: string) => fw.updatesOf(taskId).some((s) => s.message === 'progress');
    const all = [...waiting, stubborn];
    while (!all.every((l) => started(l.taskId))) await new Promise((resolve) => fw.once('update', resolve));
    // All 21 run at once on one thread (with one task per thread, 20 would still be queued).
    const [first, ...others] = waiting;
    fw.kill(first!.taskId);
    assert.is((await fw.waitFor(first!.taskId, 'TASK_KILLED')).source, 'SOURCE_EXECUTOR');
    const killedAt = Date.now();
    fw.kill(stubborn.taskId);
    await fw.waitFor(stubborn.taskId, 'TASK_KILLED');
    assert.ok(Date.now() - killedAt >= 300, 'forced only after the grace period');
    for (const other of others) {
      const failed = await fw.waitFor(other.taskId, 'TASK_FAILED');
      assert.match(failed.message ?? '', /pool thread was ended to force-kill another task/);
    }
  } finally {
    await cluster.stop();
  }
});

test('ctx.progress reaches the framework as TASK_RUNNING updates, in order', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'progress' });
  const { taskId } = await fw.launch({ cpus: 0.5, mem: 32, run: js('steps', { steps: 3 }) });
  await fw.waitFor(taskId, 'TASK_FINISHED');
  const progress = fw.updatesOf(taskId).filter((s) => s.message === 'progress').map((s) => (s.data as { progress: { step: number } }).progress.step);
  assert.equal(progress, [1, 2, 3]);
});

test('teardown kills the framework\'s tasks, stops its executors and returns its resources', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'doomed' });
  const before = new Set(cluster.system.workers());
  const launched = await Promise.all([0, 1].map(() => fw.launch({ cpus: 0.5, mem: 32, run: js('sleep', { ms: 60_000 }) })));
  await Promise.all(launched.map((l) => fw.waitFor(l.taskId, 'TASK_RUNNING')));
  const executorWorkers = cluster.system.workers().filter((w) => !before.has(w));
  assert.is(executorWorkers.length, 2);
  const exits = executorWorkers.map((node) => nextSystemEvent(cluster.system, 'worker.exit', (e) => e.node === node));
  fw.teardown();
  await Promise.all(exits);
  let state = await cluster.state();
  while (state.tasks.some((t) => t.state !== 'TASK_KILLED')) state = await cluster.state();
  assert.equal(state.frameworks.map((f) => f.name), []);
  for (const agent of state.agents) assert.equal(agent.free, agent.total);
});

test('a command task exits 0 → FINISHED, non-zero → FAILED', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'commands' });
  const ok = await fw.launch({ cpus: 0.1, mem: 8, run: { kind: 'command', command: 'true' } });
  const bad = await fw.launch({ cpus: 0.1, mem: 8, run: { kind: 'command', command: 'exit 3' } });
  await fw.waitFor(ok.taskId, 'TASK_FINISHED');
  assert.match((await fw.waitFor(bad.taskId, 'TASK_FAILED')).message ?? '', /code 3/);
});

test('an executor whose worker dies: its running task ends TASK_FAILED, reason executor-terminated', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'crash' });
  const before = new Set(cluster.system.workers());
  const { taskId } = await fw.launch({ cpus: 0.5, mem: 32, run: js('sleep', { ms: 60_000 }) });
  await fw.waitFor(taskId, 'TASK_RUNNING');
  const executorWorkers = cluster.system.workers().filter((w) => !before.has(w));
  assert.is(executorWorkers.length, 1, 'one worker for the command executor');
  await cluster.system.terminateWorker(executorWorkers[0]!);
  const failed = await fw.waitFor(taskId, 'TASK_FAILED');
  assert.is(failed.reason, 'REASON_EXECUTOR_TERMINATED');
  assert.is(failed.source, 'SOURCE_AGENT');
});

test('a launch beyond the offer gets TASK_ERROR, and the master keeps working', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'greedy' }, { offers: 'manual' });
  const offer = await new Promise<import('../../src/index.js').Offer>((resolve) => fw.once('offers', (offers) => resolve(offers[0]!)));
  const errors = new Promise<TaskStatus>((resolve) => fw.on('update', (s) => s.state === 'TASK_ERROR' && resolve(s)));
  fw.accept(offer.offerId, [{ taskId: 'too-big' as never, resources: { cpus: offer.resources.cpus + 1, mem: 1 }, run: js('double', { n: 1 }) }]);
  const error = await errors;
  assert.is(error.taskId, 'too-big');
  assert.match(error.message ?? '', /needs cpus/);
  const { taskId } = await fw.launch({ cpus: 1, mem: 1, run: js('double', { n: 2 }) });
  assert.is((await fw.waitFor(taskId, 'TASK_FINISHED')).data, 4);
});

test('resources return to full after tasks end', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'accounting' });
  const launched = await Promise.all(Array.from({ length: 6 }, (_, n) => fw.launch({ cpus: 0.5, mem: 100, run: js('double', { n }) })));
  await Promise.all(launched.map((l) => fw.waitFor(l.taskId, 'TASK_FINISHED')));
  let state = await cluster.state();
  // Freed resources are returned when the terminal update reaches the master, which happened
  // before the framework saw it; the snapshot is taken after.
  for (const agent of state.agents) assert.equal(agent.free, agent.total, agent.agentId);
  state = await cluster.state();
  assert.is(state.tasks.filter((t) => t.state === 'TASK_FINISHED').length, 6);
});

test('reconciliation answers the true state, explicit and implicit', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'reconcile' });
  const running = await fw.launch({ cpus: 0.5, mem: 32, run: js('sleep', { ms: 60_000 }) });
  await fw.waitFor(running.taskId, 'TASK_RUNNING');
  const answers: TaskStatus[] = [];
  fw.on('update', (s) => s.reason === 'REASON_RECONCILIATION' && answers.push(s));
  fw.reconcile([running.taskId, 'never-launched']);
  fw.reconcile();
  while (answers.length < 3) await new Promise((resolve) => fw.once('update', resolve));
  assert.equal(answers.map((s) => `${s.taskId}:${s.state}:${s.source}`), [
    `${running.taskId}:TASK_RUNNING:SOURCE_MASTER`,
    'never-launched:TASK_LOST:SOURCE_MASTER',
    `${running.taskId}:TASK_RUNNING:SOURCE_MASTER`,
  ]);
  fw.kill(running.taskId);
  await fw.waitFor(running.taskId, 'TASK_KILLED');
});

test('an unacknowledged update is resent by the agent until the framework acknowledges it', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'manual-acks' }, { autoAcknowledge: false });
  const { taskId } = await fw.launch({ cpus: 0.5, mem: 32, run: js('double', { n: 5 }) });
  const first = await new Promise<TaskStatus>((resolve) => fw.once('update', resolve));
  assert.is(first.state, 'TASK_STARTING');
  const again = await new Promise<TaskStatus>((resolve) => fw.once('duplicate', resolve));
  assert.is(again.uuid, first.uuid, 'the same update again: resent after the retry interval, not the next one');
  assert.equal(fw.updatesOf(taskId).map((s) => s.state), ['TASK_STARTING'], 'reported once; RUNNING waits for the ack');
  const seen = [first, again];
  fw.acknowledge(seen[1]!);
  const running = await fw.waitFor(taskId, 'TASK_RUNNING');
  fw.acknowledge(running);
  const finished = await fw.waitFor(taskId, 'TASK_FINISHED');
  fw.acknowledge(finished);
});

test('an agent that stops answering pings is marked unreachable; its tasks are lost', async () => {
  const cluster = await LocalCluster.start({ agents: 1, autoRestartAgents: false, master: { agentPingTimeoutMs: 100, maxAgentPingTimeouts: 3 } });
  try {
    // Checkpointing frameworks: their tasks outlive the agent's disconnection, so only the
    // missed pings end them (non-checkpointing ones are lost at the disconnection itself).
    const fw = await cluster.registerFramework({ name: 'partition', partitionAware: true, checkpoint: true });
    const plain = await cluster.registerFramework({ name: 'plain', checkpoint: true });
    const aware = await fw.launch({ cpus: 0.5, mem: 32, run: js('sleep', { ms: 60_000 }) });
    const legacy = await plain.launch({ cpus: 0.5, mem: 32, run: js('sleep', { ms: 60_000 }) });
    await fw.waitFor(aware.taskId, 'TASK_RUNNING');
    await plain.waitFor(legacy.taskId, 'TASK_RUNNING');
    const started = Date.now();
    await cluster.system.terminateWorker(cluster.agentRef(aware.agentId).node);
    const unreachable = await fw.waitFor(aware.taskId, 'TASK_UNREACHABLE', { timeoutMs: 5_000 });
    const lost = await plain.waitFor(legacy.taskId, 'TASK_LOST', { timeoutMs: 5_000 });
    assert.is(unreachable.reason, 'REASON_AGENT_REMOVED');
    assert.is(lost.reason, 'REASON_AGENT_REMOVED');
    assert.is(lost.source, 'SOURCE_MASTER');
    assert.ok(Date.now() - started >= 200, 'not before the missed pings');
  } finally {
    await cluster.stop();
  }
});

test('a paused agent worker misses its pings and becomes unreachable; resumed, it reregisters and its task runs on', async () => {
  const cluster = await LocalCluster.start({ agents: 1, autoRestartAgents: false, master: { agentPingTimeoutMs: 100, maxAgentPingTimeouts: 3 } });
  try {
    const fw = await cluster.registerFramework({ name: 'paused', partitionAware: true, checkpoint: true });
    const { taskId, agentId } = await fw.launch({ cpus: 0.5, mem: 32, run: js('sleep', { ms: 60_000 }) });
    await fw.waitFor(taskId, 'TASK_RUNNING');
    const agentNode = cluster.agentRef(agentId).node;
    const blocker = await cluster.system.spawn({ module: fixture, export: 'blocker' }, { worker: agentNode });
    const masterLost = cluster.events.next('agent.master_lost');
    const reregistered = new Promise<TaskStatus>((resolve) => {
      const onUpdate = (s: TaskStatus) => {
        if (s.taskId !== taskId || s.reason !== 'REASON_AGENT_REREGISTERED') return;
        fw.off('update', onUpdate);
        resolve(s);
      };
      fw.on('update', onUpdate);
    });
    const started = Date.now();
    blocker.tell({ type: 'block', ms: 1_000 });
    const unreachable = await fw.waitFor(taskId, 'TASK_UNREACHABLE', { timeoutMs: 5_000 });
    assert.ok(Date.now() - started >= 300, 'not before three missed pings');
    assert.is(unreachable.source, 'SOURCE_MASTER');
    assert.is(unreachable.reason, 'REASON_AGENT_REMOVED');
    // Resumed, the agent hears no more pings for the master's window and reregisters itself.
    assert.equal(await masterLost, { type: 'agent.master_lost', agentId, hostId: 'host-1', silentMs: 400 });
    const back = await reregistered;
    assert.is(back.state, 'TASK_RUNNING', 'the task ran on through the pause');
    assert.is(cluster.agentRef(agentId).node, agentNode, 'the same agent worker, not a restarted one');
    fw.kill(taskId);
    await fw.waitFor(taskId, 'TASK_KILLED');
  } finally {
    await cluster.stop();
  }
});

test('shared isolation packs many executors into few workers', async () => {
  const cluster = await LocalCluster.start({ agents: 1, executorsPerSharedWorker: 50, agent: { executorPoolThreads: 1 } });
  try {
    const before = cluster.system.workers().length;
    const fw = await cluster.registerFramework({ name: 'dense' });
    const launched = await Promise.all(
      Array.from({ length: 200 }, (_, n) =>
        fw.launch({ cpus: 0.001, mem: 0.1, run: js('double', { n }), executor: { executorId: `e${n}` as never, isolation: 'shared' } }),
      ),
    );
    await Promise.all(launched.map((l) => fw.waitFor(l.taskId, 'TASK_FINISHED')));
    const executorWorkers = cluster.system.workers().length - before;
    assert.ok(executorWorkers <= 4, `200 executors in ${executorWorkers} workers (50 per worker)`);
    assert.ok(executorWorkers >= 1);
  } finally {
    await cluster.stop();
  }
});

test('1,000 tasks over 3 agents all finish in order, every update acknowledged; finished tasks leave the checkpoint', async () => {
  const workDir = mkdtempSync(join(tmpdir(), 'mesolith-1k-'));
  const cluster = await LocalCluster.start({ workDir, agents: 3 });
  try {
    const fw = await cluster.registerFramework({ name: 'thousand', checkpoint: true });
    const launched = await Promise.all(
      Array.from({ length: 1_000 }, (_, n) =>
        fw.launch({ cpus: 0.01, mem: 1, run: js('double', { n }), executor: { executorId: 'pool' as never } }),
      ),
    );
    await Promise.all(launched.map((l) => fw.waitFor(l.taskId, 'TASK_FINISHED', { timeoutMs: 60_000 })));
    const agentsUsed = new Set(launched.map((l) => l.agentId));
    assert.is(agentsUsed.size, 3, 'spread over every agent');
    for (const [n, l] of launched.entries()) {
      assert.equal(fw.updatesOf(l.taskId).map((s) => s.state), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'], l.taskId);
      assert.is(fw.updatesOf(l.taskId)[2]!.data, n * 2);
    }
    const state = await cluster.state();
    for (const agent of state.agents) assert.equal(agent.free, agent.total);
    for (const agentId of cluster.agentIds()) {
      let snapshot = await cluster.agentState(agentId);
      // The last acknowledgements may still be on their way to the agent.
      while (snapshot.unacknowledgedUpdates > 0) snapshot = await cluster.agentState(agentId);
      assert.is(snapshot.checkpoint.healthy, true);
      assert.ok(snapshot.checkpoint.writes.count >= 1_000, 'updates and acknowledgements were written');
    }
  } finally {
    await cluster.stop();
  }
  let tasks = 0;
  let runs = 0;
  for (const host of ['host-1', 'host-2', 'host-3']) {
    const checkpoint = await readState(join(workDir, host));
    for (const fw of checkpoint.agent!.frameworks.values()) {
      for (const ex of fw.executors.values()) {
        for (const run of ex.runs.values()) {
          runs++;
          tasks += run.tasks.size;
        }
      }
    }
  }
  rmSync(workDir, { recursive: true, force: true });
  assert.is(runs, 3, 'each agent\'s pool executor run is still recorded');
  assert.is(tasks, 0, 'a finished, acknowledged task of a long-lived executor is removed from the checkpoint');
});

test.run();
