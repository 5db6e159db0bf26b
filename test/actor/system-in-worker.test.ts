import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ActorSystem } from '../../src/index.js';

const test = suite('ActorSystem.start in a worker');

const snippet = new URL('../fixtures/readme-snippet.js', import.meta.url);
const guarded = new URL('../fixtures/readme-snippet-guarded.js', import.meta.url);

/** Runs a script as its own process; null for the exit code if it had to be killed. */
function run(script: URL, timeoutMs = 20_000): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [fileURLToPath(script)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, ms: Date.now() - started });
    });
  });
}

test('the README snippet as it was (system started at a behaviour module\'s top level) fails at once, saying why', async () => {
  const { code, err, ms } = await run(snippet);
  assert.ok(code !== null, 'it exited by itself rather than hang');
  assert.is.not(code, 0);
  assert.match(err, /code: 'ERR_BEHAVIOUR_NOT_FOUND'/);
  assert.match(err, /code: 'ERR_SYSTEM_IN_WORKER'/);
  assert.match(err, /isMainThread/);
  assert.ok(ms < 10_000, `exited after ${ms} ms`);
});

test('the snippet with its top level guarded by isMainThread runs and prints the answer', async () => {
  const { code, out, err } = await run(guarded);
  assert.is(code, 0, err);
  assert.match(out, /^counter@w1 1$/m);
  assert.match(out, /^counter stopped: shutdown$/m);
});

test('the spawn that loads such a module fails at once, with ERR_SYSTEM_IN_WORKER as its cause', async () => {
  const system = await ActorSystem.start();
  try {
    const started = Date.now();
    const error = (await system.spawn({ module: snippet.href, export: 'counter' }, { worker: 'new', args: { start: 0 } }).catch((e: unknown) => e)) as Error & { code?: string };
    assert.is(error.code, 'ERR_BEHAVIOUR_NOT_FOUND');
    assert.is((error.cause as { code?: string }).code, 'ERR_SYSTEM_IN_WORKER');
    assert.ok(Date.now() - started < 5_000);
    assert.equal(system.workers(), [], 'the worker started for it was ended');
  } finally {
    await system.stop();
  }
});

test('a worker the application started itself may run a system', async () => {
  const index = new URL('../../src/index.js', import.meta.url).href;
  const worker = new Worker(
    `import(${JSON.stringify(index)}).then(async ({ ActorSystem, behaviour }) => {
       const system = await ActorSystem.start();
       const echo = await system.spawn(behaviour({ setup: () => ({ receive: (m) => m }) }));
       require('node:worker_threads').parentPort.postMessage(await echo.ask('from my own worker'));
       await system.stop();
     });`,
    { eval: true },
  );
  // Listening for the exit from the start: the worker may end right after its answer.
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  const answer = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  assert.is(answer, 'from my own worker');
  await exited;
});

test.run();
