import type { CheckReport } from './invariants.js';

const INVARIANTS: Readonly<Record<string, string>> = {
  '1': 'one terminal state per task, the true one where its executor survived',
  '2': 'per task, updates in order; a repeat has the first one\'s uuid',
  '3': 'no task body runs twice',
  '4': 'no executor outlives its agent\'s recovery timeout',
  '5': 'after quiescence, master = agents = frameworks',
  '6': 'nothing left after stop()',
  liveness: 'every fault\'s recovery completed',
};

/** A run's numbers as text: faults by kind, what each invariant was checked on, the violations. */
export function summarize(title: string, report: CheckReport, ms: number, maxViolations = 30): string {
  const lines = [`${title}: ${report.tasks} tasks, ${report.updates} updates, ${(ms / 1000).toFixed(1)} s`];
  const faults = Object.entries(report.faultsByKind).sort(([a], [b]) => a.localeCompare(b));
  lines.push(`  faults (${faults.reduce((n, [, c]) => n + c, 0)}): ${faults.map(([kind, n]) => `${kind} ${n}`).join(', ')}`);
  lines.push('  invariants checked:');
  for (const [id, what] of Object.entries(INVARIANTS)) {
    const broken = report.violations.filter((v) => v.invariant === id).length;
    lines.push(`    ${id.padEnd(8)} ${String(report.checked[id as keyof CheckReport['checked']]).padStart(7)} checks, ${broken} violation(s): ${what}`);
  }
  for (const v of report.violations.slice(0, maxViolations)) lines.push(`  ✗ [${v.invariant}] ${v.message.split('\n')[0]}`);
  if (report.violations.length > maxViolations) lines.push(`  … and ${report.violations.length - maxViolations} more`);
  return lines.join('\n');
}
