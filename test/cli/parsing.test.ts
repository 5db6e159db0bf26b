import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLUSTER_FLAGS, flagsMarkdown } from '../../src/cli/cluster-flags.js';
import { runCli } from './cli-process.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

test('--version prints the package version and exits 0', async () => {
  for (const flag of ['--version', '-V']) {
    const exit = await runCli([flag]);
    assert.is(exit.code, 0);
    assert.is(exit.stdout.trim(), pkg.version);
  }
});

test('cluster --help lists every flag with its default', async () => {
  const exit = await runCli(['cluster', '--help']);
  assert.is(exit.code, 0);
  const help = exit.stdout.replace(/\s+/g, ' ');
  for (const expected of ['--agents <n>', '(default: 3)', '--port <port>', '(default: 5050)', '--host <address>', '(default: "127.0.0.1")', '--log-level <level>', '(default: "info")', '--work-dir <dir>', '(default: a temp dir, removed at exit)', '--auth-token <token>', '--demo']) {
    assert.ok(help.includes(expected), `help shows ${expected}`);
  }
  // One entry per option: each starts on a line of its own, indented by two spaces.
  const entries = exit.stdout.split(/\n(?= {2}-)/).map((entry) => entry.replace(/\s+/g, ' ').trim());
  for (const flag of CLUSTER_FLAGS) {
    const shown = flag.default === undefined ? `(default: ${flag.defaultText})` : `(default: ${JSON.stringify(flag.default)})`;
    const entry = entries.find((e) => e.startsWith(`--${flag.flag} ${flag.value}`));
    assert.ok(entry !== undefined, `help lists --${flag.flag}`);
    assert.ok(entry!.endsWith(shown), `--${flag.flag} shows ${shown}: ${entry}`);
  }
  assert.ok(help.includes('second signal exits at once'), 'help says what a second signal does');
  assert.ok(help.includes('running tasks are not killed'), 'help says what happens to running tasks');
});

test('every command has its own help', async () => {
  for (const command of ['inspect', 'bench', 'runtime']) {
    const exit = await runCli([command, '--help']);
    assert.is(exit.code, 0, command);
    assert.match(exit.stdout, new RegExp(`Usage: mesolith ${command}`));
  }
});

const rejections: { args: string[]; message: RegExp }[] = [
  { args: ['cluster', '--agents', '-1'], message: /--agents <n>' argument '-1' is invalid\. Expected a positive integer/ },
  { args: ['cluster', '--agents', '0'], message: /--agents <n>' argument '0' is invalid/ },
  { args: ['cluster', '--agents', '1.5'], message: /--agents <n>' argument '1\.5' is invalid\. Expected a positive integer/ },
  { args: ['cluster', '--agents', 'three'], message: /--agents <n>' argument 'three' is invalid/ },
  { args: ['cluster', '--agents'], message: /option '--agents <n>' argument missing/ },
  { args: ['cluster', '--port', 'abc'], message: /--port <port>' argument 'abc' is invalid\. Expected a port number/ },
  { args: ['cluster', '--port', '70000'], message: /--port <port>' argument '70000' is invalid/ },
  { args: ['cluster', '--log-level', 'loud'], message: /--log-level <level>' argument 'loud' is invalid\. Expected one of fatal, error/ },
  { args: ['cluster', '--strict', 'yes'], message: /--strict <bool>' argument 'yes' is invalid\. Expected true or false/ },
  { args: ['cluster', '--agent-ping-timeout-ms', '-5'], message: /--agent-ping-timeout-ms <ms>' argument '-5' is invalid/ },
  { args: ['cluster', '--agent-restart-backoff-jitter', '2'], message: /--agent-restart-backoff-jitter <fraction>' argument '2' is invalid\. Expected a number from 0 to 1/ },
  { args: ['cluster', '--recover', 'maybe'], message: /--recover <mode>' argument 'maybe' is invalid\. Expected one of reconnect, cleanup/ },
  { args: ['cluster', '--bogus'], message: /unknown option '--bogus'/ },
  { args: ['cluster', 'extra'], message: /too many arguments/ },
  { args: ['cluster', '--host', '0.0.0.0'], message: /refusing to listen on 0\.0\.0\.0 without an auth token.*ERR_INSECURE_BIND/ },
  { args: ['frobnicate'], message: /unknown command 'frobnicate'/ },
  { args: ['inspect'], message: /missing required argument 'work-dir'/ },
  { args: ['bench', '--quick', 'nosuch'], message: /unknown benchmark "nosuch"; known: mailbox, checkpoint, cluster, recovery/ },
];

test('bad input is one line naming what is wrong, and exit code 2, every time', async () => {
  for (const { args, message } of rejections) {
    const exit = await runCli(args);
    assert.is(exit.code, 2, `${args.join(' ')} exits 2 (stderr: ${exit.stderr})`);
    assert.match(exit.stderr, message, args.join(' '));
    assert.match(exit.stderr.trim().split('\n')[0]!, /^mesolith: /, `${args.join(' ')}: the first line says it is mesolith`);
    assert.is(exit.stdout, '', `${args.join(' ')} prints nothing on stdout`);
  }
});

test("the README's cluster flag table is the one the CLI is built from", () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  assert.ok(readme.includes(flagsMarkdown()), 'README.md contains flagsMarkdown() verbatim (regenerate it with: node -e "import(\'./dist/src/cli/cluster-flags.js\').then(m => console.log(m.flagsMarkdown()))")');
});

test.run();
