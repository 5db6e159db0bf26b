import { spawn } from 'node:child_process';
import { BroadcastChannel, resourceLimits, threadId } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { type LongTimer, setLongTimeout } from '../actor/index.js';
import type { PoolSize, TaskRun } from '../protocol/index.js';
import { KILL_SLOTS, type PoolControl, type PoolJob, type PoolWorkerData, slotOf } from './pool-protocol.js';

export type TaskOutcome =
  | { readonly kind: 'finished'; readonly result?: unknown }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'killed' };

const POOL_WORKER = new URL('./pool-worker.js', import.meta.url).href;

let poolGeneration = 0;

/**
 * A piscina pool and its control channel (pool-protocol.ts). Each pool thread runs up to
 * `tasksPerThread` tasks at once (JS tasks mostly wait on I/O). A kill reaches the task as
 * `ctx.signal`; a task that ignores it past its grace period is forced by ending the thread it
 * runs on — which also ends the other tasks on that thread: they fail, saying why.
 */
class TaskPool {
  users = 0;
  private readonly piscina: Piscina;
  private readonly channel: BroadcastChannel;
  private readonly killed = new Int32Array(new SharedArrayBuffer(KILL_SLOTS * 4));
  private readonly running = new Int32Array(new SharedArrayBuffer(KILL_SLOTS * 8));
  private readonly progress = new Map<number, (data: unknown) => void>();
  /** Pool threads ended to force a kill. */
  private readonly forcedThreads = new Set<number>();
  private nextTask = 0;

  constructor(size: PoolSize) {
    const name = `mesolith-pool-${process.pid}-${threadId}-${++poolGeneration}`;
    this.channel = new BroadcastChannel(name);
    this.channel.unref();
    this.channel.onmessage = (event) => {
      const message = (event as { data: PoolControl }).data;
      if (message.type === 'progress') this.progress.get(message.task)?.(message.data);
    };
    const workerData: PoolWorkerData = { channel: name, killed: this.killed, running: this.running };
    // Pool threads get the limits of the worker they serve (the system's `workerResourceLimits`).
    this.piscina = new Piscina({ filename: POOL_WORKER, minThreads: 0, maxThreads: size.threads, concurrentTasksPerWorker: size.tasksPerThread, idleTimeout: 2_000, workerData, resourceLimits });
  }

  /** The pool thread running `task` now, if it has started. */
  private threadOf(task: number): number | undefined {
    const slot = slotOf(task);
    return Atomics.load(this.running, 2 * slot) === task ? Atomics.load(this.running, 2 * slot + 1) : undefined;
  }

  private force(task: number): void {
    const threadId = this.threadOf(task);
    const thread = threadId === undefined ? undefined : this.piscina.threads.find((t) => t.threadId === threadId);
    if (thread === undefined) return;
    this.forcedThreads.add(threadId!);
    void thread.terminate();
  }

  async run(run: Extract<TaskRun, { kind: 'js' }>, signal: AbortSignal, graceMs: () => number, onProgress: (data: unknown) => void): Promise<TaskOutcome> {
    this.nextTask = (this.nextTask % 0x7fffffff) + 1;
    const task = this.nextTask;
    this.progress.set(task, onProgress);
    let forceTimer: LongTimer | undefined;
    const onKill = () => {
      Atomics.store(this.killed, slotOf(task), task);
      this.channel.postMessage({ type: 'kill', task } satisfies PoolControl);
      forceTimer = setLongTimeout(() => this.force(task), graceMs());
    };
    signal.addEventListener('abort', onKill, { once: true });
    const job: PoolJob = { module: run.module, export: run.export, args: run.args, task };
    try {
      const result: unknown = await this.piscina.run(job);
      return signal.aborted ? { kind: 'killed' } : { kind: 'finished', result };
    } catch (error) {
      if (signal.aborted) return { kind: 'killed' };
      const threadId = this.threadOf(task);
      if (threadId !== undefined && this.forcedThreads.has(threadId)) {
        return { kind: 'failed', message: 'its pool thread was ended to force-kill another task that ignored its kill past the grace period' };
      }
      return { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
    } finally {
      forceTimer?.cancel();
      signal.removeEventListener('abort', onKill);
      this.progress.delete(task);
    }
  }

  async close(): Promise<void> {
    this.channel.close();
    await this.piscina.destroy();
  }
}

/**
 * One pool per worker thread, shared by every executor in it: with `shared` isolation a worker
 * holds many executors, and a pool each would cost threads by the thousand. Threads start on
 * demand and end when idle; the pool is destroyed when its last executor closes.
 */
let threadPool: TaskPool | null = null;

/**
 * Runs an executor's tasks: JS functions on the thread's piscina pool, and shell commands as
 * child processes (SIGTERM on kill, SIGKILL after the grace period).
 */
export class TaskRunner {
  private closed = false;
  private readonly pool: TaskPool;

  constructor(size: PoolSize) {
    threadPool ??= new TaskPool(size);
    this.pool = threadPool;
    this.pool.users++;
  }

  /**
   * Runs a task to its outcome. A kill (`signal`) first asks the task to stop (its
   * `ctx.signal`, or SIGTERM for a command); past `graceMs()` it is forced (the pool thread is
   * terminated, or SIGKILL).
   */
  run(run: TaskRun, signal: AbortSignal, graceMs: () => number, onProgress: (data: unknown) => void): Promise<TaskOutcome> {
    return run.kind === 'js' ? this.pool.run(run, signal, graceMs, onProgress) : runCommand(run.command, signal, graceMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (--this.pool.users > 0) return;
    if (threadPool === this.pool) threadPool = null;
    await this.pool.close();
  }
}

/**
 * What a shell task runs in: the command in the background, and a watcher that kills the whole
 * process group when the wrapper's stdin closes. The executor holds that stdin, so when its
 * worker dies (a crash, a reboot, `kill -9` of the whole process) the pipe closes and no
 * process of the task outlives its executor (Mesos's containerizer destroys the container).
 * Background jobs of a non-interactive shell read /dev/null, hence stdin is kept as fd 3. The
 * wrapper exits with the command's status.
 */
const COMMAND_WRAPPER =
  'exec 3<&0; /bin/sh -c "$1" & task=$!; (cat <&3 >/dev/null; kill -KILL 0) & watcher=$!; wait $task; status=$?; kill $watcher 2>/dev/null; exit $status';

function runCommand(command: string, signal: AbortSignal, graceMs: () => number): Promise<TaskOutcome> {
  return new Promise((resolve) => {
    // A process group of its own (detached), so that a kill reaches everything the command started.
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn('/bin/sh', ['-c', COMMAND_WRAPPER, 'mesolith-task', command], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    } catch (error) {
      // spawn throws (rather than emitting 'error') for arguments it refuses, a NUL byte say:
      // thrown here it would reject unhandled and end the worker with every executor in it.
      resolve({ kind: 'failed', message: `cannot run the command: ${error instanceof Error ? error.message : String(error)}` });
      return;
    }
    const group = (sig: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // Already gone.
      }
    };
    let killTimer: LongTimer | undefined;
    const onAbort = () => {
      group('SIGTERM');
      killTimer = setLongTimeout(() => group('SIGKILL'), graceMs());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      resolve({ kind: 'failed', message: `cannot run "${command}": ${error.message}` });
    });
    child.on('exit', (code, exitSignal) => {
      killTimer?.cancel();
      signal.removeEventListener('abort', onAbort);
      // The watcher reads this pipe to its end.
      child.stdin?.destroy();
      if (signal.aborted) resolve({ kind: 'killed' });
      else if (code === 0) resolve({ kind: 'finished' });
      else resolve({ kind: 'failed', message: exitSignal ? `killed by ${exitSignal}` : `exited with code ${code}` });
    });
  });
}
