import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CliProcess } from './cli-process.js';

const demo = (seconds: number) => CliProcess.start(['cluster', '--demo', '--port', '0', '--agents', '2', '--seconds', String(seconds), '--log-level', 'warn']);

test('cluster --demo serves while its workload runs, survives the agent crash, and exits 0 when nothing was lost', async () => {
  const cli = demo(4);
  const url = await cli.url();
  assert.is((await fetch(`${url}/health`)).status, 200);
  const exit = await cli.exited;
  assert.is(exit.code, 0, exit.stdout);
  assert.match(exit.stdout, /the supervisor restarted agent-1; it recovered from its checkpoint/);
  assert.match(exit.stdout, /nothing lost, nothing run twice/);
  // The crash at t=2s, and the upgrade (a graceful restart) at t=4s.
  assert.match(exit.stdout, /recoveries {2}host-1 1 crash\(es\), 2 recovery\(ies\)/);
});

test('a signal stops the demo early, with the summary, exit 0', async () => {
  const cli = demo(60);
  await cli.waitFor(/t= 1s/);
  cli.kill('SIGINT');
  const exit = await cli.exited;
  assert.is(exit.code, 0, exit.stderr);
  assert.match(exit.stdout, /demo interrupted at t=\d+s/);
  assert.match(exit.stdout, /mesolith cluster stopped after/);
});

test.run();
