/**
 * `mesolith bench [name…]`: the benchmarks of the source tree (bench/, compiled beside src/ in
 * dist/). They are not part of the published package, so they are loaded only when asked for.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchOptions, BenchOutput } from '../../../bench/run.js';
import { UsageError } from '../errors.js';

const RUNNER = new URL('../../../bench/run.js', import.meta.url);

export async function runBench(names: readonly string[], options: { readonly quick: boolean; readonly out?: string }, out: (line: string) => void): Promise<number> {
  if (!existsSync(fileURLToPath(RUNNER))) throw new UsageError('the benchmarks are part of the source tree (bench/): run `mesolith bench` from a checkout, after `npm run build`', 'ERR_NO_BENCHMARKS');
  const { runBenchmarks } = (await import(RUNNER.href)) as { runBenchmarks(options: BenchOptions): Promise<BenchOutput[]> };
  await runBenchmarks({ names, quick: options.quick, ...(options.out === undefined ? {} : { out: options.out }), print: out, progress: process.stderr });
  return 0;
}
