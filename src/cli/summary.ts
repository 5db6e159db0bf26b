/** What `mesolith cluster` prints when it stops: agents, frameworks, tasks by state, recoveries. */
import type { ClusterSnapshot } from '../observe/monitor.js';

export function summaryLines(snapshot: ClusterSnapshot, statusOf: (agentId: string) => string, uptimeMs: number): string[] {
  const byState = new Map<string, number>();
  for (const task of snapshot.tasks) byState.set(task.state, (byState.get(task.state) ?? 0) + 1);
  const states = [...byState].sort(([a], [b]) => a.localeCompare(b)).map(([state, n]) => `${state} ${n}`);
  const recovered = snapshot.hosts.filter((h) => h.recoveries > 0 || h.crashes > 0);
  const recoveries = recovered.map((h) => {
    const last = h.lastRecovery;
    const detail = last === undefined ? '' : ` (last ${Math.round(last.recoveryMs ?? 0)} ms: ${last.reconnected ?? 0} executors reconnected, ${last.lost ?? 0} lost)`;
    return `${h.hostId} ${h.crashes} crash(es), ${h.recoveries} recovery(ies)${detail}`;
  });
  return [
    `mesolith cluster stopped after ${(uptimeMs / 1000).toFixed(1)} s`,
    `  agents      ${snapshot.agents.length}: ${snapshot.agents.map((a) => `${a.id} ${statusOf(a.id)}`).join(', ') || 'none'}`,
    `  frameworks  ${snapshot.frameworks.length} registered, ${snapshot.completedFrameworks.length} completed`,
    `  tasks       ${snapshot.tasks.length}${states.length > 0 ? `: ${states.join(', ')}` : ''}`,
    `  recoveries  ${recoveries.length > 0 ? recoveries.join('; ') : 'none'}`,
  ];
}
