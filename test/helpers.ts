import { ActorSystem, LocalCluster, type LocalClusterOptions, type SystemOptions } from '../src/index.js';
import { tasksModule } from './fixtures/tasks.js';

/** Runs `body` with a fresh system and always stops it, so a failed assertion leaks nothing. */
export async function withSystem<T>(options: SystemOptions, body: (system: ActorSystem) => Promise<T>): Promise<T> {
  const system = await ActorSystem.start(options);
  try {
    return await body(system);
  } finally {
    await system.stop();
  }
}

/** The one simulated host of `withCluster` clusters (unless `agents` says otherwise). */
export const testHost = { resources: { cpus: 4, mem: 1_024 }, attributes: { rack: 'r1' } };

/**
 * Runs `body` on a one-agent cluster whose agent and master the test restarts itself (no
 * auto-restart of either), and always stops it.
 */
export async function withCluster(options: LocalClusterOptions, body: (cluster: LocalCluster) => Promise<void>): Promise<void> {
  const cluster = await LocalCluster.start({ agents: [testHost], autoRestartAgents: false, autoRestartMaster: false, ...options });
  try {
    await body(cluster);
  } finally {
    await cluster.stop();
  }
}

/** A JS task that sleeps `ms`, stopping early when killed. */
export const sleep = (ms: number) => ({ kind: 'js' as const, module: tasksModule, export: 'sleep', args: { ms } });
