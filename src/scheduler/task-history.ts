import { type TaskStatus, isTerminal } from '../protocol/index.js';

/**
 * The updates a framework object has received, per task, for `updatesOf` and `waitFor`. Live
 * tasks are all kept; of finished ones (a terminal update received) only the last `maxCompleted`,
 * so that a long-lived framework's memory stays bounded.
 */
export class TaskHistory {
  private readonly byTask = new Map<string, TaskStatus[]>();
  /** Finished tasks, oldest first. */
  private readonly finished: string[] = [];
  private finishedHead = 0;

  constructor(private readonly maxCompleted: number) {}

  /** Keeps an update; false if it is a repeat (same uuid) of one already kept. */
  record(status: TaskStatus): boolean {
    let list = this.byTask.get(status.taskId);
    if (list === undefined) this.byTask.set(status.taskId, (list = []));
    if (status.uuid !== '' && list.some((s) => s.uuid === status.uuid)) return false;
    const wasFinished = list.some((s) => isTerminal(s.state));
    list.push(status);
    if (!wasFinished && isTerminal(status.state)) this.finish(status.taskId);
    return true;
  }

  of(taskId: string): readonly TaskStatus[] {
    return this.byTask.get(taskId) ?? [];
  }

  private finish(taskId: string): void {
    this.finished.push(taskId);
    while (this.finished.length - this.finishedHead > this.maxCompleted) this.byTask.delete(this.finished[this.finishedHead++]!);
    // Compact the queue now and then instead of shifting it each time.
    if (this.finishedHead > 1_024 && this.finishedHead * 2 > this.finished.length) {
      this.finished.splice(0, this.finishedHead);
      this.finishedHead = 0;
    }
  }
}
