/** `waitFor` calls by task id: an update wakes only its own task's waits, not every one. */
export class TaskWaits {
  private readonly byTask = new Map<string, Set<() => void>>();

  /** Registers a wait for `taskId`; returns how to remove it. */
  add(taskId: string, wake: () => void): () => void {
    let waits = this.byTask.get(taskId);
    if (waits === undefined) this.byTask.set(taskId, (waits = new Set()));
    waits.add(wake);
    return () => {
      waits.delete(wake);
      if (waits.size === 0 && this.byTask.get(taskId) === waits) this.byTask.delete(taskId);
    };
  }

  /** Runs the waits of `taskId` (a wait that settles removes itself meanwhile). */
  wake(taskId: string): void {
    const waits = this.byTask.get(taskId);
    if (waits !== undefined) for (const wake of [...waits]) wake();
  }
}
