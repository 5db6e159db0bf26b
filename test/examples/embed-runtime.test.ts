import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runExample, shown } from './run-example.js';

test('embed-runtime: asks, an ask timeout, a crash and a worker exit seen by a watch, each restarted by the supervisor', async () => {
  const run = await runExample('embed-runtime');
  assert.is(run.code, 0, shown(run));
  assert.is(run.stderr, '', shown(run));
  const out = run.stdout;
  assert.match(out, /^ask: 7 squared is 49, answered by squarer@w\d+$/m);
  assert.match(out, /^ask with timeoutMs 100: ERR_ASK_TIMEOUT$/m);
  assert.match(out, /^ask that crashed it: asked to crash$/m);
  const first = /^watch: (squarer@w\d+) is down \(crashed\)$/m.exec(out);
  assert.ok(first, shown(run));
  const restarted = /^supervisor: restarted squarer as (squarer@w\d+) \(restart 1\)$/m.exec(out);
  assert.ok(restarted, shown(run));
  assert.is.not(restarted[1], first[1], 'the restarted child is a new actor, in a new worker');
  assert.match(out, new RegExp(`^watch: ${restarted[1]} is down \\(worker-exit\\)$`, 'm'));
  const last = /^supervisor: restarted squarer as (squarer@w\d+)$/m.exec(out);
  assert.ok(last, shown(run));
  assert.match(out, new RegExp(`^ask: 8 squared is 64, answered by ${last[1]}$`, 'm'));
  assert.match(out, /system stopped\n$/);
});

test.run();
