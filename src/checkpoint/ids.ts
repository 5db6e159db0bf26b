/**
 * Branded ids of the cluster's objects, so that a key builder cannot take them in the wrong
 * order. They are plain strings at run time.
 */
export type AgentId = string & { readonly __brand: 'AgentId' };
export type FrameworkId = string & { readonly __brand: 'FrameworkId' };
export type ExecutorId = string & { readonly __brand: 'ExecutorId' };
export type RunId = string & { readonly __brand: 'RunId' };
export type TaskId = string & { readonly __brand: 'TaskId' };

const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Ids become path segments of checkpoint keys: no `/`, bounded length. */
export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** The path of one task in the tree: agent → framework → executor → run → task. */
export interface RunPath {
  readonly agentId: AgentId;
  readonly frameworkId: FrameworkId;
  readonly executorId: ExecutorId;
  readonly runId: RunId;
}
export interface TaskPath extends RunPath {
  readonly taskId: TaskId;
}
