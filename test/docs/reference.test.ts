/**
 * The reference docs against the code: every master, agent and system option with its default
 * (docs/OPTIONS.md), every error code in src/ (docs/ERRORS.md), every cluster event and every
 * field of a real `cluster.state()` (docs/STATE-AND-EVENTS.md).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_SYSTEM_OPTIONS } from '../../src/actor/options.js';
import { AGENT_DEFAULTS } from '../../src/agent/options.js';
import { ClusterEventSchema, LocalCluster } from '../../src/index.js';
import { MASTER_DEFAULTS } from '../../src/master/options.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const doc = (name: string) => readFileSync(join(ROOT, 'docs', name), 'utf8');

/** `option` → the default cell's first code span (or the cell itself) of OPTIONS.md's tables. */
function documentedDefaults(prefix: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const [, option, cell] of doc('OPTIONS.md').matchAll(/^\| `([a-zA-Z.]+)` \| ([^|]+) \|/gm)) {
    if (!option!.startsWith(`${prefix}.`)) continue;
    rows.set(option!.slice(prefix.length + 1), /`([^`]+)`/.exec(cell!)?.[1] ?? cell!.trim());
  }
  return rows;
}

/** Nested objects of defaults as dotted keys (`statusUpdateRetry.initialMs`). */
function flatten(values: object, path = ''): [string, string][] {
  return Object.entries(values).flatMap(([key, value]): [string, string][] =>
    typeof value === 'object' && value !== null ? flatten(value as object, `${path}${key}.`) : [[`${path}${key}`, String(value)]],
  );
}

function checkTable(prefix: string, defaults: object, unsetByDefault: Record<string, string>): void {
  const documented = documentedDefaults(prefix);
  const expected = new Map([...flatten(defaults), ...Object.entries(unsetByDefault)]);
  assert.equal([...documented.keys()].sort(), [...expected.keys()].sort(), `docs/OPTIONS.md lists every ${prefix} option, and no other`);
  for (const [key, value] of expected) assert.is(documented.get(key), value, `docs/OPTIONS.md: the default of ${prefix}.${key}`);
}

test('docs/OPTIONS.md: every master, agent and system option, with its default', () => {
  checkTable('master', MASTER_DEFAULTS, { offerTimeoutMs: 'none' });
  checkTable('agent', AGENT_DEFAULTS, { executorReregistrationRetryIntervalMs: 'off' });
  checkTable('system', DEFAULT_SYSTEM_OPTIONS, {});
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

test('docs/ERRORS.md: every error code in src/ has a row', () => {
  const codes = new Set(sourceFiles(join(ROOT, 'src')).flatMap((file) => readFileSync(file, 'utf8').match(/ERR_[A-Z_]+[A-Z]/g) ?? []));
  const errors = doc('ERRORS.md');
  const rows = new Set([...errors.matchAll(/^\| `(ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]!));
  const mentioned = new Set(errors.match(/ERR_[A-Z_]+[A-Z]/g) ?? []);
  assert.ok(codes.size > 50, `found the codes (${codes.size})`);
  // ERR_STORAGE is a fallback value, not an error anyone throws: a mention is its row.
  const missing = [...codes].filter((code) => !rows.has(code) && !(code === 'ERR_STORAGE' && mentioned.has(code)));
  assert.equal(missing, [], 'codes without a row in docs/ERRORS.md');
});

test("the README's Layout names every directory of src/, and only files that exist", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const layout = /^## Layout\n\n```\n([\s\S]*?)^```$/m.exec(readme)?.[1];
  assert.ok(layout, 'the README has a Layout block');
  for (const dir of readdirSync(join(ROOT, 'src')).filter((entry) => statSync(join(ROOT, 'src', entry)).isDirectory())) {
    assert.match(layout, new RegExp(`^src/${dir}/ `, 'm'), `the Layout lists src/${dir}/`);
  }
  const names = new Set([...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'bench')), ...sourceFiles(join(ROOT, 'test'))].map((file) => file.slice(file.lastIndexOf('/') + 1)));
  const named = layout.match(/[a-z][a-z0-9-]*\.ts\b/g) ?? [];
  assert.equal(named.filter((name) => !names.has(name)), [], 'files the Layout names that do not exist');
});

test('docs/STATE-AND-EVENTS.md: every cluster event has a row', () => {
  const text = doc('STATE-AND-EVENTS.md');
  const types = ClusterEventSchema.options.map((option) => option.entries.type.literal);
  for (const type of types) assert.match(text, new RegExp(`^\\| \`${type.replace('.', '\\.')}\` \\|`, 'm'), `a row for ${type}`);
});

test("docs/STATE-AND-EVENTS.md: every field of a real cluster.state() is described", async () => {
  const text = doc('STATE-AND-EVENTS.md');
  const cluster = await LocalCluster.start({ agents: [{ resources: { cpus: 2, mem: 256 } }] });
  try {
    const framework = await cluster.registerFramework({ name: 'docs', checkpoint: true, role: 'docs' });
    const { taskId } = await framework.launch({ cpus: 0.1, mem: 8, run: { kind: 'command', command: 'true' } });
    await framework.waitFor(taskId, 'TASK_FINISHED');
    const [agentId] = cluster.agentIds();
    const recovered = cluster.nextRecovery(agentId!);
    await cluster.crashAgent(agentId!);
    await recovered;
    const state = await cluster.state();
    const described = (path: string) => text.includes(`\`${path}\``) || text.includes(`\`${path}[]\``) || text.includes(`\`.${path.split('.').at(-1)}\``) || text.includes(`, \`${path.split('.').at(-1)}\``);
    for (const key of Object.keys(state)) assert.ok(described(key), `state.${key} is described`);
    const nested: [string, object | undefined][] = [
      ['agents[]', state.agents[0]],
      ['frameworks[]', state.frameworks[0]],
      ['tasks[]', state.tasks[0]],
    ];
    for (const [list, item] of nested) {
      assert.ok(item, `state has ${list}`);
      for (const key of Object.keys(item)) assert.ok(described(`${list}.${key}`), `state.${list}.${key} is described`);
    }
    for (const key of Object.keys(state.recoveries[Object.keys(state.recoveries)[0]!]!)) assert.ok(text.includes(`\`${key}\``), `recoveries.*.${key} is described`);
  } finally {
    await cluster.stop();
  }
});

test.run();
