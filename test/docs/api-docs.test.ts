import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function npm(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn('npm', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

test('npm run docs builds the API reference: an index of the three entry points, each with its main exports', async () => {
  const out = mkdtempSync(join(tmpdir(), 'mesolith-api-docs-'));
  try {
    const run = await npm(['run', 'docs', '--silent', '--', '--out', out]);
    assert.is(run.code, 0, run.output);
    assert.not.match(run.output, /\[error\]/, run.output);
    const index = readFileSync(join(out, 'index.html'), 'utf8');
    for (const module of ['mesolith', 'mesolith/http', 'mesolith/log']) assert.ok(index.includes(`>${module}<`), `the index lists ${module}`);
    const page = (name: string) => readFileSync(join(out, 'modules', `${name}.html`), 'utf8');
    for (const name of ['ActorSystem', 'LocalCluster', 'Framework', 'CheckpointStore', 'SUPERVISOR', 'ClusterEventSchema', 'TaskDescriptionSchema', 'MesolithError']) {
      assert.ok(page('mesolith').includes(`>${name}<`), `the mesolith page lists ${name}`);
    }
    assert.ok(page('mesolith_http').includes('>serveCluster<'));
    assert.ok(page('mesolith_log').includes('>attachLogger<'));
    assert.ok(readFileSync(join(out, 'classes', 'mesolith.LocalCluster.html'), 'utf8').includes('crashAgent'), 'a class page documents its methods');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
