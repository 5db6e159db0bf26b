import { spawn } from 'node:child_process';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { TaskRun } from '../cluster/types.js';
import type { ControlMessage, PoolJob } from './pool-worker.js';

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

/**
 * A task has its pool thread to itself: piscina runs a task that can be aborted (ours can,
 * so that a kill can be forced) on an otherwise idle thread. Concurrency is `maxThreads`.
 */
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

  /**
   * Runs a task to its outcome. A kill (`signal`) first asks the task to stop (its
   * `ctx.signal`, or SIGTERM for a command); past `graceMs()` it is forced (the pool thread is
   * terminated, or SIGKILL).
   */
  run(run: TaskRun, signal: AbortSignal, graceMs: () => number, onProgress: (data: unknown) => void): Promise<TaskOutcome> {
    return run.kind === 'js' ? this.runJs(run, signal, graceMs, onProgress) : runCommand(run.command, signal, graceMs);
  }

  private async runJs(
    run: Extract<TaskRun, { kind: 'js' }>,
    signal: AbortSignal,
    graceMs: () => number,
    onProgress: (data: unknown) => void,
  ): Promise<TaskOutcome> {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (message: ControlMessage) => {
      if (message.type === 'progress') onProgress(message.data);
    });
    const force = new AbortController();
    let forceTimer: ReturnType<typeof setTimeout> | undefined;
    const onKill = () => {
      port1.postMessage({ type: 'abort' } satisfies ControlMessage);
      forceTimer = setTimeout(() => force.abort(), graceMs());
    };
    signal.addEventListener('abort', onKill, { once: true });
    const job: PoolJob = { module: run.module, export: run.export, args: run.args, control: port2 };
    try {
      const result: unknown = await acquirePool(this.maxThreads).run(job, { signal: force.signal, transferList: [port2] });
      return signal.aborted ? { kind: 'killed' } : { kind: 'finished', result };
    } catch (error) {
      if (signal.aborted) return { kind: 'killed' };
      return { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(forceTimer);
      signal.removeEventListener('abort', onKill);
      port1.close();
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
