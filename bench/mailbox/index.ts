/**
 * Mailbox benchmark: in one run, side by side, raw MessagePort baselines (per-message,
 * structured-clone batches, msgpack batches), comlink calls, and mesolith tell/ask. Ratios are
 * taken against baselines measured in the same run, since this machine is noisy.
 */
import { type Remote, wrap } from 'comlink';
import { MessageChannel, Worker } from 'node:worker_threads';
import { type ActorRef, ActorSystem } from '../../src/index.js';
import { endpoint } from '../../src/actor/control/endpoint.js';
import { median, percentile, printTable, writeResults } from '../stats.js';
import { type SinkMsg, type SourceMsg, module as actors } from './actors.js';
import type { RawMode, RawRole } from './raw-worker.js';

const quick = process.env.BENCH_QUICK === '1';
const PER_PRODUCER = quick ? 100_000 : 1_000_000;
const REPEATS = quick ? 1 : 3;
const PINGS = quick ? 2_000 : 10_000;
const SAME_THREAD = quick ? 1_000_000 : 5_000_000;
const COMLINK_CALLS = quick ? 5_000 : 20_000;

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
  const total = producers * PER_PRODUCER;
  const consumer = await startRaw(
    { role: 'consumer', mode, expect: total, ports: channels.map((c) => c.port2) },
    channels.map((c) => c.port2),
  );
  const workers = await Promise.all(
    channels.map((c) => startRaw({ role: 'producer', mode, count: PER_PRODUCER, port: c.port1 }, [c.port1])),
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
  const pinger = await startRaw({ role: 'pinger', port: port1, rounds: PINGS }, [port1]);
  const result = new Promise<number[]>((resolve) => pinger.once('message', (m: { samples: number[] }) => resolve(m.samples)));
  pinger.postMessage('go');
  const samples = await result;
  await Promise.all([echo.terminate(), pinger.terminate()]);
  return samples.slice(PINGS / 10);
}

async function comlinkCalls(): Promise<{ perSecond: number; latency: number[] }> {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./comlink-worker.js', import.meta.url), { workerData: { port: port2 }, transferList: [port2] });
  const api: Remote<{ add(a: number, b: number): number }> = wrap(endpoint(port1));
  await api.add(1, 1);
  const latency: number[] = [];
  for (let i = 0; i < PINGS; i++) {
    const sent = performance.now();
    await api.add(i, 1);
    latency.push(performance.now() - sent);
  }
  const started = performance.now();
  for (let done = 0; done < COMLINK_CALLS; done += 1_000) {
    await Promise.all(Array.from({ length: 1_000 }, (_, i) => api.add(i, 1)));
  }
  const perSecond = COMLINK_CALLS / ((performance.now() - started) / 1000);
  port1.close();
  await worker.terminate();
  return { perSecond, latency: latency.slice(PINGS / 10) };
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
    const total = producers * PER_PRODUCER;
    let perSecond = 0;
    for (const round of [1, 2]) {
      const done = sink.ask<number>({ type: 'expect', total: total * round }, { timeoutMs: 120_000 });
      const started = performance.timeOrigin + performance.now();
      for (const source of sources) source.tell({ type: 'go', count: PER_PRODUCER, burst: 65_536 });
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
      const done = sink.ask<number>({ type: 'expect', total: SAME_THREAD * round }, { timeoutMs: 120_000 });
      const started = performance.timeOrigin + performance.now();
      source.tell({ type: 'go', count: SAME_THREAD, burst });
      perSecond = SAME_THREAD / (((await done) - started) / 1000);
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
    const samples = await pinger.ask<number[]>({ type: 'pings', rounds: PINGS }, { timeoutMs: 120_000 });
    return samples.slice(PINGS / 10);
  } finally {
    await system.stop();
  }
}

async function repeat(fn: () => Promise<number>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < REPEATS; i++) runs.push(await fn());
  return median(runs);
}

export async function runMailbox(): Promise<void> {
  console.log(`mailbox benchmark: ${PER_PRODUCER.toLocaleString('en-US')} messages per producer, median of ${REPEATS}`);
  const throughput: Record<string, string | number>[] = [];
  const measured: Record<string, number> = {};
  for (const producers of [1, 2]) {
    for (const [name, run] of [
      ['raw postMessage, one per message', () => rawThroughput('per-message', producers)],
      ['raw structured-clone batches of 1024', () => rawThroughput('clone-batch', producers)],
      ['raw msgpack batches of 1024 (transferred)', () => rawThroughput('msgpack-batch', producers)],
      ['mesolith tell (actor to actor)', () => tellThroughput(producers)],
    ] as const) {
      const perSecond = await repeat(run);
      console.log(`  ${producers} producer(s), ${name}: ${Math.round(perSecond).toLocaleString('en-US')} msg/s`);
      measured[`${name}|${producers}`] = perSecond;
      throughput.push({ producers, transport: name, 'msg/s': perSecond });
    }
  }
  const sameThread = await repeat(sameThreadThroughput);
  throughput.push({ producers: 1, transport: 'mesolith tell, same thread', 'msg/s': sameThread });
  printTable('One-way throughput across two workers (trivial handler)', throughput);

  const raw = [...(await rawPingPong())].sort((a, b) => a - b);
  const ask = [...(await askLatency())].sort((a, b) => a - b);
  const comlink = await comlinkCalls();
  const comlinkLatency = [...comlink.latency].sort((a, b) => a - b);
  const latency = [
    { path: 'raw postMessage ping-pong (worker to worker)', 'p50 µs': percentile(raw, 50) * 1000, 'p99 µs': percentile(raw, 99) * 1000 },
    { path: 'mesolith ask (worker to worker)', 'p50 µs': percentile(ask, 50) * 1000, 'p99 µs': percentile(ask, 99) * 1000 },
    { path: 'comlink call (main to worker)', 'p50 µs': percentile(comlinkLatency, 50) * 1000, 'p99 µs': percentile(comlinkLatency, 99) * 1000 },
  ];
  printTable('Round trip latency', latency);
  printTable('Control plane', [{ path: 'comlink calls, 1,000 in flight', 'calls/s': comlink.perSecond }]);

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
  printTable('Targets (issue #3)', targets);
  const path = writeResults('mailbox', {
    settings: { perProducer: PER_PRODUCER, repeats: REPEATS, pings: PINGS, sameThread: SAME_THREAD },
    throughput,
    latency,
    comlinkCallsPerSecond: comlink.perSecond,
    ratios,
    targets,
  });
  console.log(`\nwrote ${path}`);
}
