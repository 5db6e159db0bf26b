import type { LocalClusterOptions } from '../../src/index.js';

/** The hosts of a chaos run; host-1's work dir is the one on the small disk. */
export const AGENTS = 3;

export const PING_TIMEOUT_MS = 500;
export const MAX_PING_TIMEOUTS = 3;
export const RECOVERY_TIMEOUT_MS = 3_000;
/** The small disk under host-1 (its checkpoint is a few hundred KiB; the rest is filled). */
export const SMALL_DISK_BYTES = 32 << 20;

/**
 * The cluster every chaos run starts: timeouts and retries short enough that a few hundred
 * faults heal in minutes (resends after 200 ms, reconnect retries every 500 ms, executors that
 * wait 3 s for their agent), supervisors that never give a host or the master up for crashing often, and
 * few pool threads (the machine has two cores). `strict: false` for a work dir whose records a
 * fault damaged (process mode: the next process starts on it, as an operator would).
 */
export function chaosCluster(workDir: string, strict = true): LocalClusterOptions {
  return {
    workDir,
    agents: Array.from({ length: AGENTS }, () => ({ resources: { cpus: 8, mem: 4_096 }, attributes: { rack: 'chaos' } })),
    master: { agentPingTimeoutMs: PING_TIMEOUT_MS, maxAgentPingTimeouts: MAX_PING_TIMEOUTS },
    agent: {
      statusUpdateRetry: { initialMs: 200, maxMs: 2_000 },
      registrationRetryMs: 200,
      executorShutdownGracePeriodMs: 500,
      executorPoolThreads: 1,
      executorRegistrationTimeoutMs: 3_000,
      executorReregistrationTimeoutMs: 3_000,
      executorReregistrationRetryIntervalMs: 500,
      recoveryTimeoutMs: RECOVERY_TIMEOUT_MS,
      gcDelayMs: 2_000,
      strict,
    },
    executorsPerSharedWorker: 8,
    agentRestarts: { intensity: { maxRestarts: 10_000, withinMs: 60_000 }, backoff: { initialMs: 0, maxMs: 0, jitter: 0 } },
    // Master crashes come as often as agent crashes here: the default 5 in 60 s would give the master up.
    masterRestarts: { intensity: { maxRestarts: 10_000, withinMs: 60_000 }, backoff: { initialMs: 0, maxMs: 0, jitter: 0 } },
    startTimeoutMs: 60_000,
  };
}
