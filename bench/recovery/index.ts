/**
 * Recovery benchmark: how long a crashed agent takes to come back with N running tasks —
 * `crashAgent`, then the supervisor restarts it — from the new agent's start to its
 * reregistration accepted by the master, split into checkpoint read, executor reconnect (with
 * the replay of their updates) and reregistration. The wall time from the crash to the
 * reregistration (worker start and supervisor backoff included) is reported beside it.
 */
import { type ExecutorId, LocalCluster } from '../../src/index.js';
import { printTable, writeResults } from '../stats.js';
import { type Layout, module as tasksModule, quick } from '../cluster/tasks.js';

type Config = Layout;

const CONFIGS: Config[] = quick
  ? [{ tasks: 100, executors: 10, isolation: 'shared' }]
  : [
      { tasks: 100, executors: 10, isolation: 'shared' },
      { tasks: 1_000, executors: 100, isolation: 'shared' },
      { tasks: 10_000, executors: 1_000, isolation: 'shared' },
      { tasks: 10_000, executors: 100, isolation: 'worker' },
    ];

async function measure(config: Config): Promise<Record<string, string | number>> {
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

export async function runRecovery(): Promise<void> {
  console.log('recovery benchmark: crashAgent with N running tasks, supervisor restart, until the master readmits the agent');
  const rows: Record<string, string | number>[] = [];
  for (const config of CONFIGS) {
    const row = await measure(config);
    console.log(`  ${config.tasks} tasks / ${config.executors} ${config.isolation} executors: ${Math.round(row['agent start → reregistered ms'] as number)} ms`);
    rows.push(row);
  }
  printTable('Agent recovery time', rows);
  const tenK = rows.filter((r) => r.tasks === 10_000).map((r) => r['agent start → reregistered ms'] as number);
  const targets = tenK.length === 0 ? [] : [{ target: '10k tasks < 1 s (worst 10k configuration)', measured: Math.max(...tenK), met: Math.max(...tenK) < 1_000 ? 'yes' : 'NO' }];
  if (targets.length > 0) printTable('Targets (issue #6)', targets);
  const path = writeResults('recovery', { configs: CONFIGS, rows, targets });
  console.log(`\nwrote ${path}`);
}
