import { EventEmitter } from 'eventemitter3';
import { type Framework, type LocalCluster, type TaskStatus, isTerminal } from '../../src/index.js';
import type { EventLog, FrameworkRecord } from './event-log.js';
import { type ChaosTaskArgs, type ChaosTaskKind, chaosTasksModule } from './fixtures/chaos-tasks.js';
import { isMastersGuess } from './semantics.js';
import { Prng } from './prng.js';

/** The frameworks of every run: two that checkpoint (one partition-aware) and one that does not. */
export const FRAMEWORKS: readonly Omit<FrameworkRecord, 'frameworkId'>[] = [
  { name: 'ckpt-pa', checkpoint: true, partitionAware: true },
  { name: 'ckpt', checkpoint: true, partitionAware: false },
  { name: 'plain', checkpoint: false, partitionAware: false },
];

/** Which executor a task asks for: the framework's default one, a shared named one, a named one in its own worker, or one of its own. */
type ExecutorChoice = 'default' | 'shared' | 'worker' | 'own';

export interface WorkloadOptions {
  readonly seed: number;
  /** The process generation (process mode): part of every task id, so ids never repeat across processes. */
  readonly gen: number;
  readonly sideLog: string;
  readonly log: EventLog;
  /** Tasks kept in flight per framework. */
  readonly inFlight: number;
  /** Of those, at most this many long ones (run until killed). */
  readonly maxLong: number;
  /** Known issues stepped around (`isProvisional`: master updates that do not end a task). */
  /** A framework id per name, from an earlier process: those frameworks are failed over to, not registered anew. */
  readonly failoverFrom?: Readonly<Record<string, string>>;
}

interface Tracked {
  readonly fw: string;
  readonly kind: ChaosTaskKind;
  /** A long task is killed once the run has seen this many completions. */
  killAt: number;
  killRequested: boolean;
  /** Its first terminal state (or TASK_UNKNOWN from reconciliation, for a partition-aware framework): its slot is free again. */
  ended: boolean;
  /** Launched by an earlier process: it holds no slot of this one. */
  readonly adopted: boolean;
  /** Accepted on an offer (until then the master cannot know it, and it is not reconciled). */
  sent: boolean;
  /** Its last news is a master update a known issue makes untrustworthy (`isProvisional`): ended, unless more news comes. */
  provisional: boolean;
}

interface Stream {
  readonly info: Omit<FrameworkRecord, 'frameworkId'>;
  readonly framework: Framework;
  readonly prng: Prng;
  launched: number;
  live: number;
  liveLong: number;
}

/** `completion`: a task ended (the run's count of them); `update`: any update a framework received. */
type Events = { completion: [count: number]; update: [status: TaskStatus] };

const RECONCILE_EVERY_MS = 2_000;
const LAUNCH_TIMEOUT_MS = 20_000;

/**
 * The steady stream of tasks: each framework keeps `inFlight` tasks running (short and long,
 * in every kind of executor), launching the next as one ends; long tasks are killed a seeded
 * number of completions after their launch. Every update each framework receives is logged.
 * Tasks not yet ended are reconciled every couple of seconds and after a master failover, and
 * kills not yet answered are sent again, so that lost messages are healed as a real scheduler
 * heals them.
 */
export class Workload extends EventEmitter<Events> {
  completions = 0;
  private readonly streams: Stream[] = [];
  private readonly tasks = new Map<string, Tracked>();
  /**
   * The tracked tasks not ended yet: what killing, reconciling and `open()` look at. Scanning
   * every task ever launched instead, on each completion, made the harness itself the main
   * thread's load past ~50k tasks (RELIABILITY.md, finding 17).
   */
  private readonly unended = new Map<string, Tracked>();
  private launching = true;
  private reconcileTimer: ReturnType<typeof setInterval> | undefined;

  private constructor(
    private readonly cluster: LocalCluster,
    private readonly options: WorkloadOptions,
  ) {
    super();
  }

  static async start(cluster: LocalCluster, options: WorkloadOptions): Promise<Workload> {
    const workload = new Workload(cluster, options);
    for (const info of FRAMEWORKS) await workload.register(info);
    for (const stream of workload.streams) workload.fill(stream);
    workload.reconcileTimer = setInterval(() => workload.reconcile(), RECONCILE_EVERY_MS);
    return workload;
  }

  private async register(info: Omit<FrameworkRecord, 'frameworkId'>): Promise<void> {
    const { log, gen } = this.options;
    const failoverFrom = this.options.failoverFrom?.[info.name];
    const framework = await this.cluster.registerFramework(
      { name: info.name, checkpoint: info.checkpoint, partitionAware: info.partitionAware, failoverTimeoutMs: 3_600_000 },
      failoverFrom === undefined ? {} : { failoverFrom: failoverFrom as never },
    );
    log.write({ t: 'framework', gen, fw: { ...info, frameworkId: framework.frameworkId } });
    const stream: Stream = { info, framework, prng: new Prng(this.options.seed, `workload:${info.name}:${gen}`), launched: 0, live: 0, liveLong: 0 };
    framework.on('update', (status) => this.onUpdate(stream, status, false));
    framework.on('duplicate', (status) => this.onUpdate(stream, status, true));
    framework.on('error', (error) => log.write({ t: 'note', gen, text: `${info.name}: framework error ${error.code}: ${error.message}` }));
    this.streams.push(stream);
  }

  private onUpdate(stream: Stream, status: TaskStatus, duplicate: boolean): void {
    const { log, gen } = this.options;
    log.write({
      t: 'update',
      gen,
      fw: stream.info.name,
      taskId: status.taskId,
      uuid: status.uuid,
      state: status.state,
      ...(status.source === undefined ? {} : { source: status.source }),
      ...(status.reason === undefined ? {} : { reason: status.reason }),
      ...(status.message === undefined ? {} : { message: status.message }),
      ...(status.data === undefined ? {} : { data: status.data }),
      ...(status.agentId === undefined ? {} : { agentId: status.agentId }),
      timestamp: status.timestamp,
      ...(duplicate ? { duplicate } : {}),
    });
    this.emit('update', status);
    const tracked = this.tasks.get(status.taskId);
    // Mesos's TASK_LOST that may come back is not the task's end.
    const provisional = isMastersGuess(status, stream.info.partitionAware);
    const gone = (isTerminal(status.state) && !provisional) || (status.state === 'TASK_UNKNOWN' && stream.info.partitionAware);
    if (tracked !== undefined) tracked.provisional = provisional;
    if (tracked === undefined || tracked.ended || !gone) return;
    tracked.ended = true;
    this.unended.delete(status.taskId);
    if (!tracked.adopted) {
      stream.live--;
      if (tracked.kind === 'long') stream.liveLong--;
    }
    this.completions++;
    this.killDue();
    this.fill(stream);
    this.emit('completion', this.completions);
  }

  /** Launches tasks until the framework has `inFlight` of them. */
  private fill(stream: Stream): void {
    while (this.launching && stream.live < this.options.inFlight) this.launchOne(stream);
  }

  private launchOne(stream: Stream): void {
    const { prng, info } = stream;
    const { log, gen, sideLog } = this.options;
    const taskId = `${info.name}-g${gen}-${++stream.launched}`;
    let kind = prng.weighted<ChaosTaskKind>({ value: 45, fail: 10, progress: 15, long: 15 });
    if (kind === 'long' && stream.liveLong >= this.options.maxLong) kind = 'value';
    // A quarter of the value tasks run long enough to straddle an agent restart.
    const ms = kind === 'value' && prng.chance(0.25) ? prng.int(300, 1_500) : prng.int(5, 80);
    const choice = prng.weighted<ExecutorChoice>({ default: 40, shared: 30, worker: 25, own: 5 });
    const executor =
      choice === 'default' ? undefined : choice === 'own' ? {} : { executorId: `${choice}-${prng.int(0, 1)}` as never, isolation: choice === 'worker' ? ('worker' as const) : ('shared' as const) };
    const killAt = kind === 'long' ? this.completions + prng.int(5, 60) : Infinity;
    this.track(taskId, { fw: info.name, kind, killAt, killRequested: false, ended: false, adopted: false, sent: false, provisional: false });
    stream.live++;
    if (kind === 'long') stream.liveLong++;
    const args: ChaosTaskArgs = { taskId, sideLog, kind, ms };
    log.write({ t: 'launching', gen, fw: info.name, taskId, kind });
    stream.framework
      .launch({ taskId, cpus: 0.1, mem: 16, run: { kind: 'js', module: chaosTasksModule, export: 'chaosTask', args }, ...(executor === undefined ? {} : { executor }) }, { timeoutMs: LAUNCH_TIMEOUT_MS })
      .then(
        (launched) => {
          this.tasks.get(taskId)!.sent = true;
          log.write({ t: 'launched', gen, fw: info.name, taskId, at: { agentId: launched.agentId, executorId: launched.executorId } });
          this.killDue();
        },
        (error: { code?: string }) => {
          log.write({ t: 'launch_failed', gen, fw: info.name, taskId, code: error.code ?? 'unknown' });
          this.tasks.delete(taskId);
          this.unended.delete(taskId);
          stream.live--;
          if (kind === 'long') stream.liveLong--;
          if (this.launching) setImmediate(() => this.fill(stream));
        },
      );
  }

  private track(taskId: string, tracked: Tracked): void {
    this.tasks.set(taskId, tracked);
    this.unended.set(taskId, tracked);
  }

  /** Kills the long tasks whose time has come (and sends again kills not yet answered). */
  private killDue(): void {
    for (const [taskId, tracked] of this.unended) {
      if (!tracked.sent || tracked.kind !== 'long' || tracked.killAt > this.completions) continue;
      this.kill(taskId, tracked);
    }
  }

  private kill(taskId: string, tracked: Tracked): void {
    const stream = this.streams.find((s) => s.info.name === tracked.fw)!;
    if (!tracked.killRequested) this.options.log.write({ t: 'kill', gen: this.options.gen, fw: tracked.fw, taskId });
    tracked.killRequested = true;
    // A kill of a task not yet accepted would reach a master that does not know it yet.
    if (tracked.sent) stream.framework.kill(taskId);
  }

  /** Explicit reconciliation of every task not yet ended; kills not yet answered are sent again. */
  reconcile(): void {
    for (const stream of this.streams) {
      const open = [...this.unended].filter(([, t]) => t.fw === stream.info.name && t.sent).map(([id]) => id);
      if (open.length === 0) continue;
      this.options.log.write({ t: 'reconcile', gen: this.options.gen, fw: stream.info.name, tasks: open.length });
      stream.framework.reconcile(open);
    }
    for (const [taskId, tracked] of this.unended) if (tracked.killRequested) this.kill(taskId, tracked);
  }

  /** Tasks launched in earlier processes that had not ended: tracked again, so that they are reconciled and their slots counted. */
  adopt(open: readonly { taskId: string; fw: string; kind: ChaosTaskKind }[]): void {
    for (const task of open) this.track(task.taskId, { fw: task.fw, kind: task.kind, killAt: task.kind === 'long' ? this.completions : Infinity, killRequested: false, ended: false, adopted: true, sent: true, provisional: false });
  }

  /** No more launches; every long task is killed (one still being launched as soon as it is accepted). */
  windDown(): void {
    this.launching = false;
    for (const tracked of this.unended.values()) if (tracked.kind === 'long') tracked.killAt = 0;
    this.killDue();
  }

  /** Stops launching only (long tasks keep running), for a look at the cluster with tasks in it. */
  stopLaunching(): void {
    this.launching = false;
  }

  /** Tasks not ended yet (a provisional end counts as an end here), by kind. */
  open(filter: (kind: ChaosTaskKind) => boolean = () => true): string[] {
    return [...this.unended].filter(([, t]) => !t.provisional && filter(t.kind)).map(([id]) => id);
  }

  stop(): void {
    clearInterval(this.reconcileTimer);
    this.launching = false;
  }
}
