/**
 * The package as a user gets it: the tracked files copied to a temp dir (as a fresh clone
 * would have them), `npm ci && npm pack` there (prepack builds), the tarball installed into a
 * fresh project, and its `mesolith` command and entry points run from there. Offline where
 * the npm cache has the packages (it does, after `npm ci` here).
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

function run(command: string, args: readonly string[], cwd: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

async function ok(command: string, args: readonly string[], cwd: string): Promise<string> {
  const result = await run(command, args, cwd);
  assert.is(result.code, 0, `${command} ${args.join(' ')} in ${cwd}:\n${result.output}`);
  return result.output;
}

test('npm pack of a clean copy installs into a fresh project, whose npx mesolith --version prints the version', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mesolith-pack-'));
  try {
    const repo = join(dir, 'repo');
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter((f) => f !== '');
    for (const file of files) {
      mkdirSync(dirname(join(repo, file)), { recursive: true });
      cpSync(join(ROOT, file), join(repo, file));
    }
    await ok('npm', ['ci', '--prefer-offline'], repo);
    const packed = JSON.parse(await ok('npm', ['pack', '--json', '--silent', '--pack-destination', dir], repo)) as { filename: string; files: { path: string }[] }[];
    const paths = packed[0]!.files.map((f) => f.path);
    for (const needed of ['package.json', 'README.md', 'LICENSE', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/http/index.js', 'dist/src/log/index.js', 'dist/src/cli/main.js', 'src/http/web/index.html']) {
      assert.ok(paths.includes(needed), `the tarball has ${needed}`);
    }
    const stray = paths.filter((p) => /^(dist\/(test|bench|examples)|test|bench|examples|tools|node_modules)\//.test(p) || p.endsWith('.map'));
    assert.equal(stray, [], 'no tests, benchmarks, examples, tools or source maps in the tarball');

    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
    await ok('npm', ['install', '--prefer-offline', join(dir, packed[0]!.filename)], app);
    assert.is((await ok('npx', ['mesolith', '--version'], app)).trim(), version);
    const imports = "const m = await import('mesolith'); const h = await import('mesolith/http'); const l = await import('mesolith/log'); console.log(typeof m.LocalCluster, typeof h.serveCluster, typeof l.createLogger)";
    assert.is((await ok(process.execPath, ['--input-type=module', '-e', imports], app)).trim(), 'function function function');
    assert.ok(readdirSync(join(app, 'node_modules', 'mesolith')).includes('LICENSE'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
