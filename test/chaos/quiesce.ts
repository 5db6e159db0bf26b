import type { LocalCluster } from '../../src/index.js';
import { TERMINAL_STATES } from '../../src/index.js';
import type { ClusterView, EventLog } from './event-log.js';
import type { FaultInjector } from './faults.js';
import type { Workload } from './workload.js';

export interface QuiesceContext {
  readonly cluster: LocalCluster;
  readonly workload: Workload;
  readonly injector: FaultInjector;
  readonly log: EventLog;
  readonly gen: number;
  /** How long each phase may take to settle before its last view is logged as it is. */
  readonly settleMs: number;
}

const POLL_MS = 250;

/**
 * Ends the chaos and lets the cluster settle, twice: first with the long tasks still running
 * (their agents, the master and the frameworks must agree on them), then after they are killed
 * (nothing may be left anywhere). Each phase logs what the master and every agent say
 * (`view`), for invariant 5 to compare; a phase that does not settle in time logs its last
 * view all the same, with a note.
 */
export async function quiesce(ctx: QuiesceContext): Promise<void> {
  await ctx.injector.liftAll();
  await bringBack(ctx);
  ctx.workload.stopLaunching();
  await settle(ctx, 'with-long-tasks', (kind) => kind !== 'long');
  ctx.workload.windDown();
  await settle(ctx, 'final', () => true);
}

/** Every agent answers (one its supervisor gave up is started again), and the master too. */
async function bringBack({ cluster, log, gen }: QuiesceContext): Promise<void> {
  const master = await cluster.state().then(() => true, () => false);
  if (!master) {
    log.write({ t: 'note', gen, text: 'quiescence: the master did not answer; restarting it' });
    await cluster.restartMaster();
  }
  for (const agentId of cluster.agentIds()) {
    if (await cluster.agentState(agentId, 3_000).then(() => true, () => false)) continue;
    log.write({ t: 'note', gen, text: `quiescence: agent ${agentId} did not answer; starting it` });
    await cluster.startAgent(agentId).catch((error: Error) => log.write({ t: 'note', gen, text: `quiescence: agent ${agentId} did not start: ${error.message}` }));
  }
}

async function settle(ctx: QuiesceContext, phase: string, waitFor: Parameters<Workload['open']>[0]): Promise<void> {
  const { workload, log, gen } = ctx;
  const deadline = Date.now() + ctx.settleMs;
  let settledOnce = false;
  let view = await viewOf(ctx.cluster, phase);
  let lastReconcile = 0;
  while (Date.now() < deadline) {
    const open = workload.open(waitFor);
    if (open.length === 0 && agrees(view)) {
      if (settledOnce) break;
      settledOnce = true;
    } else settledOnce = false;
    if (Date.now() - lastReconcile > 1_000) {
      workload.reconcile();
      lastReconcile = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    view = await viewOf(ctx.cluster, phase);
  }
  if (!settledOnce) {
    const open = workload.open(waitFor);
    log.write({ t: 'note', gen, text: `quiescence (${phase}) did not settle within ${ctx.settleMs} ms; ${open.length} task(s) open: ${open.slice(0, 20).join(', ')}` });
  }
  log.write({ t: 'view', gen, view });
}

/** What the master and each agent say now; an agent that does not answer is `unresponsive`. */
export async function viewOf(cluster: LocalCluster, phase: string): Promise<ClusterView> {
  const state = await cluster.state().catch(() => undefined);
  const agents = await Promise.all(
    cluster.agentIds().map(async (agentId) => {
      const snapshot = await cluster.agentState(agentId, 2_000).catch(() => undefined);
      return { agentId, registration: snapshot?.registration ?? 'unresponsive', tasksByState: { ...(snapshot?.tasksByState ?? {}) }, unacknowledged: snapshot?.unacknowledgedUpdates ?? -1 };
    }),
  );
  return {
    phase,
    masterAgents: (state?.agents ?? []).map((a) => ({ agentId: a.agentId, status: a.status, total: a.total, used: a.used, free: a.free })),
    masterTasks: (state?.tasks ?? []).map((t) => ({ frameworkId: t.frameworkId, taskId: t.taskId, agentId: t.agentId, state: t.state, resources: t.resources })),
    agents,
  };
}

/** Live tasks the master places on each agent, by state. */
export function masterLiveByAgent(view: ClusterView): Map<string, Record<string, number>> {
  const byAgent = new Map<string, Record<string, number>>();
  for (const task of view.masterTasks) {
    if (TERMINAL_STATES.has(task.state as never)) continue;
    const counts = byAgent.get(task.agentId) ?? {};
    counts[task.state] = (counts[task.state] ?? 0) + 1;
    byAgent.set(task.agentId, counts);
  }
  return byAgent;
}

/** Live tasks an agent holds, by state (terminal ones leave its book once acknowledged). */
export function agentLive(agent: ClusterView['agents'][number]): Record<string, number> {
  return Object.fromEntries(Object.entries(agent.tasksByState).filter(([state, n]) => n > 0 && !TERMINAL_STATES.has(state as never)));
}

/** The settling test: every agent admitted, nothing unacknowledged, and the master and each agent hold the same live tasks. */
function agrees(view: ClusterView): boolean {
  const live = masterLiveByAgent(view);
  return (
    view.agents.length > 0 &&
    view.masterAgents.length === view.agents.length &&
    view.masterAgents.every((a) => a.status === 'active') &&
    view.agents.every((a) => a.registration === 'admitted' && a.unacknowledged === 0 && sameCounts(agentLive(a), live.get(a.agentId) ?? {}))
  );
}

export function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}
