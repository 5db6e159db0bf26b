import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runExample, shown } from './run-example.js';

test('http-state: a program serves its cluster and reads /state and /metrics over HTTP', async () => {
  const run = await runExample('http-state');
  assert.is(run.code, 0, shown(run));
  const out = run.stdout;
  assert.match(out, /^serving: http:\/\/127\.0\.0\.1:\d+$/m);
  assert.match(out, /^\/state: version \d+\.\d+\.\d+, master master@w\d+, 2 active agent\(s\)$/m);
  assert.match(out, /^\/state: agent agent-1 on host-1 is active, cpus \d+$/m);
  assert.match(out, /^\/state: framework http-example \(framework-1\): 0 running, 1 completed$/m);
  assert.match(out, /^\/metrics: mesolith_tasks\{state="TASK_FINISHED"\} 1$/m);
  assert.match(out, /^\/metrics: mesolith_agents\{status="active"\} 2$/m);
  assert.match(out, /^\/no-such-route: 404 ERR_NOT_FOUND$/m);
  assert.match(out, /stopped\n$/);
});

test.run();
