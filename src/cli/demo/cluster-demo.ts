/**
 * `mesolith cluster` (and `npm start`): a local cluster with a live workload that survives an
 * agent crash. Tasks run continuously on three agents; midway one agent's worker is killed
 * while its tasks keep running in their executors; the supervisor starts it again, it reads
 * its checkpoint, reconnects to its executors and replays what they did meanwhile. Then the
 * same agent is restarted gracefully (an upgrade). At the end every launched task must have
 * finished exactly once.
 */
import { type AgentId, LocalCluster, type TaskStatus } from '../../index.js';
import { jobsModule } from './jobs.js';

export interface ClusterDemoOptions {
  readonly agents: number;
  readonly seconds: number;
  readonly inFlight: number;
  readonly out: (line: string) => void;
}

export async function runClusterDemo({ agents, seconds, inFlight, out }: ClusterDemoOptions): Promise<boolean> {
  const cluster = await LocalCluster.start({
    agents: Array.from({ length: agents }, () => ({ resources: { cpus: 4, mem: 4_096 } })),
    agent: { statusUpdateRetry: { initialMs: 500, maxMs: 5_000 }, executorReregistrationTimeoutMs: 2_000, executorPoolThreads: 8 },
  });
  try {
    out(`mesolith cluster demo: ${agents} agents (one worker each), work dir ${cluster.workDir}`);
    const fw = await cluster.registerFramework({ name: 'demo', checkpoint: true });
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
      while (!stopLaunching) {
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
      await new Promise((resolve) => setTimeout(resolve, 1_000));
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
    return ok;
  } finally {
    await cluster.stop();
  }
}
