import { type Remote, expose, transfer, wrap } from 'comlink';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { abortable, within } from '../abortable.js';
import { type Address, MAIN_NODE, type NodeId } from '../address.js';
import { deserializeError, errors } from '../errors.js';
import type { SystemEvent } from '../events.js';
import type { DropRule } from '../faults.js';
import { type HostApi, type LocalNode, type SpawnRequest, type SpawnResult, toSpawnResult } from '../node.js';
import type { ResolvedSystemOptions } from '../options.js';
import { SpawnDeadline } from '../spawn-deadline.js';
import { endpoint } from './endpoint.js';
import { EXIT_GRACE_MS, EXIT_REQUEST, type HostForWorker, WORKER_KIND, type WorkerAdmin, type WorkerBoot } from './protocol.js';

interface WorkerEntry {
  readonly id: NodeId;
  readonly worker: Worker;
  readonly admin: Remote<WorkerAdmin>;
  readonly ports: MessagePort[];
  /** Settles when the worker thread has exited, whatever the cause. */
  readonly exited: Promise<number>;
  alive: boolean;
  error: Error | undefined;
}

const WORKER_ENTRY = new URL('./worker-entry.js', import.meta.url);

/**
 * The main thread's registry of workers: it starts them, wires a direct MessageChannel between
 * any two nodes on first use, and notices when a worker exits. It is never on the data path.
 */
export class Host implements HostApi {
  private readonly workers = new Map<NodeId, WorkerEntry>();
  private readonly pairs = new Map<string, Promise<boolean>>();
  /** Spawns in progress, by request id, so that their callers can cancel them. */
  private readonly spawning = new Map<string, SpawnDeadline>();
  private counter = 0;
  private closing = false;
  private drops: readonly DropRule[] = [];
  mainNode!: LocalNode;

  constructor(
    private readonly options: ResolvedSystemOptions,
    private readonly onForwarded: (encoded: Uint8Array) => void,
    private readonly onEvent: (event: SystemEvent) => void,
  ) {}

  workerIds(): NodeId[] {
    return [...this.workers.keys()];
  }

  has(node: NodeId): boolean {
    return node === MAIN_NODE || this.workers.has(node);
  }

  /** Starts an empty worker (`system.spawnWorker`), bounded like a spawn. */
  async startWorker(timeoutMs: number, signal?: AbortSignal): Promise<NodeId> {
    const deadline = new SpawnDeadline('an empty worker', timeoutMs, signal);
    try {
      return (await this.readyWorker(deadline.signal)).id;
    } finally {
      deadline.end();
    }
  }

  /** A new worker, once it answers; if `signal` aborts first, the worker is ended. */
  private async readyWorker(signal: AbortSignal): Promise<WorkerEntry> {
    const entry = this.launchWorker();
    try {
      await abortable(this.call(entry, () => entry.admin.ping()), signal);
      return entry;
    } catch (error) {
      await this.end(entry);
      throw error;
    }
  }

  private launchWorker(): WorkerEntry {
    if (this.closing) throw errors.systemStopped();
    const id = `w${++this.counter}` as NodeId;
    const admin = new MessageChannel();
    const hostChannel = new MessageChannel();
    const boot: WorkerBoot = {
      kind: WORKER_KIND,
      node: id,
      adminPort: admin.port2,
      hostPort: hostChannel.port2,
      options: this.options,
      drops: this.drops,
    };
    const worker = new Worker(WORKER_ENTRY, {
      workerData: boot,
      transferList: [admin.port2, hostChannel.port2],
      name: `${this.options.name}:${id}`,
      resourceLimits: this.options.workerResourceLimits,
    });
    const entry: WorkerEntry = {
      id,
      worker,
      admin: wrap<WorkerAdmin>(endpoint(admin.port1)),
      ports: [admin.port1, hostChannel.port1],
      exited: new Promise((resolve) => worker.once('exit', resolve)),
      alive: true,
      error: undefined,
    };
    worker.on('error', (error) => (entry.error = error));
    void entry.exited.then((exitCode) => this.onExit(entry, exitCode));
    const api: HostForWorker = {
      connect: (from, to) => this.connect(from, to),
      spawn: (request) => this.spawn(request),
      cancelSpawn: (id) => this.cancelSpawn(id),
      forward: (encoded) => this.onForwarded(encoded),
    };
    expose(api, endpoint(hostChannel.port1));
    this.workers.set(id, entry);
    return entry;
  }

  /** Runs a control call, failing it if the worker exits before it answers. */
  private call<T>(entry: WorkerEntry, fn: () => Promise<T>): Promise<T> {
    if (!entry.alive) return Promise.reject(errors.workerExited(entry.id));
    return Promise.race([
      fn(),
      entry.exited.then((): never => {
        throw entry.error
          ? Object.assign(errors.workerExited(entry.id), { cause: entry.error })
          : errors.workerExited(entry.id);
      }),
    ]);
  }

  private onExit(entry: WorkerEntry, exitCode: number): void {
    entry.alive = false;
    this.workers.delete(entry.id);
    for (const key of [...this.pairs.keys()]) {
      if (key.split('|').includes(entry.id)) this.pairs.delete(key);
    }
    for (const port of entry.ports) port.close();
    // The main node learns it now, not when its port to that worker reports the close: a
    // message sent in between would be posted into a dead port and lost without a trace.
    this.mainNode.onClosed(entry.id);
    if (!this.closing) {
      const event: SystemEvent =
        entry.error === undefined
          ? { type: 'worker.exit', node: entry.id, exitCode }
          : { type: 'worker.exit', node: entry.id, exitCode, error: String(entry.error.stack ?? entry.error) };
      this.onEvent(event);
    }
  }

  connect(from: NodeId, to: NodeId): Promise<boolean> {
    if (from === to || !this.has(from) || !this.has(to)) return Promise.resolve(false);
    const key = from < to ? `${from}|${to}` : `${to}|${from}`;
    let pair = this.pairs.get(key);
    if (pair === undefined) {
      pair = this.wire(from, to);
      this.pairs.set(key, pair);
    }
    return pair;
  }

  /**
   * The asking side (`from`) gets its port last: it may already hold messages for `to`, and
   * they must not leave through a port whose other end never reached `to` (that worker having
   * died meanwhile) — then `from` is told there is no such node and dead-letters them.
   */
  private async wire(from: NodeId, to: NodeId): Promise<boolean> {
    const { port1, port2 } = new MessageChannel();
    try {
      await this.attach(to, from, port2);
      await this.attach(from, to, port1);
      return true;
    } catch {
      port1.close();
      port2.close();
      return false;
    }
  }

  private async attach(node: NodeId, peer: NodeId, port: MessagePort): Promise<void> {
    if (node === MAIN_NODE) {
      this.mainNode.attach(peer, port);
      return;
    }
    const entry = this.workers.get(node);
    if (entry === undefined) throw errors.workerExited(node);
    await this.call(entry, () => entry.admin.attach(peer, transfer(port, [port as never])));
  }

  /**
   * Runs a spawn to its end: done, failed, timed out (`request.timeoutMs`) or cancelled by its
   * caller. Whatever it started is ended unless it succeeded, so its answer is the whole truth.
   */
  spawn(request: SpawnRequest): Promise<SpawnResult> {
    const deadline = new SpawnDeadline(request.target, request.timeoutMs);
    this.spawning.set(request.id, deadline);
    return toSpawnResult(this.spawnOn(request, deadline.signal)).finally(() => {
      deadline.end();
      this.spawning.delete(request.id);
    });
  }

  cancelSpawn(id: string): void {
    this.spawning.get(id)?.cancel('its caller aborted it');
  }

  private async spawnOn(request: SpawnRequest, signal: AbortSignal): Promise<Address> {
    if (request.worker === MAIN_NODE) return this.mainNode.spawnRequested(request, signal);
    if (request.worker !== 'new') {
      const entry = this.workers.get(request.worker);
      if (entry === undefined) {
        throw errors.invalidOptions(`invalid spawn options: options.worker: worker "${request.worker}" does not exist (it may have exited)`);
      }
      return this.spawnIn(entry, request, signal);
    }
    const entry = await this.readyWorker(signal);
    try {
      return await this.spawnIn(entry, request, signal);
    } catch (error) {
      await this.end(entry);
      throw error;
    }
  }

  /** An abandoned spawn is cancelled in the worker; if it got there first, its actor is stopped. */
  private async spawnIn(entry: WorkerEntry, request: SpawnRequest, signal: AbortSignal): Promise<Address> {
    const spawning = this.call<SpawnResult>(entry, () => entry.admin.spawn(request));
    const result = await abortable(spawning, signal, (late) => {
      void entry.admin.cancelSpawn(request.id);
      void late.then(
        (done) => void ('address' in done && this.mainNode.stopActor(done.address, 'shutdown')),
        () => undefined,
      );
    });
    if ('error' in result) throw deserializeError(result.error);
    return result.address;
  }

  /**
   * A worker is asked to exit before it is terminated: `terminate()` stops its thread wherever
   * it is, and if that is inside a native addon's call (lmdb-js writing a checkpoint), the
   * addon's failed napi_throw aborts the whole process (node-addon-api's fatal error on an
   * exception it cannot throw). Bounded by `EXIT_GRACE_MS`, after which it is terminated.
   */
  private async end(entry: WorkerEntry): Promise<void> {
    if (entry.alive) entry.worker.postMessage(EXIT_REQUEST);
    if ((await within(EXIT_GRACE_MS, entry.exited)) === undefined) await entry.worker.terminate();
    await entry.exited;
  }

  /**
   * Fault injection: ends a worker abruptly, like SIGKILL for a process — at its next turn of
   * the event loop, or after `EXIT_GRACE_MS` wherever it is (see `end`).
   */
  async terminateWorker(node: NodeId): Promise<void> {
    const entry = this.workers.get(node);
    if (entry !== undefined) await this.end(entry);
  }

  /** Workers that fail, or do not answer within `timeoutMs` (a busy loop, say), are left out. */
  async forEachWorker<T>(fn: (admin: Remote<WorkerAdmin>, node: NodeId) => Promise<T>, timeoutMs = Infinity): Promise<T[]> {
    const entries = [...this.workers.values()];
    const answers = await Promise.all(
      entries.map((entry) => within(timeoutMs, this.call(entry, () => fn(entry.admin, entry.id)).then((value) => ({ value }), () => undefined))),
    );
    return answers.flatMap((answer) => (answer === undefined ? [] : [answer.value]));
  }

  /** Puts these drop rules in force on every thread; resolves once each has them. */
  async setDrops(rules: readonly DropRule[]): Promise<void> {
    this.drops = rules;
    this.mainNode.drops.set(rules);
    await this.forEachWorker((admin) => admin.setDrops(rules));
  }

  /** Ends a hold rule on every thread: each delivers (or loses) what it held. */
  async releaseHeld(rule: number, deliver: boolean): Promise<void> {
    this.mainNode.releaseHeld(rule, deliver);
    await this.forEachWorker((admin) => admin.releaseHeld(rule, deliver));
  }

  /** Asks every worker to stop its actors, then ends the threads; bounded by `timeoutMs`. */
  async shutdown(timeoutMs: number): Promise<void> {
    this.closing = true;
    const entries = [...this.workers.values()];
    await Promise.all(
      entries.map(async (entry) => {
        await within(timeoutMs, this.call(entry, () => entry.admin.shutdown()).catch(() => undefined));
        await this.end(entry);
      }),
    );
  }
}
