/**
 * Cluster benchmark: end-to-end tasks/s, from launch (accept) to TASK_FINISHED received by the
 * framework (which acknowledges it on receipt), for short JS tasks, with and without
 * checkpointing, over many executors. Each configuration runs four rounds on one cluster:
 * `cold` includes starting the executors; three `warm` rounds reuse them (named executors stay
 * up), and their median is the figure, as in the other benchmarks (the first warm round is
 * reported too: JIT and heap are still settling in it).
 */
import { type ExecutorId, LocalCluster } from '../../src/index.js';
import { median, printTable, writeResults } from '../stats.js';
import { type Layout, module as tasksModule, quick } from './tasks.js';

type Config = Layout;

const CONFIGS: Config[] = quick
  ? [{ tasks: 1_000, executors: 10, isolation: 'worker' }]
  : [
      { tasks: 1_000, executors: 100, isolation: 'worker' },
      { tasks: 10_000, executors: 100, isolation: 'worker' },
      { tasks: 10_000, executors: 1_000, isolation: 'shared' },
    ];

const WARM_ROUNDS = 3;

async function runConfig(config: Config, checkpoint: boolean): Promise<{ cold: number; firstWarm: number; warm: number }> {
  const big = { resources: { cpus: 100_000, mem: 1_000_000 } };
  const cluster = await LocalCluster.start({ agents: [big, big], agent: { executorPoolThreads: 1 } });
  try {
    const fw = await cluster.registerFramework({ name: `bench-${checkpoint}`, checkpoint });
    const rates: number[] = [];
    for (let round = 0; round <= WARM_ROUNDS; round++) {
      const started = performance.now();
      const launched = await Promise.all(
        Array.from({ length: config.tasks }, (_, n) =>
          fw.launch({
            taskId: `r${round}-t${n}`,
            cpus: 0.001,
            mem: 0.01,
            run: { kind: 'js', module: tasksModule, export: 'square', args: { n } },
            executor: { executorId: `exec-${n % config.executors}` as ExecutorId, isolation: config.isolation },
          }),
        ),
      );
      await Promise.all(launched.map((l) => fw.waitFor(l.taskId, 'TASK_FINISHED', { timeoutMs: 300_000 })));
      rates.push(config.tasks / ((performance.now() - started) / 1000));
    }
    return { cold: rates[0]!, firstWarm: rates[1]!, warm: median(rates.slice(1)) };
  } finally {
    await cluster.stop();
  }
}

export async function runCluster(): Promise<void> {
  console.log('cluster benchmark: 2 agents, short JS tasks, tasks/s from launch to TASK_FINISHED at the framework');
  const rows: Record<string, string | number>[] = [];
  const ratios: Record<string, number> = {};
  for (const config of CONFIGS) {
    const off = await runConfig(config, false);
    const on = await runConfig(config, true);
    const label = `${config.tasks.toLocaleString('en-US')} tasks / ${config.executors} executors (${config.isolation})`;
    console.log(`  ${label}: off ${Math.round(off.warm)}/s warm (median of ${WARM_ROUNDS}), on ${Math.round(on.warm)}/s`);
    rows.push({ config: label, checkpoint: 'off', 'cold tasks/s': off.cold, 'first warm tasks/s': off.firstWarm, 'warm tasks/s': off.warm });
    rows.push({ config: label, checkpoint: 'on', 'cold tasks/s': on.cold, 'first warm tasks/s': on.firstWarm, 'warm tasks/s': on.warm });
    ratios[`${label}: on/off warm`] = on.warm / off.warm;
  }
  printTable('End-to-end task throughput', rows);
  const best = (checkpoint: string) => Math.max(...rows.filter((r) => r.checkpoint === checkpoint).map((r) => r['warm tasks/s'] as number));
  const targets = [
    { target: '>= 10k tasks/s, checkpointing off', measured: best('off'), met: best('off') >= 10_000 ? 'yes' : 'NO' },
    { target: '>= 5k tasks/s, checkpointing on', measured: best('on'), met: best('on') >= 5_000 ? 'yes' : 'NO' },
  ];
  printTable('Targets (issue #5), best configuration, median of the warm rounds', targets);
  const path = writeResults('cluster', { configs: CONFIGS, rows, ratios, targets });
  console.log(`\nwrote ${path}`);
}
