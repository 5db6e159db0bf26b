/**
 * Recovery benchmark: how long a crashed agent takes to come back with N running tasks —
 * `crashAgent`, then the supervisor restarts it — from the new agent's start to its
 * reregistration accepted by the master, split into checkpoint read, executor reconnect (with
 * the replay of their updates) and reregistration. The wall time from the crash to the
 * reregistration (worker start and supervisor backoff included) is reported beside it.
 */
import { type ExecutorId, LocalCluster } from '../../src/index.js';
import type { BenchContext, Benchmark } from '../context.js';
import type { Row } from '../stats.js';
import { type ExecutorLayout, module as tasksModule } from '../cluster/tasks.js';

type Config = ExecutorLayout;

const configs = (quick: boolean): Config[] =>
  quick
    ? [{ tasks: 20, executors: 2, isolation: 'shared' }]
    : [
        { tasks: 100, executors: 10, isolation: 'shared' },
        { tasks: 1_000, executors: 100, isolation: 'shared' },
        { tasks: 10_000, executors: 1_000, isolation: 'shared' },
        { tasks: 10_000, executors: 100, isolation: 'worker' },
      ];

async function measure(config: Config): Promise<Row> {
  const cluster = await LocalCluster.start({
    agents: [{ resources: { cpus: 100_000, mem: 1_000_000 } }],
    agent: { executorPoolThreads: 1, executorReregistrationTimeoutMs: 30_000 },
    agentRestarts: { backoff: { initialMs: 0, maxMs: 0, jitter: 0 } },
  });
  try {
    const fw = await cluster.registerFramework({ name: 'recovery-bench', checkpoint: true });
    const launched = await Promise.all(
      Array.from({ length: config.tasks }, (_, n) =>
        fw.launch({
          cpus: 0.001,
          mem: 0.01,
          run: { kind: 'js', module: tasksModule, export: 'hold', args: {} },
          executor: { executorId: `exec-${n % config.executors}` as ExecutorId, isolation: config.isolation },
        }),
      ),
    );
    await Promise.all(launched.map((l) => fw.waitFor(l.taskId, 'TASK_RUNNING', { timeoutMs: 300_000 })));
    const agentId = launched[0]!.agentId;
    const recovered = cluster.nextRecovery(agentId);
    const crashed = performance.now();
    await cluster.crashAgent(agentId);
    const recovery = await recovered;
    const wallMs = performance.now() - crashed;
    if (recovery.reconnected !== config.executors || recovery.lost !== 0) {
      throw new Error(`recovery reconnected ${recovery.reconnected}/${config.executors} executors, lost ${recovery.lost}`);
    }
    return {
      tasks: config.tasks,
      executors: `${config.executors} (${config.isolation})`,
      'agent start → reregistered ms': recovery.recoveryMs ?? Number.NaN,
      'checkpoint read ms': recovery.phases?.checkpointReadMs ?? Number.NaN,
      'reconnect + replay ms': recovery.phases?.reconnectMs ?? Number.NaN,
      'reregister ms': recovery.phases?.reregisterMs ?? Number.NaN,
      'crash → reregistered ms': wallMs,
    };
  } finally {
    await cluster.stop();
  }
}

async function run(ctx: BenchContext) {
  ctx.log('recovery benchmark: crashAgent with N running tasks, supervisor restart, until the master readmits the agent');
  const rows: Row[] = [];
  const CONFIGS = configs(ctx.quick);
  for (const config of CONFIGS) {
    const row = await measure(config);
    ctx.step(`${config.tasks} tasks / ${config.executors} ${config.isolation} executors: ${Math.round(row['agent start → reregistered ms'] as number)} ms`);
    rows.push(row);
  }
  ctx.table('Agent recovery time', rows);
  const tenK = rows.filter((r) => r.tasks === 10_000).map((r) => r['agent start → reregistered ms'] as number);
  const targets = tenK.length === 0 ? [] : [{ target: '10k tasks < 1 s (worst 10k configuration)', measured: Math.max(...tenK), met: Math.max(...tenK) < 1_000 ? 'yes' : 'NO' }];
  if (targets.length > 0) ctx.table('Targets (issue #6)', targets);
  return { configs: CONFIGS, rows, targets };
}

const PHASES = ['checkpoint read ms', 'reconnect + replay ms', 'reregister ms'] as const;

export const recoveryBenchmark: Benchmark<Awaited<ReturnType<typeof run>>> = {
  name: 'recovery',
  steps: (quick) => configs(quick).length,
  run,
  chart: (result) => ({
    title: 'Agent recovery time, by phase',
    unit: 'ms',
    categories: result.rows.map((r) => `${r.tasks} tasks / ${r.executors}`),
    series: PHASES.map((phase) => ({ name: phase.replace(' ms', ''), values: result.rows.map((r) => Number(r[phase])) })),
    stacked: true,
  }),
};
