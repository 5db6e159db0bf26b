import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { ChaosTaskKind } from './fixtures/chaos-tasks.js';

/** Where a task was placed, as `launch()` answered. */
export interface Placement {
  readonly agentId: string;
  readonly executorId: string;
}

/** An executor named by its agent, framework and id (the id alone is per framework and agent). */
export interface ExecutorKey {
  readonly agentId: string;
  readonly frameworkId: string;
  readonly executorId: string;
}

export interface FrameworkRecord {
  readonly name: string;
  readonly frameworkId: string;
  readonly checkpoint: boolean;
  readonly partitionAware: boolean;
}

/** What the master and each agent said after quiescence (invariant 5 compares them). */
export interface ClusterView {
  readonly phase: string;
  readonly masterAgents: readonly { agentId: string; status: string; total: Res; used: Res; free: Res }[];
  readonly masterTasks: readonly { frameworkId: string; taskId: string; agentId: string; state: string; resources: Res }[];
  readonly agents: readonly { agentId: string; registration: string; tasksByState: Record<string, number>; unacknowledged: number }[];
}

interface Res {
  readonly cpus: number;
  readonly mem: number;
}

/** The executors a fault ended: these, every one of an agent, or every one of the cluster. */
export interface Killed {
  readonly executors?: readonly ExecutorKey[];
  readonly agent?: string;
  readonly all?: boolean;
}

/**
 * One line of the run's event log. `gen` is the process generation (0 in-process); `fw` is a
 * framework's name (its id may change only if it had to be registered anew).
 */
export type LogRecord =
  | { t: 'run'; seed: number; mode: string; faults: number; gen: number; config: unknown }
  | { t: 'framework'; gen: number; fw: FrameworkRecord }
  | { t: 'launching'; gen: number; fw: string; taskId: string; kind: ChaosTaskKind }
  | { t: 'launched'; gen: number; fw: string; taskId: string; at: Placement }
  | { t: 'launch_failed'; gen: number; fw: string; taskId: string; code: string }
  | {
      t: 'update';
      gen: number;
      fw: string;
      taskId: string;
      uuid: string;
      state: string;
      source?: string;
      reason?: string;
      message?: string;
      data?: unknown;
      agentId?: string;
      timestamp: number;
      /** The framework object saw this uuid already (it reports it as `duplicate`). */
      duplicate?: boolean;
    }
  | { t: 'kill'; gen: number; fw: string; taskId: string }
  | { t: 'reconcile'; gen: number; fw: string; tasks: number }
  | { t: 'fault'; gen: number; index: number; kind: string; agentId?: string; detail?: Record<string, unknown>; killed?: Killed }
  /** What `corrupt-record` damaged: the key, and the tasks under it (their outcome is no longer the checkpoint's). */
  | { t: 'damage'; gen: number; index: number; key: string; damagedTasks: string[] }
  | { t: 'fault_done'; gen: number; index: number; kind: string; ms: number; result?: Record<string, unknown>; error?: string }
  /** A crashed agent is back (or `error`: it did not come back), after the crash fault itself was done. */
  | { t: 'recovered'; gen: number; index: number; kind: string; ms: number; result?: Record<string, unknown>; error?: string }
  | { t: 'cluster'; gen: number; event: Record<string, unknown> }
  | { t: 'executor_down'; gen: number; address: string; at: number }
  | {
      t: 'recovery_timeout';
      gen: number;
      index: number;
      agentId: string;
      stoppedAt: number;
      recoveryTimeoutMs: number;
      executors: (Omit<ExecutorKey, 'agentId'> & { address: string })[];
      restartedAt: number;
    }
  | { t: 'view'; gen: number; view: ClusterView }
  | { t: 'leaks'; gen: number; left: string[] }
  | { t: 'note'; gen: number; text: string }
  /** The run itself failed (the cluster could not be started, a quiescence step threw). */
  | { t: 'error'; gen: number; text: string }
  | { t: 'end'; gen: number; completions: number; ms: number };

/**
 * The event log: JSON lines, each written at once with `writeSync` on an append-mode file, so
 * that a `kill -9` of the process loses nothing written before it.
 */
export class EventLog {
  private readonly fd: number;
  private closed = false;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  /** Appends a record, stamped with the wall clock (`w`, ms since the epoch) for reading the log. */
  write(record: LogRecord): void {
    if (this.closed) return;
    writeSync(this.fd, `${JSON.stringify({ ...record, w: Date.now() })}\n`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/** Every record of a log, in order; a last line cut short by a kill is skipped. */
export function readLog(path: string): LogRecord[] {
  if (!existsSync(path)) return [];
  const records: LogRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    try {
      records.push(JSON.parse(line) as LogRecord);
    } catch {
      // A line torn by kill -9 mid-write: nothing after it was written either.
    }
  }
  return records;
}

/** One line per task run in the side log: `taskId runId start|finished|failed|killed`. */
export function readSideLog(path: string): { taskId: string; runId: string; what: string }[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [taskId = '', runId = '', what = ''] = line.split(' ');
      return { taskId, runId, what };
    });
}
