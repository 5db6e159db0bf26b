import { spawn } from 'node:child_process';
import { Piscina } from 'piscina';
import type { TaskRun } from '../cluster/types.js';
import type { PoolJob } from './pool-worker.js';

export type TaskOutcome =
  | { readonly kind: 'finished'; readonly result?: unknown }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'killed' };

const POOL_WORKER = new URL('./pool-worker.js', import.meta.url).href;

/**
 * One piscina pool per worker thread, shared by every executor in it: with `shared` isolation
 * a worker holds many executors, and a pool each would cost threads by the thousand. Threads
 * start on demand and end when idle; the pool is destroyed when its last executor closes.
 */
let threadPool: Piscina | null = null;
let poolUsers = 0;

function acquirePool(maxThreads: number): Piscina {
  threadPool ??= new Piscina({ filename: POOL_WORKER, minThreads: 0, maxThreads, idleTimeout: 2_000 });
  return threadPool;
}

async function releasePool(): Promise<void> {
  if (--poolUsers > 0 || threadPool === null) return;
  const pool = threadPool;
  threadPool = null;
  await pool.destroy();
}

/**
 * Runs an executor's tasks: JS functions on the thread's piscina pool, and shell commands as
 * child processes (SIGTERM on kill, SIGKILL after the grace period).
 */
export class TaskRunner {
  private closed = false;

  constructor(private readonly maxThreads: number) {
    poolUsers++;
  }

  run(run: TaskRun, signal: AbortSignal, graceMs: () => number): Promise<TaskOutcome> {
    return run.kind === 'js' ? this.runJs(run, signal) : runCommand(run.command, signal, graceMs);
  }

  private async runJs(run: Extract<TaskRun, { kind: 'js' }>, signal: AbortSignal): Promise<TaskOutcome> {
    const job: PoolJob = { module: run.module, export: run.export, args: run.args };
    try {
      return { kind: 'finished', result: await acquirePool(this.maxThreads).run(job, { signal }) };
    } catch (error) {
      if (signal.aborted) return { kind: 'killed' };
      return { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await releasePool();
  }
}

function runCommand(command: string, signal: AbortSignal, graceMs: () => number): Promise<TaskOutcome> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: 'ignore' });
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), graceMs());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      resolve({ kind: 'failed', message: `cannot run "${command}": ${error.message}` });
    });
    child.on('exit', (code, exitSignal) => {
      clearTimeout(killTimer);
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) resolve({ kind: 'killed' });
      else if (code === 0) resolve({ kind: 'finished' });
      else resolve({ kind: 'failed', message: exitSignal ? `killed by ${exitSignal}` : `exited with code ${code}` });
    });
  });
}
