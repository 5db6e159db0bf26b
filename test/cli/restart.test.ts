import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CliProcess } from './cli-process.js';

const agentIds = async (url: string) => ((await (await fetch(`${url}/state`)).json()) as { slaves: { id: string }[] }).slaves.map((s) => s.id).sort();

test('a second run on the same --work-dir recovers: the same agent ids, and the dir is kept', async () => {
  const workDir = mkdtempSync(join(tmpdir(), 'mesolith-cli-restart-'));
  try {
    const args = ['cluster', '--port', '0', '--agents', '2', '--work-dir', workDir, '--start-timeout-ms', '15000'];
    const first = CliProcess.start(args);
    const before = await agentIds(await first.url());
    assert.match(first.stdout, /kept\)/);
    first.kill('SIGINT');
    assert.is((await first.exited).code, 0);

    const second = CliProcess.start(args);
    const url = await second.url();
    assert.equal(await agentIds(url), before, 'the agents came back with their ids');
    second.kill('SIGINT');
    const exit = await second.exited;
    assert.is(exit.code, 0, exit.stderr);
    assert.match(exit.stdout, /recoveries {2}host-1/);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
});

test.run();
