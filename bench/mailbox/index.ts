/**
 * Mailbox benchmark: in one run, side by side, raw MessagePort baselines (per-message,
 * structured-clone batches, msgpack batches), comlink calls, and mesolith tell/ask. Ratios are
 * taken against baselines measured in the same run, since this machine is noisy.
 */
import { type Remote, wrap } from 'comlink';
import { MessageChannel, Worker } from 'node:worker_threads';
import { type ActorRef, ActorSystem } from '../../src/index.js';
import { endpoint } from '../../src/actor/control/endpoint.js';
import type { BenchContext, Benchmark } from '../context.js';
import { type Row, median, percentile } from '../stats.js';
import { type SinkMsg, type SourceMsg, module as actors } from './actors.js';
import type { RawMode, RawRole } from './raw-worker.js';

interface Sizes {
  readonly perProducer: number;
  readonly repeats: number;
  readonly pings: number;
  readonly sameThread: number;
  readonly comlinkCalls: number;
}

const sizesFor = (quick: boolean): Sizes =>
  quick
    ? { perProducer: 20_000, repeats: 1, pings: 1_000, sameThread: 100_000, comlinkCalls: 2_000 }
    : { perProducer: 1_000_000, repeats: 3, pings: 10_000, sameThread: 5_000_000, comlinkCalls: 20_000 };
/** Set by `run` before anything is measured. */
let sizes: Sizes = sizesFor(false);

const RAW_WORKER = new URL('./raw-worker.js', import.meta.url);

function startRaw(job: RawRole, transfer: MessagePort[]): Promise<Worker> {
  const worker = new Worker(RAW_WORKER, { workerData: job, transferList: transfer as never[] });
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve(worker));
    worker.once('error', reject);
  });
}

type MessagePort = import('node:worker_threads').MessagePort;

/**
 * One-way throughput of a raw MessagePort encoding, `producers` workers into one consumer. Every
 * variant (raw and mesolith) runs a warm-up round first so that all are measured JIT-warm.
 */
async function rawThroughput(mode: RawMode, producers: number): Promise<number> {
  const channels = Array.from({ length: producers }, () => new MessageChannel());
  const total = producers * sizes.perProducer;
  const consumer = await startRaw(
    { role: 'consumer', mode, expect: total, ports: channels.map((c) => c.port2) },
    channels.map((c) => c.port2),
  );
  const workers = await Promise.all(
    channels.map((c) => startRaw({ role: 'producer', mode, count: sizes.perProducer, port: c.port1 }, [c.port1])),
  );
  let perSecond = 0;
  for (const round of ['warm-up', 'measured']) {
    const done = new Promise<number>((resolve) => consumer.once('message', (m: { done: number }) => resolve(m.done)));
    const started = performance.timeOrigin + performance.now();
    for (const worker of workers) worker.postMessage(round);
    perSecond = total / (((await done) - started) / 1000);
  }
  await Promise.all([consumer, ...workers].map((w) => w.terminate()));
  return perSecond;
}

async function rawPingPong(): Promise<number[]> {
  const { port1, port2 } = new MessageChannel();
  const echo = await startRaw({ role: 'echo', port: port2 }, [port2]);
  const pinger = await startRaw({ role: 'pinger', port: port1, rounds: sizes.pings }, [port1]);
  const result = new Promise<number[]>((resolve) => pinger.once('message', (m: { samples: number[] }) => resolve(m.samples)));
  pinger.postMessage('go');
  const samples = await result;
  await Promise.all([echo.terminate(), pinger.terminate()]);
  return samples.slice(sizes.pings / 10);
}

async function comlinkCalls(): Promise<{ perSecond: number; latency: number[] }> {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./comlink-worker.js', import.meta.url), { workerData: { port: port2 }, transferList: [port2] });
  const api: Remote<{ add(a: number, b: number): number }> = wrap(endpoint(port1));
  await api.add(1, 1);
  const latency: number[] = [];
  for (let i = 0; i < sizes.pings; i++) {
    const sent = performance.now();
    await api.add(i, 1);
    latency.push(performance.now() - sent);
  }
  const started = performance.now();
  for (let done = 0; done < sizes.comlinkCalls; done += 1_000) {
    await Promise.all(Array.from({ length: 1_000 }, (_, i) => api.add(i, 1)));
  }
  const perSecond = sizes.comlinkCalls / ((performance.now() - started) / 1000);
  port1.close();
  await worker.terminate();
  return { perSecond, latency: latency.slice(sizes.pings / 10) };
}

/** One-way tell throughput: `producers` source actors, each in its own worker, into one sink. */
async function tellThroughput(producers: number): Promise<number> {
  const system = await ActorSystem.start({ mailboxCapacity: 100_000 });
  try {
    const sink = await system.spawn<SinkMsg>({ module: actors, export: 'sink' }, { worker: 'new' });
    const sources = await Promise.all(
      Array.from({ length: producers }, () =>
        system.spawn<SourceMsg, { target: ActorRef<SinkMsg> }>({ module: actors, export: 'source' }, { worker: 'new', args: { target: sink } }),
      ),
    );
    const total = producers * sizes.perProducer;
    let perSecond = 0;
    for (const round of [1, 2]) {
      const done = sink.ask<number>({ type: 'expect', total: total * round }, { timeoutMs: 120_000 });
      const started = performance.timeOrigin + performance.now();
      for (const source of sources) source.tell({ type: 'go', count: sizes.perProducer, burst: 65_536 });
      perSecond = total / (((await done) - started) / 1000);
    }
    return perSecond;
  } finally {
    await system.stop();
  }
}

async function sameThreadThroughput(): Promise<number> {
  const burst = 65_536;
  const system = await ActorSystem.start({ mailboxCapacity: burst + 16 });
  try {
    const worker = await system.spawnWorker();
    const sink = await system.spawn<SinkMsg>({ module: actors, export: 'sink' }, { worker });
    const source = await system.spawn<SourceMsg, { target: ActorRef<SinkMsg> }>({ module: actors, export: 'source' }, { worker, args: { target: sink } });
    let perSecond = 0;
    for (const round of [1, 2]) {
      const done = sink.ask<number>({ type: 'expect', total: sizes.sameThread * round }, { timeoutMs: 120_000 });
      const started = performance.timeOrigin + performance.now();
      source.tell({ type: 'go', count: sizes.sameThread, burst });
      perSecond = sizes.sameThread / (((await done) - started) / 1000);
    }
    return perSecond;
  } finally {
    await system.stop();
  }
}

async function askLatency(): Promise<number[]> {
  const system = await ActorSystem.start();
  try {
    const echo = await system.spawn({ module: actors, export: 'echo' }, { worker: 'new' });
    const pinger = await system.spawn<{ type: 'pings'; rounds: number }, { target: ActorRef }>({ module: actors, export: 'pinger' }, { worker: 'new', args: { target: echo } });
    const samples = await pinger.ask<number[]>({ type: 'pings', rounds: sizes.pings }, { timeoutMs: 120_000 });
    return samples.slice(sizes.pings / 10);
  } finally {
    await system.stop();
  }
}

async function repeat(fn: () => Promise<number>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < sizes.repeats; i++) runs.push(await fn());
  return median(runs);
}

async function run(ctx: BenchContext) {
  sizes = sizesFor(ctx.quick);
  ctx.log(`mailbox benchmark: ${sizes.perProducer.toLocaleString('en-US')} messages per producer, median of ${sizes.repeats}`);
  const throughput: Row[] = [];
  const measured: Record<string, number> = {};
  for (const producers of [1, 2]) {
    for (const [name, run] of [
      ['raw postMessage, one per message', () => rawThroughput('per-message', producers)],
      ['raw structured-clone batches of 1024', () => rawThroughput('clone-batch', producers)],
      ['raw msgpack batches of 1024 (transferred)', () => rawThroughput('msgpack-batch', producers)],
      ['mesolith tell (actor to actor)', () => tellThroughput(producers)],
    ] as const) {
      const perSecond = await repeat(run);
      ctx.step(`${producers} producer(s), ${name}: ${Math.round(perSecond).toLocaleString('en-US')} msg/s`);
      measured[`${name}|${producers}`] = perSecond;
      throughput.push({ producers, transport: name, 'msg/s': perSecond });
    }
  }
  const sameThread = await repeat(sameThreadThroughput);
  throughput.push({ producers: 1, transport: 'mesolith tell, same thread', 'msg/s': sameThread });
  ctx.step(`same-thread tell: ${Math.round(sameThread).toLocaleString('en-US')} msg/s`);
  ctx.table('One-way throughput across two workers (trivial handler)', throughput);

  const raw = [...(await rawPingPong())].sort((a, b) => a - b);
  ctx.step(`raw ping-pong p50 ${(percentile(raw, 50) * 1000).toFixed(1)} µs`);
  const ask = [...(await askLatency())].sort((a, b) => a - b);
  ctx.step(`ask p50 ${(percentile(ask, 50) * 1000).toFixed(1)} µs`);
  const comlink = await comlinkCalls();
  ctx.step(`comlink ${Math.round(comlink.perSecond).toLocaleString('en-US')} calls/s`);
  const comlinkLatency = [...comlink.latency].sort((a, b) => a - b);
  const latency = [
    { path: 'raw postMessage ping-pong (worker to worker)', 'p50 µs': percentile(raw, 50) * 1000, 'p99 µs': percentile(raw, 99) * 1000 },
    { path: 'mesolith ask (worker to worker)', 'p50 µs': percentile(ask, 50) * 1000, 'p99 µs': percentile(ask, 99) * 1000 },
    { path: 'comlink call (main to worker)', 'p50 µs': percentile(comlinkLatency, 50) * 1000, 'p99 µs': percentile(comlinkLatency, 99) * 1000 },
  ];
  ctx.table('Round trip latency', latency);
  ctx.table('Control plane', [{ path: 'comlink calls, 1,000 in flight', 'calls/s': comlink.perSecond }]);

  const tell1 = measured['mesolith tell (actor to actor)|1']!;
  const tell2 = measured['mesolith tell (actor to actor)|2']!;
  const raw1 = measured['raw postMessage, one per message|1']!;
  const ratios = {
    tellOverRawPerMessage1Producer: tell1 / raw1,
    tellOverRawPerMessage2Producers: tell2 / measured['raw postMessage, one per message|2']!,
    tellOverCloneBatch1Producer: tell1 / measured['raw structured-clone batches of 1024|1']!,
    tellOverMsgpackBatch1Producer: tell1 / measured['raw msgpack batches of 1024 (transferred)|1']!,
    askP50OverRawPingPongP50: percentile(ask, 50) / percentile(raw, 50),
    askP99OverRawPingPongP99: percentile(ask, 99) / percentile(raw, 99),
    tellOverComlinkCalls: tell1 / comlink.perSecond,
  };
  const targets = [
    { target: 'cross-worker tell >= 3M msg/s', measured: tell1, met: tell1 >= 3_000_000 ? 'yes' : 'NO' },
    { target: 'tell >= 5x raw per-message postMessage', measured: ratios.tellOverRawPerMessage1Producer, met: ratios.tellOverRawPerMessage1Producer >= 5 ? 'yes' : 'NO' },
    { target: 'ask p50 <= 1.3x raw ping-pong p50', measured: ratios.askP50OverRawPingPongP50, met: ratios.askP50OverRawPingPongP50 <= 1.3 ? 'yes' : 'NO' },
    { target: 'same-thread >= 10M msg/s', measured: sameThread, met: sameThread >= 10_000_000 ? 'yes' : 'NO' },
  ];
  ctx.table('Targets (issue #3)', targets);
  return {
    settings: { perProducer: sizes.perProducer, repeats: sizes.repeats, pings: sizes.pings, sameThread: sizes.sameThread },
    throughput,
    latency,
    comlinkCallsPerSecond: comlink.perSecond,
    ratios,
    targets,
  };
}

export const mailboxBenchmark: Benchmark<Awaited<ReturnType<typeof run>>> = {
  name: 'mailbox',
  steps: () => 12,
  run,
  chart: (result) => {
    const transports = [...new Set(result.throughput.filter((r) => r.producers === 1).map((r) => String(r.transport)))];
    return {
      title: 'One-way throughput across workers',
      unit: 'msg/s',
      categories: transports,
      series: [1, 2].map((producers) => ({
        name: `${producers} producer${producers === 1 ? '' : 's'}`,
        values: transports.map((t) => Number(result.throughput.find((r) => r.transport === t && r.producers === producers)?.['msg/s'] ?? 0)),
      })),
    };
  },
};
