/** What a benchmark is, and what it is given to run: its size, and where its output goes. */
import type { Row } from './stats.js';

export interface BenchContext {
  /** Small sizes: seconds instead of minutes, to check that it runs (numbers are not comparable). */
  readonly quick: boolean;
  /** One measurement is done (it advances the progress bar); `line` says what it measured. */
  step(line: string): void;
  log(line: string): void;
  table(title: string, rows: readonly Row[]): void;
}

/** A bar chart of one benchmark's result: one group of bars per category, one bar per series. */
export interface ChartSpec {
  readonly title: string;
  readonly unit: string;
  readonly categories: readonly string[];
  readonly series: readonly { readonly name: string; readonly values: readonly number[] }[];
  /** Bars of a category stacked (parts of one whole) instead of side by side. */
  readonly stacked?: boolean;
}

export interface Benchmark<R extends object = object> {
  readonly name: string;
  /** How many `step()` calls a run makes. */
  steps(quick: boolean): number;
  /** Resolves with what is written to `<name>.json`. */
  run(context: BenchContext): Promise<R>;
  chart(result: R): ChartSpec;
}
