import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CheckpointStore, readState } from '../../src/index.js';
import { FRAMEWORK, runPath } from '../fixtures/checkpoint-data.js';

const test = suite('checkpoint crash durability');
const WRITER = fileURLToPath(new URL('../fixtures/checkpoint-writer.js', import.meta.url));
const ROUNDS = 20;

/** Starts the writer, SIGKILLs it after `killAfterAcks` acknowledged writes, returns what it acknowledged. */
function runAndKill(dir: string, killAfterAcks: number): Promise<Map<number, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, dir, '32'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked = new Map<number, number>();
    let count = 0;
    let buffered = '';
    let killed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') continue;
        const [w, seq] = line.split(' ').map(Number) as [number, number];
        acked.set(w, Math.max(acked.get(w) ?? -1, seq));
        if (++count >= killAfterAcks && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`writer exited with ${code}`))));
  });
}

test(`every acknowledged record survives a SIGKILL at a random moment (${ROUNDS} rounds)`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mesolith-crash-'));
  try {
    let total = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const roundDir = join(dir, `round-${round}`);
      const acked = await runAndKill(roundDir, 20 + Math.floor(Math.random() * 3_000));
      const state = await readState(roundDir, { strict: true });
      assert.is(state.errors, 0);
      const tasks = state.agent!.frameworks.get(FRAMEWORK)!.executors.get(runPath(0).executorId)!.runs.get(runPath(0).runId)!.tasks;
      for (const [writer, lastSeq] of acked) {
        const task = tasks.get(`task-${writer}` as never);
        assert.ok(task, `round ${round}: task-${writer} was acknowledged but is gone`);
        assert.ok(task!.updates.length >= lastSeq + 1, `round ${round}: writer ${writer} acked seq ${lastSeq}, found ${task!.updates.length} updates`);
        for (let seq = 0; seq <= lastSeq; seq++) assert.is(task!.updates[seq]!.uuid, `${writer}-${seq}`);
        total += lastSeq + 1;
      }
      const reopened = await CheckpointStore.open(roundDir, { owner: 'after the crash' });
      await reopened.close();
    }
    assert.ok(total > ROUNDS * 20, `${total} acknowledged records checked`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a worker ended mid-write loses no acknowledged record, and the store reopens in the same process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mesolith-worker-crash-'));
  try {
    for (let round = 0; round < 5; round++) {
      const workDir = join(dir, `round-${round}`);
      const worker = new Worker(new URL('../fixtures/checkpoint-worker.js', import.meta.url), { workerData: { workDir, writers: 16 } });
      const acked = new Map<number, number>();
      let count = 0;
      const killAfter = 50 + Math.floor(Math.random() * 1_500);
      await new Promise<void>((resolve, reject) => {
        worker.on('error', reject);
        worker.on('message', (message: 'ready' | [number, number]) => {
          if (message === 'ready') return;
          const [w, seq] = message;
          acked.set(w, seq);
          if (++count === killAfter) worker.postMessage('exit');
        });
        worker.on('exit', () => resolve());
      });
      const store = await CheckpointStore.open(workDir, { owner: 'the restarted agent', takeOverLock: true });
      const state = await readState(store);
      const tasks = state.agent!.frameworks.get(FRAMEWORK)!.executors.get(runPath(0).executorId)!.runs.get(runPath(0).runId)!.tasks;
      for (const [w, seq] of acked) {
        const updates = tasks.get(`task-${w}` as never)?.updates ?? [];
        assert.ok(updates.length > seq, `round ${round}: writer ${w} acked ${seq}, found ${updates.length}`);
        assert.is(updates[seq]!.uuid, `${w}-${seq}`);
      }
      await store.write({ type: 'boot-id', bootId: `after-round-${round}` });
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
