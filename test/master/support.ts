/**
 * What the ported master tests share: waiting for the next update that matches (not one already
 * received), and a network partition of one agent made of lost messages, as Mesos's tests drop
 * every ping and pong of an agent and its reregistrations until they "complete the partition".
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentId, LocalCluster, LocalClusterOptions, Offer, TaskStatus } from '../../src/index.js';
import type { Framework } from '../../src/scheduler/framework.js';

/** Mesos's paused clock, approximated: pings every 100 ms, 3 missed; agents retry and resend fast. */
export const fast: LocalClusterOptions = {
  master: { agentPingTimeoutMs: 100, maxAgentPingTimeouts: 3 },
  agent: { registrationRetryMs: 100, statusUpdateRetry: { initialMs: 200, maxMs: 1_000 } },
};

/** A command task that finishes when the test says so (it writes the task's marker file). */
export function finishOnMark() {
  const dir = mkdtempSync(join(tmpdir(), 'mesolith-mark-'));
  const path = join(dir, 'finish');
  return {
    run: { kind: 'command' as const, command: `while [ ! -e '${path}' ]; do sleep 0.05; done` },
    finish: () => writeFileSync(path, ''),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The next offer on that agent (offers of others declined). */
export async function nextOfferOn(fw: Framework, agentId: string): Promise<Offer> {
  for (;;) {
    const offer = await fw.nextOffer();
    if (offer.agentId === agentId) return offer;
    fw.decline(offer.offerId, 60_000);
  }
}

/** The next update `fw` receives that matches (a repeat of one already received counts too). */
export function nextUpdate(fw: Framework, match: (status: TaskStatus) => boolean, timeoutMs = 15_000): Promise<TaskStatus> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching update within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (status: TaskStatus) => {
      if (!match(status)) return;
      off();
      resolve(status);
    };
    const off = () => {
      clearTimeout(timer);
      fw.off('update', listener);
      fw.off('duplicate', listener);
    };
    fw.on('update', listener);
    fw.on('duplicate', listener);
  });
}

/** Every update `fw` receives from now on, for later assertions. */
export function recordUpdates(fw: Framework): TaskStatus[] {
  const seen: TaskStatus[] = [];
  fw.on('update', (status) => seen.push(status));
  return seen;
}

export const brief = (s: TaskStatus): string => `${s.state}:${s.source ?? '-'}:${s.reason ?? '-'}`;

/**
 * Cuts an agent off: every ping to it is lost (so the master marks it unreachable once it has
 * missed its pings) and every reregistration it attempts is lost. `heal()` lets them through
 * again; the agent, hearing no ping for its window, reregisters by itself.
 */
export async function partition(cluster: LocalCluster, agentId: AgentId | string): Promise<{ heal(): Promise<void> }> {
  const name = cluster.agentRef(agentId).name;
  const pings = await cluster.system.dropMessages({ type: 'agent.ping', to: name, count: Infinity });
  const reregistrations = await cluster.system.dropMessages({ type: 'master.reregister_agent', from: name, count: Infinity });
  return {
    heal: async () => {
      await pings.remove();
      await reregistrations.remove();
    },
  };
}
