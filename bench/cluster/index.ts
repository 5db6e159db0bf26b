/**
 * Cluster benchmark: end-to-end tasks/s, from launch (accept) to TASK_FINISHED received by the
 * framework (which acknowledges it on receipt), for short JS tasks, with and without
 * checkpointing, over many executors. Each configuration runs twice on one cluster: `cold`
 * includes starting the executors; `warm` reuses them (named executors stay up).
 */
import { type ExecutorId, LocalCluster } from '../../src/index.js';
import { printTable, writeResults } from '../stats.js';
import { type Layout, module as tasksModule, quick } from './tasks.js';

type Config = Layout;

const CONFIGS: Config[] = quick
  ? [{ tasks: 1_000, executors: 10, isolation: 'worker' }]
  : [
      { tasks: 1_000, executors: 100, isolation: 'worker' },
      { tasks: 10_000, executors: 100, isolation: 'worker' },
      { tasks: 10_000, executors: 1_000, isolation: 'shared' },
    ];

async function runConfig(config: Config, checkpoint: boolean): Promise<{ cold: number; warm: number }> {
  const big = { resources: { cpus: 100_000, mem: 1_000_000 } };
  const cluster = await LocalCluster.start({ agents: [big, big], agent: { executorPoolThreads: 1 } });
  try {
    const fw = await cluster.registerFramework({ name: `bench-${checkpoint}`, checkpoint });
    const rates: number[] = [];
    for (const round of [0, 1]) {
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
    return { cold: rates[0]!, warm: rates[1]! };
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
    console.log(`  ${label}: off ${Math.round(off.warm)}/s warm, on ${Math.round(on.warm)}/s warm`);
    rows.push({ config: label, checkpoint: 'off', 'cold tasks/s': off.cold, 'warm tasks/s': off.warm });
    rows.push({ config: label, checkpoint: 'on', 'cold tasks/s': on.cold, 'warm tasks/s': on.warm });
    ratios[`${label}: on/off warm`] = on.warm / off.warm;
  }
  printTable('End-to-end task throughput', rows);
  const best = (checkpoint: string) => Math.max(...rows.filter((r) => r.checkpoint === checkpoint).map((r) => r['warm tasks/s'] as number));
  const targets = [
    { target: '>= 10k tasks/s, checkpointing off', measured: best('off'), met: best('off') >= 10_000 ? 'yes' : 'NO' },
    { target: '>= 5k tasks/s, checkpointing on', measured: best('on'), met: best('on') >= 5_000 ? 'yes' : 'NO' },
  ];
  printTable('Targets (issue #5), best warm configuration', targets);
  const path = writeResults('cluster', { configs: CONFIGS, rows, ratios, targets });
  console.log(`\nwrote ${path}`);
}
