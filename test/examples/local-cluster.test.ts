import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXAMPLES, runExample, runScript, shown } from './run-example.js';

test('local-cluster: JS and shell tasks run to their ends, a kill and a reconcile are answered', async () => {
  const run = await runExample('local-cluster');
  assert.is(run.code, 0, shown(run));
  const out = run.stdout;
  assert.match(out, /^cluster: agents agent-1, agent-2$/m);
  assert.match(out, /^launched: count-words on agent-\d in executor default$/m);
  for (const line of [
    'update: count-words TASK_FINISHED',
    'result: count-words counted 9 words',
    'update: echo TASK_FINISHED',
    'update: exit-3 TASK_FAILED (REASON_COMMAND_EXECUTOR_FAILED)',
    'result: exit-3 failed: exited with code 3',
    'update: server TASK_RUNNING',
    'update: server TASK_KILLED',
    'reconciled: server is TASK_RUNNING',
    'reconciled: never-launched is TASK_LOST',
    'state: 2 agents, 1 framework, tasks {"TASK_FINISHED":2,"TASK_FAILED":1,"TASK_KILLED":1}',
  ]) {
    assert.ok(out.split('\n').includes(line), `prints "${line}"\n${shown(run)}`);
  }
  assert.match(out, /cluster stopped\n$/);
});

test('the example runner lists the examples when the name is unknown, and exits 2', async () => {
  const run = await runScript(new URL('run.js', EXAMPLES), ['no-such-example']);
  assert.is(run.code, 2, shown(run));
  for (const name of ['embed-runtime', 'http-state', 'local-cluster', 'survive-agent-crash']) assert.match(run.stderr, new RegExp(`^  ${name}$`, 'm'));
});

test.run();
