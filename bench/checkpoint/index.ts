/**
 * Checkpoint benchmark: durable records/s and write latency at 1, 16 and 256 concurrent writers
 * for (a) a Mesos-style file baseline, (b) mesolith's LMDB store with group commit, (c) the same
 * store without sync (reference only); then readState time for 1k/10k/100k tasks.
 * Every writer plays task lifecycles: task.info, then STARTING, its ack, RUNNING, its ack.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CheckpointRecord, CheckpointStore, readState } from '../../src/index.js';
import { MesosStyleCheckpointer } from '../baselines/mesos-files.js';
import { checkpointRecords, taskPath, update } from '../../test/fixtures/checkpoint-data.js';
import type { BenchContext, Benchmark } from '../context.js';
import { type Row, median, percentile } from '../stats.js';

const settings = (quick: boolean) => ({
  seconds: quick ? 0.3 : 2,
  repeats: quick ? 1 : 3,
  writers: quick ? [1, 16] : [1, 16, 256],
  readSizes: quick ? [1_000] : [1_000, 10_000, 100_000],
});

interface Sink {
  write(record: CheckpointRecord): Promise<void>;
  close(): Promise<void>;
}

function lifecycle(writer: number, n: number): CheckpointRecord[] {
  const task = taskPath(writer % 100, writer * 1_000_000 + n);
  return [
    { type: 'task', task, info: { name: `task ${n}`, resources: { cpus: 0.1, mem: 32 }, run: { module: 'file:///app/job.js', export: 'job', args: { n } } } },
    { type: 'update', task, seq: 0, update: update('TASK_STARTING', `${writer}-${n}-s`) },
    { type: 'ack', task, seq: 1, uuid: `${writer}-${n}-s` },
    { type: 'update', task, seq: 2, update: update('TASK_RUNNING', `${writer}-${n}-r`) },
    { type: 'ack', task, seq: 3, uuid: `${writer}-${n}-r` },
  ];
}

async function measureWrites(sink: Sink, writers: number, seconds: number): Promise<{ perSecond: number; latencies: number[] }> {
  const latencies: number[] = [];
  let records = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let n = 0; performance.now() < deadline; n++) {
        for (const record of lifecycle(w, n)) {
          const t = performance.now();
          await sink.write(record);
          latencies.push(performance.now() - t);
          records++;
        }
      }
    }),
  );
  return { perSecond: records / ((performance.now() - started) / 1000), latencies: latencies.sort((a, b) => a - b) };
}

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'mesolith-bench-ckpt-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const variants: { name: string; open: (dir: string) => Promise<Sink> }[] = [
  { name: '(a) Mesos-style files: temp+fsync+rename, fsync per append', open: async (dir) => new MesosStyleCheckpointer(dir) },
  { name: '(b) mesolith LMDB, durable group commit', open: (dir) => CheckpointStore.open(dir) },
  { name: '(c) mesolith LMDB, no sync (reference only)', open: (dir) => CheckpointStore.open(dir, { durability: 'no-sync-unsafe' }) },
];

async function run(ctx: BenchContext) {
  const { seconds: SECONDS, repeats: REPEATS, writers: WRITERS, readSizes: READ_SIZES } = settings(ctx.quick);
  ctx.log(`checkpoint benchmark: ${SECONDS} s per cell, median of ${REPEATS} interleaved runs, task lifecycles of 5 records`);
  const rows: Row[] = [];
  const perSecond: Record<string, number> = {};
  for (const writers of WRITERS) {
    const runs = new Map<string, { perSecond: number; latencies: number[] }[]>();
    // Variants take turns, REPEATS times, so that a slow spell of the disk hits all of them.
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      for (const variant of variants) {
        const result = await withDir(async (dir) => {
          const sink = await variant.open(dir);
          try {
            return await measureWrites(sink, writers, SECONDS);
          } finally {
            await sink.close();
          }
        });
        runs.set(variant.name, [...(runs.get(variant.name) ?? []), result]);
      }
    }
    for (const variant of variants) {
      const results = runs.get(variant.name)!;
      const rate = median(results.map((r) => r.perSecond));
      const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
      perSecond[`${variant.name[1]}|${writers}`] = rate;
      ctx.step(`${writers} writers, ${variant.name}: ${Math.round(rate).toLocaleString('en-US')} records/s`);
      rows.push({ writers, store: variant.name, 'records/s': rate, 'p50 ms': percentile(latencies, 50), 'p99 ms': percentile(latencies, 99) });
    }
  }
  ctx.table('Durable checkpoint writes', rows);

  const reads: Row[] = [];
  const readMs: Record<number, number> = {};
  for (const tasks of READ_SIZES) {
    const result = await withDir(async (dir) => {
      const store = await CheckpointStore.open(dir);
      const executors = Math.max(10, tasks / 100);
      const records = checkpointRecords(tasks, executors);
      // Keys on disk: 5 for the host, agent and framework; 3 per executor (info, run pid,
      // runs/latest); 2 per task (task.info, task.updates).
      const keyCount = 5 + 3 * executors + 2 * tasks;
      for (let i = 0; i < records.length; i += 50_000) await store.write(records.slice(i, i + 50_000));
      await store.close();
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        const state = await readState(dir);
        times.push(performance.now() - started);
        if (state.records !== keyCount) throw new Error(`read ${state.records} records, wrote ${keyCount}`);
      }
      return { ms: median(times), records: keyCount };
    });
    readMs[tasks] = result.ms;
    ctx.step(`readState of ${tasks.toLocaleString('en-US')} tasks: ${result.ms.toFixed(1)} ms`);
    reads.push({ tasks, records: result.records, 'readState ms (median of 5)': result.ms });
  }
  ctx.table('readState (each task: task.info, and a stream of STARTING, RUNNING and their acks)', reads);

  const ratios = {
    durableOverMesos1: perSecond['b|1']! / perSecond['a|1']!,
    durableOverMesos16: perSecond['b|16']! / perSecond['a|16']!,
    durableOverMesos256: perSecond['b|256']! / perSecond['a|256']!,
    noSyncOverDurable256: perSecond['c|256']! / perSecond['b|256']!,
  };
  // A quick run measures fewer writers and sizes: only the targets it measured are reported.
  const targets = [
    { target: '(b) >= 4x (a) at 16 writers', measured: ratios.durableOverMesos16, met: ratios.durableOverMesos16 >= 4 ? 'yes' : 'NO' },
    { target: '(b) >= 10x (a) at 256 writers', measured: ratios.durableOverMesos256, met: ratios.durableOverMesos256 >= 10 ? 'yes' : 'NO' },
    { target: 'readState 10k tasks <= 35 ms', measured: readMs[10_000] ?? Number.NaN, met: (readMs[10_000] ?? Infinity) <= 35 ? 'yes' : 'NO' },
    { target: 'readState 100k tasks <= 250 ms', measured: readMs[100_000] ?? Number.NaN, met: (readMs[100_000] ?? Infinity) <= 250 ? 'yes' : 'NO' },
  ].filter((t) => !Number.isNaN(t.measured));
  ctx.table('Targets (issue #4)', targets);
  return { settings: { seconds: SECONDS, repeats: REPEATS, writers: WRITERS, uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE }, writes: rows, reads, ratios, targets };
}

export const checkpointBenchmark: Benchmark<Awaited<ReturnType<typeof run>>> = {
  name: 'checkpoint',
  steps: (quick) => settings(quick).writers.length * variants.length + settings(quick).readSizes.length,
  run,
  chart: (result) => ({
    title: 'Durable checkpoint writes',
    unit: 'records/s',
    categories: result.settings.writers.map((w) => `${w} writer${w === 1 ? '' : 's'}`),
    series: variants.map((v) => ({ name: v.name, values: result.settings.writers.map((w) => Number(result.writes.find((r) => r.writers === w && r.store === v.name)?.['records/s'] ?? 0)) })),
  }),
};
