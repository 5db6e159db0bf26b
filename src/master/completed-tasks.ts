/**
 * Which finished tasks the master still reports, per framework: at most `max` of them (Mesos
 * --max_completed_tasks_per_framework), none older than `retentionMs`. Tasks are added as they
 * end, so each framework's list is ordered by end time and both bounds drop from its head.
 */
export class CompletedTasks {
  private readonly byFramework = new Map<string, { key: string; endedAt: number }[]>();

  constructor(
    private readonly max: number,
    private readonly retentionMs: number,
    private readonly forget: (key: string) => void,
  ) {}

  add(frameworkId: string, key: string, endedAt: number): void {
    let list = this.byFramework.get(frameworkId);
    if (list === undefined) this.byFramework.set(frameworkId, (list = []));
    list.push({ key, endedAt });
    while (list.length > this.max) this.forget(list.shift()!.key);
  }

  /** Forgets every task that ended more than `retentionMs` before `now`. */
  expire(now: number): void {
    for (const [frameworkId, list] of this.byFramework) {
      let drop = 0;
      while (drop < list.length && now - list[drop]!.endedAt > this.retentionMs) this.forget(list[drop++]!.key);
      if (drop > 0) list.splice(0, drop);
      if (list.length === 0) this.byFramework.delete(frameworkId);
    }
  }
}
