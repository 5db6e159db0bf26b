/**
 * `mesolith cluster --demo` (and `npm start`): a live workload that survives an agent crash.
 * Tasks run continuously on the cluster's agents; midway one agent's worker is killed while its
 * tasks keep running in their executors; the supervisor starts it again, it reads its
 * checkpoint, reconnects to its executors and replays what they did meanwhile. Then the same
 * agent is restarted gracefully (an upgrade). At the end every launched task must have
 * finished exactly once.
 */
import type { AgentId, Framework, HostOptions, LocalCluster, TaskStatus } from '../../index.js';
import { jobsModule } from './jobs.js';

/** The demo's hosts, and the flags it runs with unless the command line sets them. */
export const DEMO_HOST: HostOptions = { resources: { cpus: 4, mem: 4_096 } };
export const DEMO_FLAG_DEFAULTS: Readonly<Record<string, unknown>> = {
  statusUpdateRetryInitialMs: 500,
  statusUpdateRetryMaxMs: 5_000,
  executorReregistrationTimeoutMs: 2_000,
  executorPoolThreads: 8,
};

export interface ClusterDemoOptions {
  readonly seconds: number;
  readonly inFlight: number;
  readonly out: (line: string) => void;
  /** Aborted: stop launching and return at once; tasks still running are left to the cluster. */
  readonly signal: AbortSignal;
  /** Called with the demo's framework once it is registered (to log its task updates). */
  readonly onFramework?: (framework: Framework) => void;
}

export interface ClusterDemoResult {
  /** Every launched task finished exactly once. */
  readonly ok: boolean;
  readonly interrupted: boolean;
}

const tick = (signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, 1_000);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

export async function runClusterDemo(cluster: LocalCluster, { seconds, inFlight, out, signal, onFramework }: ClusterDemoOptions): Promise<ClusterDemoResult> {
  out(`demo: ${cluster.agentIds().length} agents, ${inFlight} tasks in flight for ${seconds} s; one agent crashes and recovers, then is upgraded`);
  const fw = await cluster.registerFramework({ name: 'demo', checkpoint: true });
  onFramework?.(fw);
  const finished = new Map<string, number>();
  const ended = new Map<string, TaskStatus>();
  let duplicates = 0;
  fw.on('duplicate', () => duplicates++);
  fw.on('update', (s) => {
    if (s.state === 'TASK_FINISHED') finished.set(s.taskId, (finished.get(s.taskId) ?? 0) + 1);
    if (s.state === 'TASK_FINISHED' || s.state === 'TASK_FAILED' || s.state === 'TASK_LOST' || s.state === 'TASK_KILLED') ended.set(s.taskId, s);
  });
  let launched = 0;
  const neverStarted = new Set<string>();
  let stopLaunching = false;
  const launchLoop = async (): Promise<void> => {
    while (!stopLaunching && !signal.aborted) {
      const n = launched++;
      for (let attempt = 0; ; attempt++) {
        const { taskId } = await fw.launch({
          taskId: attempt === 0 ? `job-${n}` : `job-${n}-again-${attempt}`,
          cpus: 0.1,
          mem: 16,
          run: { kind: 'js', module: jobsModule, export: 'work', args: { n, ms: 200 + (n % 7) * 100 } },
          executor: { executorId: `pool-${n % 6}` as never, isolation: 'shared' },
        });
        await fw.waitFor(taskId, 'TASK_FINISHED', { timeoutMs: 60_000 }).catch(() => undefined);
        if (finished.has(taskId)) break;
        // A launch that met its agent as it died never started (no TASK_STARTING): like any
        // framework, launch that work again. A task that had started and did not finish is
        // a real loss, and is reported as one below.
        if (fw.updatesOf(taskId).some((u) => u.state === 'TASK_STARTING')) break;
        neverStarted.add(taskId);
      }
    }
  };
  const loops = Array.from({ length: inFlight }, () => launchLoop());

  const victim = cluster.agentIds()[0] as AgentId;
  const crashAt = Math.max(2, Math.floor(seconds / 3));
  let lastFinished = 0;
  for (let second = 1; second <= seconds; second++) {
    await tick(signal);
    if (signal.aborted) {
      out(`demo interrupted at t=${second}s: ${launched - ended.size} tasks still in flight are left to the cluster`);
      return { ok: false, interrupted: true };
    }
    const done = [...finished.values()].reduce((a, b) => a + b, 0);
    out(`t=${String(second).padStart(2)}s  ${String(done - lastFinished).padStart(4)} tasks/s finished   total ${done}   in flight ${launched - ended.size}`);
    lastFinished = done;
    if (second === crashAt) {
      out(`  x crashing ${victim}: its worker is terminated; its executors keep running`);
      const recovered = cluster.nextRecovery(victim);
      await cluster.crashAgent(victim);
      const recovery = await recovered;
      out(`  + the supervisor restarted ${victim}; it recovered from its checkpoint in ${Math.round(recovery.recoveryMs ?? 0)} ms: ${recovery.reconnected} executors reconnected, ${recovery.tasks} tasks in its checkpoint, ${recovery.lost} lost; same agent id: ${recovery.agentId === victim}`);
    }
    if (second === crashAt + 2) {
      out(`  ~ upgrading ${victim}: graceful stop, start again (restartAgent)`);
      const recovery = await cluster.restartAgent(victim);
      out(`  ~ ${victim} back in ${Math.round(recovery.recoveryMs ?? 0)} ms: ${recovery.reconnected} executors reconnected, ${recovery.lost} lost`);
    }
  }
  stopLaunching = true;
  await Promise.all(loops);
  const twice = [...finished.values()].filter((count) => count > 1).length;
  const notFinished = [...ended.values()].filter((s) => s.state !== 'TASK_FINISHED' && !neverStarted.has(s.taskId));
  const retried = neverStarted.size === 0 ? '' : `; ${neverStarted.size} launch(es) sent into the crash never started and were launched again`;
  out(`done: ${launched} jobs, ${finished.size} finished, ${notFinished.length} started but did not finish, ${twice} reported twice (${duplicates} resent updates deduplicated)${retried}`);
  for (const s of notFinished) out(`  ${s.taskId}: ${s.state} ${s.reason ?? ''} ${s.source ?? ''} ${s.message ?? ''}`);
  const ok = finished.size === launched && notFinished.length === 0 && twice === 0;
  out(ok ? 'nothing lost, nothing run twice' : 'SOME TASKS WERE LOST OR REPEATED');
  return { ok, interrupted: false };
}
