import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Down, isDown } from '../../src/index.js';
import { fixture } from '../fixtures/behaviours.js';
import { lmdbWriterModule } from '../fixtures/lmdb-writer.js';
import { withSystem } from '../helpers.js';
import { TestProbe, nextSystemEvent } from '../probe.js';

const test = suite<{ dir: string }>('ending a worker');
test.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'mesolith-worker-end-'));
});
test.after.each((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});

test('terminateWorker ends a worker between two turns of its event loop, never inside one, and runs no exit handler', ({ dir }) =>
  withSystem({}, async (system) => {
    for (let round = 0; round < 3; round++) {
      const path = join(dir, `turns-${round}`);
      const turns = await system.spawn({ module: fixture, export: 'turnTaker' }, { worker: 'new', args: { path, ms: 20 } });
      while ((await turns.ask<number>({ type: 'turns' })) < 3);
      const exited = nextSystemEvent(system, 'worker.exit', (e) => e.node === turns.node);
      await system.terminateWorker(turns.node);
      assert.is((await exited).exitCode, 1, 'the exit code terminate() gives');
      const last = readFileSync(path, 'utf8').trimEnd().split('\n').at(-1);
      assert.match(last ?? '', /^end \d+$/, `round ${round}: the last turn was cut off (${last})`);
    }
    const marker = join(dir, 'exited');
    const writer = await system.spawn({ module: lmdbWriterModule, export: 'lmdbWriter' }, { worker: 'new', args: { path: join(dir, 'db'), marker } });
    while ((await writer.ask<number>({ type: 'written' })) < 100);
    await system.terminateWorker(writer.node);
    assert.not.ok(existsSync(marker), "its exit handlers did not run, as after SIGKILL (lmdb-js's would close LMDB under a write)");
  }),
);

test("a worker ended in the middle of a master registry's writes exits within 10 s", ({ dir }) =>
  withSystem({}, async (system) => {
    const writer = await system.spawn({ module: lmdbWriterModule, export: 'registryWriter' }, { worker: 'new', args: { dir } });
    while ((await writer.ask<number>({ type: 'written' })) < 20);
    const ended = system.terminateWorker(writer.node).then(() => 'ended');
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<string>((resolve) => (timer = setTimeout(resolve, 10_000, 'still running after 10 s')));
    try {
      assert.is(await Promise.race([ended, stuck]), 'ended');
    } finally {
      clearTimeout(timer);
    }
  }),
);

test('a worker that does not take its next turn (a busy loop) is terminated after 1 s', () =>
  withSystem({}, async (system) => {
    const probe = await TestProbe.create(system);
    const busy = await system.spawn({ module: fixture, export: 'blocker' }, { worker: 'new' });
    probe.watch(busy);
    busy.tell({ type: 'block', ms: 120_000, notify: probe.ref });
    assert.is(await probe.expect(), 'blocking');
    const started = performance.now();
    await system.terminateWorker(busy.node);
    const tookMs = performance.now() - started;
    const down = await probe.expect<Down>((m) => isDown(m) && m.ref.equals(busy));
    assert.is(down.reason, 'worker-exit');
    assert.ok(tookMs >= 1_000 && tookMs < 10_000, `ended after ${Math.round(tookMs)} ms`);
  }),
);

test('ending 100 workers in the middle of LMDB writes never aborts the process', async () => {
  const script = fileURLToPath(new URL('../fixtures/kill-writers.js', import.meta.url));
  const child = spawn(process.execPath, [script, '100', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  const overdue = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const [code, signal] = await exited.finally(() => clearTimeout(overdue));
  assert.is(signal, null, `the process was killed by ${signal} (SIGKILL: it did not end within 120 s): ${err.slice(-2_000)}`);
  assert.is(code, 0, err.slice(-2_000));
  assert.equal(JSON.parse(out), { ended: 100 });
});

test.run();
