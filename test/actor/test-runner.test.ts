import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

/** test/run.ts, run on a temp dir of test files, with and without CI set. */
const test = suite<{ dir: string }>('test runner');

const runner = fileURLToPath(new URL('../run.js', import.meta.url));
const uvu = import.meta.resolve('uvu');
const uvuAssert = import.meta.resolve('uvu/assert');

/** A test file that fails the first time it runs and passes after: a race, as a runner sees one. */
const flakyFile = (marker: string) => `
import { existsSync, writeFileSync } from 'node:fs';
import { test } from ${JSON.stringify(uvu)};
import * as assert from ${JSON.stringify(uvuAssert)};
const firstRun = !existsSync(${JSON.stringify(marker)});
if (firstRun) writeFileSync(${JSON.stringify(marker)}, '');
test('passes only the second time', () => assert.not.ok(firstRun, 'lost the race'));
test.run();
`;
const steadyFile = `
import { test } from ${JSON.stringify(uvu)};
import * as assert from ${JSON.stringify(uvuAssert)};
test('always passes', () => assert.ok(true));
test.run();
`;

test.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'mesolith-runner-'));
  writeFileSync(join(ctx.dir, 'flaky.test.js'), flakyFile(join(ctx.dir, 'ran-once')));
  writeFileSync(join(ctx.dir, 'steady.test.js'), steadyFile);
});
test.after.each((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});

function runOn(dir: string, ci: string | undefined): Promise<{ code: number | null; out: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, MESOLITH_TEST_ROOT: dir };
  delete env.CI;
  delete env.MESOLITH_TEST_RETRY;
  if (ci !== undefined) env.CI = ci;
  const child = spawn(process.execPath, [runner], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

test('locally, a file that fails and then passes on retry is reported flaky and the run passes', async ({ dir }) => {
  const { code, out } = await runOn(dir, undefined);
  assert.is(code, 0, out);
  assert.match(out, /# retry: flaky\.test\.js/);
  assert.match(out, /flaky \(failed, then passed on retry; see the first run above\): flaky\.test\.js/);
  assert.not.match(out, /failing files/);
  assert.match(out, /^2 passed, 0 failed$/m);
});

test('with CI=true the same file fails the run, listed as failing and as flaky', async ({ dir }) => {
  const { code, out } = await runOn(dir, 'true');
  assert.is(code, 1, out);
  assert.match(out, /# retry: flaky\.test\.js/, 'the retry still runs, to tell a race from a steady failure');
  assert.match(out, /failing files: flaky\.test\.js/);
  assert.match(out, /flaky \(failed, then passed on retry; counted as failed: CI is set/);
  assert.match(out, /^1 passed, 1 failed$/m);
});

test('CI=false is a local run', async ({ dir }) => {
  const { code } = await runOn(dir, 'false');
  assert.is(code, 0);
});

test.run();
