import { type StatusUpdate, type StreamEntry, TERMINAL_STATES } from './records.js';

/** A task's update stream, split: updates in order, and the uuids acknowledged. */
export interface UpdateStream {
  readonly updates: readonly StatusUpdate[];
  readonly acks: ReadonlySet<string>;
}

/** Splits a stream into `updates` and `acks` (given to fill, or new). */
export function splitStream(entries: readonly StreamEntry[], updates: StatusUpdate[] = [], acks = new Set<string>()): { updates: StatusUpdate[]; acks: Set<string> } {
  for (const entry of entries) {
    if (entry.kind === 'update') updates.push(entry.update);
    else acks.add(entry.uuid);
  }
  return { updates, acks };
}

/**
 * A task is finished when its last update is terminal and every update of it is acknowledged:
 * nothing about it is owed to the framework any more, so its records may be removed (task GC,
 * run GC). A task without updates is not finished. `TaskState` from `readState` fits.
 */
export function isTaskFinished(task: UpdateStream): boolean {
  const last = task.updates.at(-1);
  return last !== undefined && TERMINAL_STATES.has(last.state) && task.updates.every((u) => task.acks.has(u.uuid));
}
