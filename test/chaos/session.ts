import { join } from 'node:path';
import { LocalCluster } from '../../src/index.js';
import { PING_TIMEOUT_MS, RECOVERY_TIMEOUT_MS, chaosCluster } from './config.js';
import { EventLog } from './event-log.js';
import { ExecutorWatch } from './executor-watch.js';
import { FaultInjector } from './faults.js';
import type { ChaosTaskKind } from './fixtures/chaos-tasks.js';
import { leftOver } from './leaks.js';
import { quiesce } from './quiesce.js';
import type { Fault } from './schedule.js';
import type { SmallDisk } from './small-disk.js';
import { Workload } from './workload.js';

/** Where a run keeps its cluster and its logs. */
export interface RunPaths {
  readonly workDir: string;
  readonly log: string;
  readonly sideLog: string;
}

export function runPaths(root: string): RunPaths {
  return { workDir: join(root, 'cluster'), log: join(root, 'events.jsonl'), sideLog: join(root, 'side.log') };
}

export interface SessionOptions {
  readonly mode: 'in-process' | 'process';
  readonly seed: number;
  readonly gen: number;
  readonly paths: RunPaths;
  readonly faults: readonly Fault[];
  readonly disk: SmallDisk | undefined;
  /** Quiesce, stop and check for leftovers at the end (false: a process-mode generation that runs until it is killed). */
  readonly final: boolean;
  /** Frameworks (by name) registered by an earlier process, and its tasks not yet ended. */
  readonly failoverFrom?: Readonly<Record<string, string>>;
  readonly adopt?: readonly { taskId: string; fw: string; kind: ChaosTaskKind }[];
  /** A final session first waits for this many completions (process mode: the last process runs a while before it quiesces). */
  readonly completionsBeforeEnd?: number;
  readonly settleMs?: number;
  /** Told each task completion (process mode reports them to its parent). */
  readonly onProgress?: (completions: number) => void;
  /** An earlier process damaged a checkpoint record (`corrupt-record`): agents start with `strict: false`. */
  readonly damaged?: boolean;
}

/** A fault whose moment does not come (no task completes) fires anyway after this long. */
const STALL_MS = 3_000;

/** Cluster events worth a line in the log: they explain what the faults did. */
const LOGGED_EVENTS = new Set([
  'agent.registered',
  'agent.recovered',
  'agent.reregistered',
  'agent.master_lost',
  'agent.checkpoint_failed',
  'agent.checkpoint_recovered',
  'master.agent_registered',
  'master.agent_reregistered',
  'master.agent_disconnected',
  'master.agent_unreachable',
  'master.agent_removed',
  'master.framework_removed',
  'master.registry_failed',
  'master.registry_recovered',
  'launcher.executor_destroyed',
]);

/**
 * One process's part of a chaos run: starts the cluster on the run's work dir, the workload
 * and the fault injector, plays its faults, and (if final) quiesces, stops and looks for
 * leftovers. Everything goes to the event log.
 */
/** Resolves false if the session itself failed (its error is in the log). */
export async function runSession(options: SessionOptions): Promise<boolean> {
  const { gen, paths } = options;
  const log = new EventLog(paths.log);
  const baseline = process.getActiveResourcesInfo();
  const started = Date.now();
  log.write({ t: 'run', seed: options.seed, mode: options.mode, faults: options.faults.length, gen, config: { disk: options.disk !== undefined } });
  let cluster: LocalCluster | undefined;
  let workload: Workload | undefined;
  try {
    cluster = await LocalCluster.start(chaosCluster(paths.workDir, !options.damaged));
    observe(cluster, log, gen);
    const watch = await ExecutorWatch.start(cluster.system, log, gen);
    workload = await Workload.start(cluster, {
      seed: options.seed,
      gen,
      sideLog: paths.sideLog,
      log,
      inFlight: 6,
      maxLong: 2,
      ...(options.failoverFrom === undefined ? {} : { failoverFrom: options.failoverFrom }),
    });
    const running = workload;
    running.on('completion', (completions) => options.onProgress?.(completions));
    if (options.adopt !== undefined) running.adopt(options.adopt);
    running.reconcile();
    const injector = new FaultInjector({ cluster, workload: running, log, gen, watch, disk: options.disk, recoveryTimeoutMs: RECOVERY_TIMEOUT_MS, pingIntervalMs: PING_TIMEOUT_MS });
    for (const fault of options.faults) {
      const trigger = await until(running, fault.at);
      const faultStarted = Date.now();
      try {
        const result = await injector.inject(fault);
        log.write({ t: 'fault_done', gen, index: fault.index, kind: fault.kind, ms: Date.now() - faultStarted, result: { ...result, trigger } });
      } catch (error) {
        log.write({ t: 'fault_done', gen, index: fault.index, kind: fault.kind, ms: Date.now() - faultStarted, error: String((error as Error)?.stack ?? error) });
      }
    }
    if (!options.final) return true;
    if (options.completionsBeforeEnd !== undefined) await until(running, running.completions + options.completionsBeforeEnd);
    await quiesce({ cluster, workload: running, injector, log, gen, settleMs: options.settleMs ?? 60_000 });
    log.write({ t: 'end', gen, completions: running.completions, ms: Date.now() - started });
    return true;
  } catch (error) {
    log.write({ t: 'error', gen, text: String((error as Error)?.stack ?? error) });
    return false;
  } finally {
    if (options.final) {
      workload?.stop();
      await cluster?.stop();
      log.write({ t: 'leaks', gen, left: await leftOver(baseline) });
      log.close();
    }
  }
}

/** Resolves once the workload has seen `at` completions, or when none has come for `STALL_MS`. */
function until(workload: Workload, at: number): Promise<'reached' | 'stalled'> {
  if (workload.completions >= at) return Promise.resolve('reached');
  return new Promise((resolve) => {
    let timer = setTimeout(() => finish('stalled'), STALL_MS);
    const onCompletion = (count: number) => {
      clearTimeout(timer);
      if (count >= at) finish('reached');
      else timer = setTimeout(() => finish('stalled'), STALL_MS);
    };
    const finish = (how: 'reached' | 'stalled') => {
      clearTimeout(timer);
      workload.off('completion', onCompletion);
      resolve(how);
    };
    workload.on('completion', onCompletion);
  });
}

function observe(cluster: LocalCluster, log: EventLog, gen: number): void {
  cluster.events.on('event', (event) => {
    if (LOGGED_EVENTS.has(event.type)) log.write({ t: 'cluster', gen, event: { ...event } });
  });
  for (const type of ['supervisor.escalated', 'supervisor.crashed', 'supervisor.restarted'] as const) cluster.system.events.on(type, (event) => log.write({ t: 'cluster', gen, event: { ...event } }));
  cluster.system.events.on('message.dropped', (event) => log.write({ t: 'cluster', gen, event: { ...event } }));
}
