/**
 * Runs benchmarks by name (all by default): a progress bar over their measurements, their
 * tables, and per benchmark `<out>/<name>.json` and `<out>/<name>.svg`. `npm run bench [name…]`
 * and `mesolith bench` both come here.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MultiBar, Presets } from 'cli-progress';
import { checkpointBenchmark } from './checkpoint/index.js';
import { clusterBenchmark } from './cluster/index.js';
import { renderChart } from './charts.js';
import type { BenchContext, Benchmark, ChartSpec } from './context.js';
import { mailboxBenchmark } from './mailbox/index.js';
import { recoveryBenchmark } from './recovery/index.js';
import { soakBenchmark } from './soak/index.js';
import { formatTable } from './stats.js';

/** A benchmark with its result type erased: run it, get its JSON and its chart. */
interface Runnable {
  readonly name: string;
  steps(quick: boolean): number;
  measure(context: BenchContext): Promise<{ readonly result: object; readonly chart: ChartSpec }>;
}

const runnable = <R extends object>(b: Benchmark<R>): Runnable => ({
  name: b.name,
  steps: b.steps,
  measure: async (context) => {
    const result = await b.run(context);
    return { result, chart: b.chart(result) };
  },
});

const BENCHMARKS: readonly Runnable[] = [runnable(mailboxBenchmark), runnable(checkpointBenchmark), runnable(clusterBenchmark), runnable(recoveryBenchmark), runnable(soakBenchmark)];
export const BENCHMARK_NAMES = BENCHMARKS.map((b) => b.name);
/** Run only when named: an hour long. */
const OPT_IN = new Set(['soak']);

/** bench/results/ of the source tree (this file runs from dist/bench/). */
export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results');

export interface BenchOptions {
  /** Default: all. */
  readonly names?: readonly string[];
  readonly quick?: boolean;
  /** Default: bench/results/, or bench/results/quick/ for a quick run (so that it never replaces real numbers). */
  readonly out?: string;
  readonly print?: (line: string) => void;
  /** Draw a progress bar here (a terminal); otherwise each measurement prints a `[n/N]` line. */
  readonly progress?: NodeJS.WriteStream;
}

export interface BenchOutput {
  readonly name: string;
  readonly json: string;
  readonly svg: string;
}

export class UnknownBenchmarkError extends Error {
  readonly code = 'ERR_UNKNOWN_BENCHMARK';
  constructor(name: string) {
    super(`unknown benchmark "${name}"; known: ${BENCHMARK_NAMES.join(', ')}`);
  }
}

export async function runBenchmarks(options: BenchOptions = {}): Promise<BenchOutput[]> {
  const quick = options.quick ?? false;
  const print = options.print ?? ((line: string) => console.log(line));
  for (const name of options.names ?? []) if (!BENCHMARK_NAMES.includes(name)) throw new UnknownBenchmarkError(name);
  const selected = BENCHMARKS.filter((b) => ((options.names ?? []).length === 0 ? !OPT_IN.has(b.name) : options.names!.includes(b.name)));
  const out = options.out ?? (quick ? join(RESULTS_DIR, 'quick') : RESULTS_DIR);
  mkdirSync(out, { recursive: true });
  // The file baseline does its I/O on libuv's thread pool; give it room for concurrent fsyncs
  // (before any pool work starts) so that it is not handicapped at 16 and 256 writers.
  process.env.UV_THREADPOOL_SIZE ??= '64';

  const total = selected.reduce((n, b) => n + b.steps(quick), 0);
  const bars = options.progress?.isTTY === true ? new MultiBar({ stream: options.progress, format: ' {bar} {value}/{total} {benchmark}', hideCursor: true, clearOnComplete: true }, Presets.shades_classic) : undefined;
  const bar = bars?.create(total, 0, { benchmark: '' });
  let done = 0;
  const outputs: BenchOutput[] = [];
  const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' };
  try {
    for (const benchmark of selected) {
      const tables: string[] = [];
      const context: BenchContext = {
        quick,
        step: (line) => {
          done++;
          if (bar === undefined) print(`[${done}/${total}] ${benchmark.name}: ${line}`);
          else {
            bars!.log(`  ${benchmark.name}: ${line}\n`);
            bar.update(done, { benchmark: benchmark.name });
          }
        },
        log: (line) => (bars === undefined ? print(line) : bars.log(`${line}\n`)),
        table: (title, rows) => tables.push(...formatTable(title, rows)),
      };
      bar?.update(done, { benchmark: benchmark.name });
      const { result, chart } = await benchmark.measure(context);
      const at = new Date().toISOString();
      const json = join(out, `${benchmark.name}.json`);
      writeFileSync(json, `${JSON.stringify({ benchmark: benchmark.name, at, machine, quick, ...result }, null, 2)}\n`);
      const svg = join(out, `${benchmark.name}.svg`);
      writeFileSync(svg, renderChart(chart, `${at.slice(0, 16).replace('T', ' ')} UTC, Node ${machine.node}, ${machine.cpus} cores${quick ? ', quick run' : ''}`));
      bars?.stop();
      for (const line of tables) print(line);
      print(`\nwrote ${json} and ${svg}`);
      outputs.push({ name: benchmark.name, json, svg });
    }
  } finally {
    bars?.stop();
  }
  return outputs;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick') || process.env.BENCH_QUICK === '1';
  await runBenchmarks({ names: args.filter((a) => a !== '--quick'), quick, progress: process.stderr }).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  });
}
