/**
 * `npm run chaos -- --faults N --seed S [--mode process --kills K]`: a seeded chaos run over a
 * local cluster (RELIABILITY.md). Prints the faults by kind, what each invariant was checked on
 * and every violation; on a violation, replays subsets of the schedule with the same seed to
 * find the shortest fault sequence that still breaks it, and prints it with the seed. Exits 1
 * on a violation.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { AGENTS } from './config.js';
import type { RunResult } from './run-dir.js';
import { runIsolated } from './isolated.js';
import type { InvariantId } from './invariants.js';
import { runProcessMode } from './process-mode.js';
import { summarize } from './report.js';
import { FAULT_KINDS, type Fault, type FaultKind, describeFault, schedule } from './schedule.js';
import { shrink } from './shrink.js';

const count = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('Expected a non-negative integer.');
  return n;
};
const kinds = (value: string): FaultKind[] => {
  const list = value.split(',').filter((k) => k !== '');
  const unknown = list.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new InvalidArgumentError(`Unknown fault kind(s) ${unknown.join(', ')}; kinds: ${FAULT_KINDS.join(', ')}.`);
  return list as FaultKind[];
};

const program = new Command('chaos')
  .description('A seeded, reproducible schedule of faults over a running local cluster, checked against the invariants of RELIABILITY.md.')
  .option('--faults <n>', 'faults of an in-process run (process mode: see --faults-per-process)', count, 200)
  .option('--seed <n>', 'the seed of the schedule and the workload (default: a random one, printed)', count)
  .addOption(new Option('--mode <mode>', 'in-process, or process: kill -9 of the whole process and a restart on the same work dir').choices(['in-process', 'process']).default('in-process'))
  .option('--kills <n>', 'process mode: whole-process kills', count, 50)
  .option('--faults-per-process <n>', 'process mode: in-process faults each process plays', count, 4)
  .option('--without <kinds>', 'leave these fault kinds out (comma-separated)', kinds)
  .option('--only <kinds>', 'only these fault kinds (comma-separated)', kinds)
  .option('--replay <indices>', 'run only these faults of the schedule (comma-separated indices, as a shrunk sequence prints them)', (v) => v.split(',').map(count))
  .option('--no-shrink', 'on a violation, do not look for the shortest failing sequence')
  .option('--max-trials <n>', 'runs the shrinking may make', count, 16)
  .option('--keep', 'keep the run\'s directory (work dir, event log, side log) even without a violation')
  .parse();

const options = program.opts<{
  faults: number;
  seed?: number;
  mode: 'in-process' | 'process';
  kills: number;
  faultsPerProcess: number;
  without?: FaultKind[];
  only?: FaultKind[];
  shrink: boolean;
  maxTrials: number;
  keep?: boolean;
  replay?: number[];
}>();
const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
const selection = { ...(options.only ? { only: options.only } : {}), ...(options.without ? { without: options.without } : {}) };

console.log(`chaos: seed ${seed}, mode ${options.mode}`);

let result: RunResult;
let faults: Fault[] = [];
if (options.mode === 'process') {
  result = await runProcessMode({ seed, kills: options.kills, faultsPerProcess: options.faultsPerProcess, ...selection, ...(options.keep ? { keep: true } : {}), progress: (line) => console.log(`  ${line}`) });
} else {
  faults = schedule({ seed, faults: options.faults, agents: AGENTS, ...selection });
  if (options.replay !== undefined) faults = faults.filter((f) => options.replay!.includes(f.index));
  result = await runIsolated({ seed, faults, ...(options.keep ? { keep: true } : {}) });
}
console.log(summarize(`chaos run (seed ${seed}, ${options.mode})`, result.report, result.ms));
if (result.diskSkipped !== undefined) console.log(`  disk faults skipped: ${result.diskSkipped}`);
if (result.root !== undefined) console.log(`  run directory kept: ${result.root} (events.jsonl, side.log, cluster/, host-1-meta/)`);

if (result.report.violations.length > 0 && options.mode === 'in-process' && options.shrink) {
  const invariant = result.report.violations[0]!.invariant as InvariantId;
  console.log(`\nshrinking: the shortest sequence of the ${faults.length} faults that still breaks invariant ${invariant} (seed ${seed}, at most ${options.maxTrials} runs)`);
  const shrunk = await shrink(
    faults,
    invariant,
    async (subset) => new Set((await runIsolated({ seed, faults: subset })).report.violations.map((v) => v.invariant)),
    options.maxTrials,
    (line) => console.log(line),
  );
  console.log(`shortest failing sequence found (seed ${seed}, invariant ${invariant}, ${shrunk.trials} runs${shrunk.exhausted ? ', search cut short' : ''}):`);
  for (const fault of shrunk.faults) console.log(`  ${describeFault(fault)}`);
  if (shrunk.faults.length === 0) console.log('  (none: the workload alone breaks it)');
  const flags = [options.only && `--only ${options.only.join(',')}`, options.without && `--without ${options.without.join(',')}`].filter(Boolean).join(' ');
  console.log(`replay: npm run chaos -- --seed ${seed} --faults ${options.faults} ${flags} --replay ${shrunk.faults.map((f) => f.index).join(',')} --no-shrink`);
}
process.exitCode = result.report.violations.length > 0 ? 1 : 0;
