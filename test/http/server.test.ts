import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheus from 'parse-prometheus-text-format';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serveCluster } from '../../src/http/index.js';
import { attachLogger, createLogger } from '../../src/log/index.js';
import { LocalCluster } from '../../src/index.js';
import { tasksModule } from '../fixtures/tasks.js';

/** Reads SSE frames from /events until `enough` says stop. */
async function readEvents(url: string, enough: (frames: { event: string; data: any }[]) => boolean): Promise<{ event: string; data: any }[]> {
  const controller = new AbortController();
  const res = await fetch(`${url}/events`, { signal: controller.signal });
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const frames: { event: string; data: any }[] = [];
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.+)$/m.exec(frame)?.[1];
      const data = /^data: (.+)$/m.exec(frame)?.[1];
      if (event !== undefined && data !== undefined) frames.push({ event, data: JSON.parse(data) });
    }
    if (enough(frames)) break;
  }
  controller.abort();
  return frames;
}

test('state, metrics, events and logs follow an agent crash and its recovery', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mesolith-http-'));
  const logFile = join(dir, 'log.jsonl');
  const fd = openSync(logFile, 'w');
  const cluster = await LocalCluster.start({ agents: 2 });
  const detach = attachLogger(cluster, { logger: createLogger({ fd, level: 'debug' }) });
  const server = await serveCluster(cluster, { port: 0 });
  try {
    const fw = await cluster.registerFramework({ name: 'web', checkpoint: true });
    const held = await fw.launch({ taskId: 'held', cpus: 0.5, mem: 64, run: { kind: 'js', module: tasksModule, export: 'untilKilled' } });
    await fw.waitFor(held.taskId, 'TASK_RUNNING');
    const recovered = cluster.nextRecovery(held.agentId);
    await cluster.crashAgent(held.agentId);
    const recovery = await recovered;

    const state = (await (await fetch(`${server.url}/state`)).json()) as any;
    const slave = state.slaves.find((s: { id: string }) => s.id === held.agentId);
    assert.is(slave.crashes, 1);
    assert.is(slave.recoveries, 1);
    assert.is(slave.status, 'active');
    assert.is(slave.last_recovery.reconnected, recovery.reconnected);
    assert.is(slave.last_recovery.lost, 0);
    assert.equal(Object.keys(slave.last_recovery.phases), ['checkpoint_read_ms', 'reconnect_ms', 'reregister_ms']);
    assert.equal(slave.used_resources, { cpus: 0.5, mem: 64, disk: 0, gpus: 0 });
    assert.is(state.frameworks[0].name, 'web');
    const [task] = state.frameworks[0].tasks;
    assert.equal(
      { id: task.id, name: task.name, framework_id: task.framework_id, slave_id: task.slave_id, executor_id: task.executor_id, state: task.state, resources: task.resources },
      { id: 'held', name: 'held', framework_id: fw.frameworkId, slave_id: held.agentId, executor_id: 'default', state: 'TASK_RUNNING', resources: { cpus: 0.5, mem: 64, disk: 0, gpus: 0 } },
    );
    assert.is(state.frameworks[0].tasks.length, 1);
    assert.is(task.statuses.at(-1).state, 'TASK_RUNNING');
    assert.is(state.executors, 1);

    const exposition = await (await fetch(`${server.url}/metrics`)).text();
    const families = new Map(parsePrometheus(exposition).map((f) => [f.name, f]));
    const host = slave.host_id as string;
    assert.equal(families.get('mesolith_agent_recoveries_total')!.metrics.find((m) => m.labels?.host_id === host)?.value, '1');
    assert.equal(families.get('mesolith_agent_crashes_total')!.metrics.find((m) => m.labels?.host_id === host)?.value, '1');
    // The parser folds a labelled histogram into one sample: its series are checked in the text.
    assert.is(families.get('mesolith_agent_recovery_duration_seconds')?.type, 'HISTOGRAM');
    for (const phase of ['checkpoint_read', 'reconnect', 'reregister', 'total']) {
      assert.match(exposition, new RegExp(`\\nmesolith_agent_recovery_duration_seconds_count\\{phase="${phase}"\\} 1\\n`), `one ${phase} observed`);
      assert.match(exposition, new RegExp(`\\nmesolith_agent_recovery_duration_seconds_bucket\\{le="\\+Inf",phase="${phase}"\\} 1\\n`));
    }
    assert.equal(families.get('mesolith_tasks')!.metrics.map((m) => [m.labels?.state, m.value]), [['TASK_RUNNING', '1']]);
    // The agents do not answer { type: 'agent.metrics' } yet: the histogram is there, empty, and the scrape works.
    assert.is(families.get('mesolith_checkpoint_write_duration_seconds')?.type, 'HISTOGRAM');

    const frames = await readEvents(server.url, (f) => f.some((x) => x.event === 'history'));
    assert.equal(frames.map((f) => f.event), ['state', 'history']);
    assert.is(frames[0]!.data.slaves.length, 2);
    const names = (frames[1]!.data as { name: string }[]).map((e) => e.name);
    for (const name of ['agent.crashed', 'agent.restarted', 'agent.recovered', 'master.agent_reregistered']) assert.ok(names.includes(name), `history has ${name}: ${names.join(', ')}`);

    const health = (await (await fetch(`${server.url}/health`)).json()) as { status: string };
    assert.is(health.status, 'ok');

    const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    const crashed = lines.find((l) => l.msg === 'agent crashed');
    assert.is(crashed?.level, 50);
    assert.is(crashed?.hostId, host);
    assert.is(crashed?.reason, 'worker-exit');
    const back = lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('agent recovered from its checkpoint'));
    assert.is(back?.agentId, held.agentId);
    assert.is(back?.reconnected, recovery.reconnected);
    assert.is(back?.tasks, 1);
    assert.equal(Object.keys(back?.phases ?? {}), ['checkpointReadMs', 'reconnectMs', 'reregisterMs']);
    assert.ok(lines.filter((l) => l.msg === 'agent registered').length >= 2, 'the agents registered before the logger are logged at attach');
  } finally {
    await server.close();
    detach();
    await cluster.stop();
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a non-loopback bind without a token is refused before listening', async () => {
  const cluster = await LocalCluster.start({ agents: 1 });
  try {
    for (const host of ['0.0.0.0', '::', '192.0.2.1']) {
      const error = await serveCluster(cluster, { host, port: 0 }).then(() => undefined, (e: unknown) => e as { code: string; message: string });
      assert.is(error?.code, 'ERR_INSECURE_BIND', host);
      assert.match(error!.message, new RegExp(`refusing to listen on ${host.replace(/\./g, '\\.')} without an auth token`));
    }
  } finally {
    await cluster.stop();
  }
});

test.run();
