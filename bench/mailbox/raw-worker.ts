/**
 * Baselines without mesolith: a worker that produces or consumes over a plain MessagePort, in
 * one of three encodings, or echoes for a ping-pong. Driven by bench/mailbox/index.ts.
 */
import { Packr, Unpackr } from 'msgpackr';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';

export type RawMode = 'per-message' | 'clone-batch' | 'msgpack-batch';
export type RawRole =
  | { role: 'consumer'; mode: RawMode; expect: number; ports: MessagePort[] }
  | { role: 'producer'; mode: RawMode; count: number; port: MessagePort }
  | { role: 'echo'; port: MessagePort }
  | { role: 'pinger'; port: MessagePort; rounds: number };

const BATCH = 1024;
const job = workerData as RawRole;
const now = () => performance.now();

if (job.role === 'consumer') {
  let received = 0;
  let round = 1;
  const finish = () => {
    round++;
    parentPort!.postMessage({ done: now() + performance.timeOrigin });
  };
  for (const port of job.ports) {
    const unpackr = new Unpackr({ sequential: true });
    port.on('message', (data: unknown) => {
      if (job.mode === 'per-message') received++;
      else if (job.mode === 'clone-batch') received += (data as unknown[]).length;
      else received += (unpackr.unpack(data as Uint8Array) as unknown[]).length;
      if (received === job.expect * round) finish();
    });
  }
  parentPort!.postMessage('ready');
} else if (job.role === 'producer') {
  const packr = new Packr({ sequential: true });
  parentPort!.on('message', () => {
    const { port, count, mode } = job;
    if (mode === 'per-message') {
      for (let i = 0; i < count; i++) port.postMessage({ type: 'work', n: i });
    } else {
      for (let start = 0; start < count; start += BATCH) {
        const batch: unknown[] = [];
        for (let i = start; i < Math.min(count, start + BATCH); i++) batch.push({ type: 'work', n: i });
        if (mode === 'clone-batch') port.postMessage(batch);
        else {
          const bytes = new Uint8Array(packr.pack(batch));
          port.postMessage(bytes, [bytes.buffer]);
        }
      }
    }
  });
  parentPort!.postMessage('ready');
} else if (job.role === 'echo') {
  job.port.on('message', (message: unknown) => job.port.postMessage(message));
  parentPort!.postMessage('ready');
} else {
  parentPort!.once('message', () => {
    const samples: number[] = [];
    let sent = 0;
    job.port.on('message', () => {
      samples.push(now() - sent);
      if (samples.length === job.rounds) {
        job.port.close();
        parentPort!.postMessage({ samples });
        return;
      }
      sent = now();
      job.port.postMessage({ type: 'ping', n: samples.length });
    });
    sent = now();
    job.port.postMessage({ type: 'ping', n: 0 });
  });
  parentPort!.postMessage('ready');
}
