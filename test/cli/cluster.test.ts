import { createServer } from 'node:net';
import parsePrometheus from 'parse-prometheus-text-format';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CliProcess, withCliCluster } from './cli-process.js';

const json = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, init);
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, any> };
};

test('a CLI cluster answers /health, /state and /metrics, and stops with a summary on SIGINT (exit 0)', async () => {
  await withCliCluster(['--agents', '2'], async (cli, url) => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await json(`${url}/health`);
    assert.is(health.status, 200);
    assert.is(health.body.status, 'ok');
    assert.is(health.body.master.status, 'up');
    assert.equal(health.body.agents.map((a: { status: string }) => a.status), ['active', 'active']);

    const state = await json(`${url}/state`);
    assert.is(state.status, 200);
    assert.match(state.type ?? '', /^application\/json/);
    assert.is(state.body.slaves.length, 2);
    assert.equal(Object.keys(state.body.slaves[0]).slice(0, 3), ['id', 'pid', 'hostname']);
    for (const key of ['resources', 'used_resources', 'reserved_resources', 'unreserved_resources', 'active']) assert.ok(key in state.body.slaves[0], `slaves[].${key}`);
    assert.equal(state.body.frameworks, []);
    assert.equal(state.body.completed_frameworks, []);
    assert.is(state.body.activated_slaves, 2);

    const res = await fetch(`${url}/metrics`);
    assert.is(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const families = new Map(parsePrometheus(await res.text()).map((f) => [f.name, f]));
    const expected: Record<string, string> = {
      mesolith_messages_received_total: 'COUNTER',
      mesolith_messages_processed_total: 'COUNTER',
      mesolith_dead_letters_total: 'COUNTER',
      mesolith_mailbox_depth: 'GAUGE',
      mesolith_actors: 'GAUGE',
      mesolith_tasks: 'GAUGE',
      mesolith_agents: 'GAUGE',
      mesolith_frameworks: 'GAUGE',
      mesolith_agent_crashes_total: 'COUNTER',
      mesolith_agent_recoveries_total: 'COUNTER',
      mesolith_agent_recovery_duration_seconds: 'HISTOGRAM',
      mesolith_checkpoint_write_duration_seconds: 'HISTOGRAM',
      process_cpu_user_seconds_total: 'COUNTER',
    };
    for (const [name, type] of Object.entries(expected)) assert.is(families.get(name)?.type, type, `${name} is a ${type}`);
    const agents = families.get('mesolith_agents')!.metrics;
    assert.equal(agents.map((m) => [m.labels?.status, m.value]), [['active', '2']]);
    const master = families.get('mesolith_messages_received_total')!.metrics.find((m) => m.labels?.role === 'master');
    assert.ok(Number(master?.value) > 0, 'the master has received messages');

    cli.kill('SIGINT');
    const exit = await cli.exited;
    assert.is(exit.code, 0, exit.stderr);
    assert.match(exit.stdout, /SIGINT: stopping gracefully/);
    assert.match(exit.stdout, /mesolith cluster stopped after [\d.]+ s/);
    assert.match(exit.stdout, /agents {6}2: agent-1 active, agent-2 active/);
    assert.match(exit.stdout, /frameworks {2}0 registered, 0 completed/);
    assert.match(exit.stdout, /tasks {7}0/);
    assert.match(exit.stdout, /recoveries {2}none/);
  });
});

test('malformed requests get a 4xx JSON error, and the server keeps serving', async () => {
  await withCliCluster([], async (cli, url) => {
    const cases: [string, RequestInit | undefined, number, string][] = [
      ['/nope', undefined, 404, 'ERR_NOT_FOUND'],
      ['/state', { method: 'POST' }, 405, 'ERR_METHOD_NOT_ALLOWED'],
      ['/metrics', { method: 'DELETE' }, 405, 'ERR_METHOD_NOT_ALLOWED'],
      ['/state?bogus=1', undefined, 400, 'ERR_BAD_QUERY'],
      ['/state?framework_id=', undefined, 400, 'ERR_BAD_QUERY'],
      ['/health?verbose', undefined, 400, 'ERR_BAD_QUERY'],
    ];
    for (const [path, init, status, code] of cases) {
      const res = await json(`${url}${path}`, init);
      assert.is(res.status, status, path);
      assert.is(res.body.error.code, code, path);
      assert.type(res.body.error.message, 'string');
    }
    assert.is((await fetch(`${url}/state`, { method: 'POST' })).headers.get('allow'), 'GET');
    assert.is((await json(`${url}/state?framework_id=none`)).body.frameworks.length, 0);
    assert.is((await fetch(`${url}/health`)).status, 200, 'still serving');
    cli.kill('SIGTERM');
    assert.is((await cli.exited).code, 0, 'SIGTERM stops gracefully too');
  });
});

test('with --auth-token every request must carry the token', async () => {
  await withCliCluster(['--auth-token', 's3cret'], async (cli, url) => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong' }, { authorization: 's3cret' }, { authorization: 'Basic s3cret' }]) {
      for (const path of ['/health', '/state', '/metrics', '/', '/nope']) {
        const res = await json(`${url}${path}`, { headers });
        assert.is(res.status, 401, `${path} with ${JSON.stringify(headers)}`);
        assert.is(res.body.error.code, 'ERR_UNAUTHORIZED');
      }
    }
    const ok = await json(`${url}/health`, { headers: { authorization: 'Bearer s3cret' } });
    assert.is(ok.status, 200);
    assert.is((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer s3cret' } })).status, 200);
    cli.kill('SIGINT');
    assert.is((await cli.exited).code, 0);
  });
});

test('the token may come from MESOLITH_AUTH_TOKEN', async () => {
  const cli = CliProcess.start(['cluster', '--port', '0', '--agents', '1'], { MESOLITH_AUTH_TOKEN: 'from-env' });
  const url = await cli.url();
  assert.is((await fetch(`${url}/health`)).status, 401);
  assert.is((await fetch(`${url}/health`, { headers: { authorization: 'Bearer from-env' } })).status, 200);
  cli.kill('SIGINT');
  assert.is((await cli.exited).code, 0);
});

test('a second signal exits at once, without the summary', async () => {
  await withCliCluster([], async (cli) => {
    // Two different signals, so that the kernel cannot merge them into one; either may be handled first.
    cli.kill('SIGINT');
    cli.kill('SIGTERM');
    const exit = await cli.exited;
    const first = /(SIGINT|SIGTERM): stopping gracefully/.exec(exit.stdout)?.[1];
    assert.ok(first !== undefined, 'the first signal started a graceful stop');
    assert.is(exit.code, first === 'SIGINT' ? 143 : 130, `exit code 128 + the second signal's number (stdout: ${exit.stdout})`);
    assert.not.match(exit.stdout, /mesolith cluster stopped after/);
  });
});

test('a port in use is a clear error with a code, exit 2', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const exit = await CliProcess.start(['cluster', '--agents', '1', '--port', String(port)]).exited;
    assert.is(exit.code, 2);
    assert.match(exit.stderr, new RegExp(`mesolith: port ${port} on 127\\.0\\.0\\.1 is already in use; choose another with --port \\(0: any free port\\) \\(ERR_ADDRESS_IN_USE\\)`));
  } finally {
    blocker.close();
  }
});

test.run();
