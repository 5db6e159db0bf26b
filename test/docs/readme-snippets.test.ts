/**
 * Every ```ts block of the README and of the docs is a whole file of examples/readme/, quoted
 * verbatim (its first line names the file), and each of those files runs and prints what its
 * comments say. So a snippet cannot use a name it does not define, nor drift from the API: tsc
 * compiles the files with the rest, and this test runs them.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ExampleRun, EXAMPLES, runScript, shown } from '../examples/run-example.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The docs this project's snippets rule covers (docs/FIDELITY.md is kept by others). */
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md') && f !== 'FIDELITY.md').map((f) => `docs/${f}`)];
const SNIPPETS = 'examples/readme/';

/** What each snippet prints (stdout unless it says stderr). */
const PRINTS: Record<string, (run: ExampleRun) => void> = {
  'runtime.ts': ({ stdout }) => {
    assert.match(stdout, /^counter@w1 1$/m);
    assert.match(stdout, /^counter stopped: shutdown$/m);
  },
  'supervision.ts': ({ stdout }) => assert.match(stdout, /^db restarted as db@w4$/m),
  'checkpoint.ts': ({ stdout }) => assert.match(stdout, /^\[ 'TASK_RUNNING' \] 0 \[\]$/m),
  'local-cluster.ts': ({ stdout }) => {
    assert.match(stdout, /^task-\d+ TASK_FINISHED$/m);
    assert.match(stdout, /^\{ id: 7, width: 640 \}$/m);
  },
  'recovery.ts': ({ stdout }) => {
    assert.match(stdout, /agentId: 'agent-1',\n\s+reconnected: 1,/);
    assert.match(stdout, /^TASK_FAILED REASON_EXECUTOR_TERMINATED$/m);
  },
  'fault-injection.ts': ({ stdout }) => assert.match(stdout, /^REASON_EXECUTOR_REGISTRATION_TIMEOUT$/m),
  'logs.ts': ({ stderr }) => {
    const lines = stderr.trim().split('\n').map((line) => JSON.parse(line) as { level: number; msg: string; state?: string });
    assert.ok(lines.some((l) => l.msg === 'agent registered'), stderr);
    assert.ok(lines.some((l) => l.level === 40 && l.state === 'TASK_FAILED'), stderr);
  },
  'http.ts': ({ stdout }) => assert.match(stdout, /^http:\/\/127\.0\.0\.1:\d+ \[ 'agent-1 active', 'agent-2 active' \]$/m),
};

function tsBlocks(doc: string): string[] {
  const text = readFileSync(join(ROOT, doc), 'utf8');
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

const quoted = DOCS.flatMap((doc) => tsBlocks(doc).map((block) => ({ doc, block })));

test('every ts block of the docs quotes a whole file of examples/readme/ verbatim', () => {
  assert.ok(quoted.length >= Object.keys(PRINTS).length, 'the README has its snippets');
  for (const { doc, block } of quoted) {
    const first = block.split('\n', 1)[0]!;
    const path = /^\/\/ (examples\/readme\/[a-z-]+\.ts)$/.exec(first)?.[1];
    assert.ok(path, `${doc}: a ts block starts with "// examples/readme/<name>.ts", naming the file it quotes; this one starts: ${first}`);
    assert.ok(existsSync(join(ROOT, path)), `${doc}: ${path} exists`);
    assert.fixture(block, readFileSync(join(ROOT, path), 'utf8'));
  }
});

test('every snippet file is quoted, and has its expected output in this test', () => {
  const files = readdirSync(join(ROOT, SNIPPETS)).filter((f) => f.endsWith('.ts') && f !== 'jobs.ts');
  const used = new Set(quoted.map(({ block }) => block.split('\n', 1)[0]!.slice(`// ${SNIPPETS}`.length)));
  assert.equal([...files].sort(), [...used].sort(), 'each examples/readme file is quoted once somewhere');
  assert.equal(Object.keys(PRINTS).sort(), [...used].sort(), 'each has its expected output here');
});

for (const file of Object.keys(PRINTS)) {
  test(`snippet ${file} runs as printed`, async () => {
    const run = await runScript(new URL(`readme/${file.replace(/\.ts$/, '.js')}`, EXAMPLES), [], 60_000);
    assert.is(run.code, 0, shown(run));
    PRINTS[file]!(run);
  });
}

test('relative links of the docs point at files inside the repo', () => {
  for (const doc of [...DOCS, 'docs/FIDELITY.md'].filter((d) => existsSync(join(ROOT, d)))) {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const path = resolve(dirname(join(ROOT, doc)), target!);
      assert.ok(!relative(ROOT, path).startsWith('..'), `${doc} links ${target}, outside the repo`);
      assert.ok(existsSync(path) || target!.startsWith('docs/api') || target!.startsWith('api/'), `${doc} links ${target}, which does not exist`);
    }
  }
});

test.run();
