/**
 * Soak: a cluster under a steady task rate for a long time (default 60 minutes; `quick`: 1),
 * sampling the process's RSS (every worker of the cluster is in it), the main thread's heap,
 * the checkpoint files' sizes and what the master keeps, to show whether any of it grows.
 * Tasks go through the plain launch path (the default executor) for a checkpointing and a
 * non-checkpointing framework, with a long task now and then. Opt-in: run it by name
 * (`mesolith bench soak`); `MESOLITH_SOAK_MINUTES` sets the length.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { type Framework, LocalCluster } from '../../src/index.js';
import { module as tasksModule } from '../cluster/tasks.js';
import type { BenchContext, Benchmark } from '../context.js';
import type { Row } from '../stats.js';

const TASKS_PER_SECOND = 100;
const SAMPLE_EVERY_MS = 15_000;

interface Sample {
  readonly minute: number;
  readonly rssMb: number;
  readonly heapMb: number;
  readonly checkpointMb: number;
  readonly masterTasks: number;
  readonly finished: number;
}

/** Least-squares slope of y over x. */
function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

const fileMb = (path: string) => {
  try {
    return statSync(path).size / 1024 / 1024;
  } catch {
    return 0;
  }
};

async function run(ctx: BenchContext) {
  const minutes = ctx.quick ? 1 : Number(process.env.MESOLITH_SOAK_MINUTES ?? 60);
  ctx.log(`soak: ${TASKS_PER_SECOND} tasks/s for ${minutes} min over 2 agents, sampling every ${SAMPLE_EVERY_MS / 1000} s`);
  const cluster = await LocalCluster.start({ agents: 2 });
  const samples: Sample[] = [];
  let finished = 0;
  try {
    const durable = await cluster.registerFramework({ name: 'soak-durable', checkpoint: true });
    const plain = await cluster.registerFramework({ name: 'soak-plain' });
    for (const fw of [durable, plain]) fw.on('update', (s) => s.state === 'TASK_FINISHED' && finished++);
    const launch = (fw: Framework, n: number, long: boolean) =>
      fw
        .launch({ cpus: 0.01, mem: 1, run: long ? { kind: 'js', module: tasksModule, export: 'sleepFor', args: { ms: 60_000 } } : { kind: 'js', module: tasksModule, export: 'square', args: { n } } })
        .catch(() => undefined);
    const started = Date.now();
    const end = started + minutes * 60_000;
    let n = 0;
    let nextSample = started;
    while (Date.now() < end) {
      const second = Date.now();
      for (let i = 0; i < TASKS_PER_SECOND; i++, n++) void launch(n % 2 === 0 ? durable : plain, n, n % 1_000 === 0);
      if (Date.now() >= nextSample) {
        const state = await cluster.state();
        const memory = process.memoryUsage();
        const sample: Sample = {
          minute: (Date.now() - started) / 60_000,
          rssMb: memory.rss / 1024 / 1024,
          heapMb: memory.heapUsed / 1024 / 1024,
          checkpointMb: ['host-1', 'host-2'].reduce((mb, host) => mb + fileMb(join(cluster.workDir, host, 'meta', 'checkpoint.mdb')), 0),
          masterTasks: state.tasks.length,
          finished,
        };
        samples.push(sample);
        ctx.step(`minute ${sample.minute.toFixed(1)}: RSS ${sample.rssMb.toFixed(0)} MB, heap ${sample.heapMb.toFixed(0)} MB, checkpoints ${sample.checkpointMb.toFixed(1)} MB, master keeps ${sample.masterTasks} tasks, ${finished} finished`);
        nextSample += SAMPLE_EVERY_MS;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1_000 - (Date.now() - second))));
    }
  } finally {
    await cluster.stop();
  }
  // The first quarter is warm-up (JIT, pools, LMDB's map growing to its working size).
  const settled = samples.filter((s) => s.minute >= minutes / 4);
  const perHour = (pick: (s: Sample) => number) => slope(settled.map((s) => ({ x: s.minute / 60, y: pick(s) })));
  const rows: Row[] = [
    { measure: 'RSS (MB)', first: samples[0]?.rssMb ?? 0, last: samples.at(-1)?.rssMb ?? 0, max: Math.max(...samples.map((s) => s.rssMb)), 'slope after warm-up (per hour)': perHour((s) => s.rssMb) },
    { measure: 'main heap (MB)', first: samples[0]?.heapMb ?? 0, last: samples.at(-1)?.heapMb ?? 0, max: Math.max(...samples.map((s) => s.heapMb)), 'slope after warm-up (per hour)': perHour((s) => s.heapMb) },
    { measure: 'checkpoint files (MB)', first: samples[0]?.checkpointMb ?? 0, last: samples.at(-1)?.checkpointMb ?? 0, max: Math.max(...samples.map((s) => s.checkpointMb)), 'slope after warm-up (per hour)': perHour((s) => s.checkpointMb) },
    { measure: 'tasks the master keeps', first: samples[0]?.masterTasks ?? 0, last: samples.at(-1)?.masterTasks ?? 0, max: Math.max(...samples.map((s) => s.masterTasks)), 'slope after warm-up (per hour)': perHour((s) => s.masterTasks) },
  ];
  ctx.table(`Soak: ${finished.toLocaleString('en-US')} tasks finished in ${minutes} min`, rows);
  return { minutes, tasksPerSecond: TASKS_PER_SECOND, finished, samples, rows };
}

export const soakBenchmark: Benchmark<Awaited<ReturnType<typeof run>>> = {
  name: 'soak',
  steps: (quick) => Math.ceil(((quick ? 1 : Number(process.env.MESOLITH_SOAK_MINUTES ?? 60)) * 60_000) / SAMPLE_EVERY_MS),
  run,
  chart: (result) => ({
    title: 'Soak: memory and checkpoint size over time',
    unit: 'MB',
    categories: result.samples.map((s) => `${s.minute.toFixed(0)} min`),
    series: [
      { name: 'process RSS', values: result.samples.map((s) => s.rssMb) },
      { name: 'main heap', values: result.samples.map((s) => s.heapMb) },
      { name: 'checkpoint files', values: result.samples.map((s) => s.checkpointMb) },
    ],
  }),
};
