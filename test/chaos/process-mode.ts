import { type ChildProcess, spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { AGENTS } from './config.js';
import { EventLog } from './event-log.js';
import { Prng } from './prng.js';
import { type RunResult, inRunDir } from './run-dir.js';
import { type Fault, schedule } from './schedule.js';

/** What the parent hands a child process (as JSON, its one argument). */
export interface ChildArgs {
  readonly root: string;
  readonly seed: number;
  readonly gen: number;
  readonly faults: readonly Fault[];
  readonly final: boolean;
  readonly disk: string | undefined;
}

export interface ProcessModeOptions {
  readonly seed: number;
  readonly kills: number;
  /** In-process faults each process plays before it is killed (the last one: before it quiesces). */
  readonly faultsPerProcess: number;
  readonly keep?: boolean;
  readonly only?: readonly Fault['kind'][];
  readonly without?: readonly Fault['kind'][];
  readonly progress?: (line: string) => void;
}

/** When the parent kills a child: after some task completions, or (a kill during start-up and recovery) some ms after it began. */
type Moment = { readonly completions: number } | { readonly afterMs: number };

const CHILD = new URL('./child.js', import.meta.url);
/** The last process quiesces (two phases of up to a minute each), stops, and must then exit by itself. */
const FINAL_TIMEOUT_MS = 240_000;
const EXIT_AFTER_END_MS = 15_000;
/** A child that reports no completion for this long is killed anyway. */
const STUCK_MS = 30_000;

/**
 * Process mode: a child process runs the cluster and the workload on one work dir; the parent
 * `kill -9`s it at seeded moments and starts the next on the same dir, which fails its
 * frameworks over (`failoverFrom`) and carries on. The last one quiesces and stops. The
 * invariants are then checked over the log every process appended to.
 */
export function runProcessMode(options: ProcessModeOptions): Promise<RunResult> {
  const prng = new Prng(options.seed, 'kills');
  return inRunDir({ prefix: 'mesolith-chaos-process-', ...(options.keep === undefined ? {} : { keep: options.keep }) }, async (paths, disk) => {
    for (let gen = 0; gen <= options.kills; gen++) {
      const final = gen === options.kills;
      const moment: Moment = prng.chance(0.25) ? { afterMs: prng.int(0, 2_500) } : { completions: prng.int(3, 40) };
      const faults = schedule({ seed: options.seed + gen * 1_000_003, faults: options.faultsPerProcess, agents: AGENTS, ...(options.only ? { only: options.only } : {}), ...(options.without ? { without: options.without } : {}) });
      const args: ChildArgs = { root: dirname(paths.log), seed: options.seed, gen, faults, final, disk: disk?.dir };
      const child = spawn(process.execPath, [CHILD.pathname, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
      if (final) {
        await finish(child, paths.log, gen);
        options.progress?.(`process ${gen}: quiesced and stopped`);
      } else {
        const how = await killAt(child, moment);
        const log = new EventLog(paths.log);
        log.write({ t: 'fault', gen, index: gen, kind: 'kill-9', detail: { moment, how }, killed: { all: true } });
        log.write({ t: 'fault_done', gen, index: gen, kind: 'kill-9', ms: 0 });
        log.close();
        options.progress?.(`process ${gen}: kill -9 (${how})`);
      }
    }
  });
}

/** Lines the child prints: `completions N` as tasks end, `end` once it has quiesced. */
function lines(child: ChildProcess, onLine: (line: string) => void): void {
  createInterface({ input: child.stdout! }).on('line', onLine);
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

/** Kills the child with SIGKILL at its moment; resolves once it is gone, saying what triggered the kill. */
async function killAt(child: ChildProcess, moment: Moment): Promise<string> {
  const timers: ReturnType<typeof setTimeout>[] = [];
  const how = await new Promise<string>((resolve) => {
    let stuck: ReturnType<typeof setTimeout> | undefined;
    const watchdog = () => {
      clearTimeout(stuck);
      stuck = setTimeout(() => resolve('stuck: no completion'), STUCK_MS);
      timers.push(stuck);
    };
    watchdog();
    if ('afterMs' in moment) timers.push(setTimeout(() => resolve(`${moment.afterMs} ms after start`), moment.afterMs));
    lines(child, (line) => {
      watchdog();
      const completions = /^completions (\d+)$/.exec(line);
      if (completions !== null && 'completions' in moment && Number(completions[1]) >= moment.completions) resolve(`after ${completions[1]} completions`);
    });
    child.once('exit', (code, signal) => resolve(`it exited by itself (${signal ?? code})`));
  });
  for (const timer of timers) clearTimeout(timer);
  child.kill('SIGKILL');
  await exited(child);
  return how;
}

/** The last child: it must quiesce, stop, and then exit by itself (a leftover handle would keep it alive). */
async function finish(child: ChildProcess, logPath: string, gen: number): Promise<void> {
  const timers: ReturnType<typeof setTimeout>[] = [];
  const after = (ms: number) => new Promise<void>((resolve) => void timers.push(setTimeout(resolve, ms)));
  const ended = new Promise<void>((resolve) => lines(child, (line) => line === 'end' && resolve()));
  let endSeen = false;
  void ended.then(() => (endSeen = true));
  await Promise.race([exited(child), ended.then(() => after(EXIT_AFTER_END_MS)), after(FINAL_TIMEOUT_MS)]);
  for (const timer of timers) clearTimeout(timer);
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await exited(child);
  const log = new EventLog(logPath);
  log.write({ t: 'leaks', gen, left: [endSeen ? `the last process did not exit within ${EXIT_AFTER_END_MS} ms of stopping its cluster` : `the last process did not finish within ${FINAL_TIMEOUT_MS} ms`] });
  log.close();
}
