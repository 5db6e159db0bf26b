import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InProcessOptions } from './in-process.js';
import type { RunResult } from './run-dir.js';
import { readLog, readSideLog } from './event-log.js';
import { check } from './invariants.js';

const TRIAL = new URL('./trial.js', import.meta.url);
/** The end of a crashed run's stderr that is worth printing. */
const STDERR_TAIL = 2_000;

/**
 * An in-process run in a child process. If the child dies (a native abort of lmdb, a worker
 * bug that takes the process down), the run still has a result: the invariants checked over
 * the log it left, and a liveness violation saying how the process ended, with its last words.
 */
export async function runIsolated(options: InProcessOptions): Promise<RunResult> {
  const root = mkdtempSync(join(tmpdir(), 'mesolith-chaos-'));
  const started = Date.now();
  // In a file: a schedule of thousands of faults is more than a command line holds (E2BIG).
  const optionsFile = join(root, 'options.json');
  writeFileSync(optionsFile, JSON.stringify({ ...options, root }));
  const child = spawn(process.execPath, [TRIAL.pathname, optionsFile], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-20 * STDERR_TAIL);
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  // A process that died in a run leaves the small disk mounted.
  const disk = join(root, 'cluster', 'host-1');
  if (existsSync(disk)) execFileSync('sh', ['-c', `mountpoint -q '${disk}' && umount -l '${disk}' || true`]);
  const resultFile = join(root, 'result.json');
  let result: RunResult;
  if (existsSync(resultFile)) {
    result = JSON.parse(readFileSync(resultFile, 'utf8')) as RunResult;
  } else {
    const report = check(readLog(join(root, 'events.jsonl')), readSideLog(join(root, 'side.log')));
    writeFileSync(join(root, 'stderr.log'), stderr);
    const last = stderr.split('\n').filter((line) => line.trim() !== '' && !/^\s+at |^\s*code: |^}$/.test(line)).slice(-6).join(' | ').slice(-STDERR_TAIL);
    report.violations.unshift({ invariant: 'liveness', message: `the run's process died (${signal ?? `exit code ${code}`}); its last words (all in stderr.log): ${last}` });
    result = { report, ms: Date.now() - started, root };
  }
  const keep = options.keep === true || result.report.violations.length > 0;
  if (!keep) rmSync(root, { recursive: true, force: true });
  return { ...result, root: keep ? root : undefined };
}
