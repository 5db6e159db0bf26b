/**
 * Cluster benchmark: end-to-end tasks/s, from launch (accept) to TASK_FINISHED received by the
 * framework (which acknowledges it on receipt), for short JS tasks, with and without
 * checkpointing, over many executors. Each configuration runs four rounds on one cluster:
 * `cold` includes starting the executors; three `warm` rounds reuse them (named executors stay
 * up), and their median is the figure, as in the other benchmarks (the first warm round is
 * reported too: JIT and heap are still settling in it).
 */
import { type ExecutorId, LocalCluster } from '../../src/index.js';
import type { BenchContext, Benchmark } from '../context.js';
import { type Row, median } from '../stats.js';
import { type Layout, module as tasksModule } from './tasks.js';

type Config = Layout;

const configs = (quick: boolean): Config[] =>
  quick
    ? [
        { tasks: 200, executors: 'default' },
        { tasks: 200, executors: 4, isolation: 'shared' },
      ]
    : [
        // First, so that the process's peak RSS after it is this configuration's alone.
        { tasks: 10_000, executors: 'default' },
        { tasks: 1_000, executors: 100, isolation: 'worker' },
        { tasks: 10_000, executors: 100, isolation: 'worker' },
        { tasks: 10_000, executors: 1_000, isolation: 'shared' },
      ];

const labelOf = (config: Config) =>
  config.executors === 'default'
    ? `${config.tasks.toLocaleString('en-US')} tasks / plain launch (default executor)`
    : `${config.tasks.toLocaleString('en-US')} tasks / ${config.executors} executors (${config.isolation})`;

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
            ...(config.executors === 'default' ? {} : { executor: { executorId: `exec-${n % config.executors}` as ExecutorId, isolation: config.isolation } }),
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

async function run(ctx: BenchContext) {
  ctx.log('cluster benchmark: 2 agents, short JS tasks, tasks/s from launch to TASK_FINISHED at the framework');
  const rows: Row[] = [];
  const ratios: Record<string, number> = {};
  const CONFIGS = configs(ctx.quick);
  let defaultPeakRssMb = 0;
  for (const config of CONFIGS) {
    const label = labelOf(config);
    const off = await runConfig(config, false);
    ctx.step(`${label}, checkpointing off: ${Math.round(off.warm)}/s warm (median of ${WARM_ROUNDS})`);
    const on = await runConfig(config, true);
    ctx.step(`${label}, checkpointing on: ${Math.round(on.warm)}/s warm`);
    // The process's peak so far (maxRSS, KiB): the default path runs first, so this is its own.
    if (config.executors === 'default') defaultPeakRssMb = process.resourceUsage().maxRSS / 1024;
    rows.push({ config: label, checkpoint: 'off', 'cold tasks/s': off.cold, 'first warm tasks/s': off.firstWarm, 'warm tasks/s': off.warm });
    rows.push({ config: label, checkpoint: 'on', 'cold tasks/s': on.cold, 'first warm tasks/s': on.firstWarm, 'warm tasks/s': on.warm });
    ratios[`${label}: on/off warm`] = on.warm / off.warm;
  }
  ctx.table('End-to-end task throughput', rows);
  const best = (checkpoint: string) => Math.max(...rows.filter((r) => r.checkpoint === checkpoint).map((r) => r['warm tasks/s'] as number));
  const targets = [
    { target: '>= 10k tasks/s, checkpointing off', measured: best('off'), met: best('off') >= 10_000 ? 'yes' : 'NO' },
    { target: '>= 5k tasks/s, checkpointing on', measured: best('on'), met: best('on') >= 5_000 ? 'yes' : 'NO' },
  ];
  ctx.table('Targets (issue #5), best configuration, median of the warm rounds', targets);
  const warmOf = (config: Config | undefined, checkpoint: string) => Number(rows.find((r) => config !== undefined && r.config === labelOf(config) && r.checkpoint === checkpoint)?.['warm tasks/s'] ?? 0);
  const plainConfig = CONFIGS.find((c) => c.executors === 'default');
  const sharedConfig = CONFIGS.find((c) => c.executors !== 'default' && c.isolation === 'shared');
  const defaultPath = (['off', 'on'] as const).map((checkpoint) => {
    const plain = warmOf(plainConfig, checkpoint);
    const shared = warmOf(sharedConfig, checkpoint);
    return { checkpoint, 'plain launch tasks/s': plain, 'explicit shared tasks/s': shared, ratio: plain / shared, 'target ratio': 0.5, met: plain / shared >= 0.5 ? 'yes' : 'NO' };
  });
  ctx.table('The default launch path against explicit shared executors, same run (target >= 0.5x)', defaultPath);
  ctx.table('Peak RSS of the process after the plain-launch configuration (target <= 500 MB)', [{ 'peak RSS MB': defaultPeakRssMb, met: defaultPeakRssMb <= 500 ? 'yes' : 'NO' }]);
  return { configs: CONFIGS, rows, ratios, targets, defaultPath, defaultPeakRssMb };
}

export const clusterBenchmark: Benchmark<Awaited<ReturnType<typeof run>>> = {
  name: 'cluster',
  steps: (quick) => configs(quick).length * 2,
  run,
  chart: (result) => {
    const labels = [...new Set(result.rows.map((r) => String(r.config)))];
    const warm = (checkpoint: string) => labels.map((label) => Number(result.rows.find((r) => r.config === label && r.checkpoint === checkpoint)?.['warm tasks/s'] ?? 0));
    return { title: 'End-to-end task throughput (warm, median)', unit: 'tasks/s', categories: labels, series: [{ name: 'checkpointing off', values: warm('off') }, { name: 'checkpointing on', values: warm('on') }] };
  },
};
