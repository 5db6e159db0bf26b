import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from './cli-process.js';

test('bench --quick runs the named benchmarks, prints progress and tables, writes JSON and an SVG chart each', async () => {
  const out = mkdtempSync(join(tmpdir(), 'mesolith-bench-'));
  try {
    const exit = await runCli(['bench', '--quick', '--out', out, 'checkpoint', 'recovery']);
    assert.is(exit.code, 0, exit.stderr);
    // Not a terminal: each measurement is a [n/N] line (7 for checkpoint, 1 for recovery).
    assert.match(exit.stdout, /\[1\/8\] checkpoint: 1 writers, \(a\) Mesos-style files/);
    assert.match(exit.stdout, /\[8\/8\] recovery: 20 tasks \/ 2 shared executors: \d+ ms/);
    assert.match(exit.stdout, /\nDurable checkpoint writes\nwriters +store +records\/s/);
    assert.match(exit.stdout, /\nAgent recovery time\ntasks +executors/);
    for (const name of ['checkpoint', 'recovery']) {
      const result = JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8')) as { benchmark: string; quick: boolean; machine: { node: string } };
      assert.is(result.benchmark, name);
      assert.is(result.quick, true);
      assert.is(result.machine.node, process.version);
      const svg = readFileSync(join(out, `${name}.svg`), 'utf8');
      assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.match(svg, /<\/svg>\s*$/);
      assert.match(svg, name === 'checkpoint' ? /Durable checkpoint writes/ : /Agent recovery time, by phase/);
      assert.match(svg, /<path d="M[\d.]+ [\d.]+L/, `${name}.svg draws bars`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
