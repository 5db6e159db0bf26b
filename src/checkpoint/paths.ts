import type { AgentId, ExecutorId, FrameworkId, RunId, RunPath, TaskId, TaskPath } from './ids.js';

/**
 * The checkpoint's key space, drawn as Mesos draws its meta directory. This file is the only
 * place keys are built, and the only place they are parsed back.
 *
 *   meta/boot_id
 *   meta/resources/resources.info
 *   meta/agents/latest                                          → agent id
 *   meta/agents/<aid>/agent.info
 *   meta/agents/<aid>/frameworks/<fid>/framework.info          (with the scheduler address)
 *   meta/agents/<aid>/frameworks/<fid>/executors/<eid>/executor.info
 *   meta/agents/<aid>/frameworks/<fid>/executors/<eid>/runs/latest      → run id
 *   meta/agents/<aid>/frameworks/<fid>/executors/<eid>/runs/<rid>/pid   (worker id + start time)
 *   meta/agents/<aid>/frameworks/<fid>/executors/<eid>/runs/<rid>/executor.sentinel
 *   meta/agents/<aid>/frameworks/<fid>/executors/<eid>/runs/<rid>/tasks/<tid>/task.info
 *   meta/agents/<aid>/frameworks/<fid>/executors/<eid>/runs/<rid>/tasks/<tid>/task.updates
 *
 * `task.updates` holds the task's whole status update stream (updates and acknowledgements in
 * order), as Mesos's file of that name does. One key per stream rather than one per entry keeps
 * a recovery scan at two records per task: LMDB iteration costs ~0.8 µs per entry here, so a
 * key per entry made reading 10k running tasks (50k keys) take ~200 ms.
 */

export const keys = {
  bootId: () => 'meta/boot_id',
  resources: () => 'meta/resources/resources.info',
  latestAgent: () => 'meta/agents/latest',
  agentPrefix: (aid: AgentId) => `meta/agents/${aid}/`,
  agentInfo: (aid: AgentId) => `meta/agents/${aid}/agent.info`,
  frameworkPrefix: (aid: AgentId, fid: FrameworkId) => `meta/agents/${aid}/frameworks/${fid}/`,
  frameworkInfo: (aid: AgentId, fid: FrameworkId) => `meta/agents/${aid}/frameworks/${fid}/framework.info`,
  executorPrefix: (aid: AgentId, fid: FrameworkId, eid: ExecutorId) =>
    `meta/agents/${aid}/frameworks/${fid}/executors/${eid}/`,
  executorInfo: (aid: AgentId, fid: FrameworkId, eid: ExecutorId) =>
    `${keys.executorPrefix(aid, fid, eid)}executor.info`,
  latestRun: (aid: AgentId, fid: FrameworkId, eid: ExecutorId) => `${keys.executorPrefix(aid, fid, eid)}runs/latest`,
  runPrefix: (p: RunPath) => `${keys.executorPrefix(p.agentId, p.frameworkId, p.executorId)}runs/${p.runId}/`,
  runPid: (p: RunPath) => `${keys.runPrefix(p)}pid`,
  sentinel: (p: RunPath) => `${keys.runPrefix(p)}executor.sentinel`,
  taskPrefix: (p: TaskPath) => `${keys.runPrefix(p)}tasks/${p.taskId}/`,
  taskInfo: (p: TaskPath) => `${keys.taskPrefix(p)}task.info`,
  taskUpdates: (p: TaskPath) => `${keys.taskPrefix(p)}task.updates`,
};

/** What a key names, parsed back from its text. */
export type ParsedKey =
  | { readonly kind: 'boot-id' }
  | { readonly kind: 'resources' }
  | { readonly kind: 'latest-agent' }
  | { readonly kind: 'agent-info'; readonly agentId: AgentId }
  | { readonly kind: 'framework-info'; readonly agentId: AgentId; readonly frameworkId: FrameworkId }
  | { readonly kind: 'executor-info'; readonly agentId: AgentId; readonly frameworkId: FrameworkId; readonly executorId: ExecutorId }
  | { readonly kind: 'latest-run'; readonly agentId: AgentId; readonly frameworkId: FrameworkId; readonly executorId: ExecutorId }
  | ({ readonly kind: 'run-pid' } & RunPath)
  | ({ readonly kind: 'sentinel' } & RunPath)
  | ({ readonly kind: 'task-info' } & TaskPath)
  | ({ readonly kind: 'task-updates' } & TaskPath)
  | { readonly kind: 'unknown' };

export function parseKey(key: string): ParsedKey {
  const s = key.split('/');
  if (s[0] !== 'meta') return { kind: 'unknown' };
  if (s.length === 2 && s[1] === 'boot_id') return { kind: 'boot-id' };
  if (s.length === 3 && s[1] === 'resources' && s[2] === 'resources.info') return { kind: 'resources' };
  if (s[1] !== 'agents' || s.length < 3) return { kind: 'unknown' };
  if (s.length === 3 && s[2] === 'latest') return { kind: 'latest-agent' };
  const agentId = s[2] as AgentId;
  if (s.length === 4) return s[3] === 'agent.info' ? { kind: 'agent-info', agentId } : { kind: 'unknown' };
  if (s[3] !== 'frameworks' || s.length < 6) return { kind: 'unknown' };
  const frameworkId = s[4] as FrameworkId;
  if (s.length === 6) return s[5] === 'framework.info' ? { kind: 'framework-info', agentId, frameworkId } : { kind: 'unknown' };
  if (s[5] !== 'executors' || s.length < 8) return { kind: 'unknown' };
  const executorId = s[6] as ExecutorId;
  if (s.length === 8) {
    return s[7] === 'executor.info' ? { kind: 'executor-info', agentId, frameworkId, executorId } : { kind: 'unknown' };
  }
  if (s[7] !== 'runs') return { kind: 'unknown' };
  if (s.length === 9) return s[8] === 'latest' ? { kind: 'latest-run', agentId, frameworkId, executorId } : { kind: 'unknown' };
  const run: RunPath = { agentId, frameworkId, executorId, runId: s[8] as RunId };
  if (s.length === 10) {
    if (s[9] === 'pid') return { kind: 'run-pid', ...run };
    if (s[9] === 'executor.sentinel') return { kind: 'sentinel', ...run };
    return { kind: 'unknown' };
  }
  if (s[9] !== 'tasks' || s.length < 12) return { kind: 'unknown' };
  const task: TaskPath = { ...run, taskId: s[10] as TaskId };
  if (s.length !== 12) return { kind: 'unknown' };
  if (s[11] === 'task.info') return { kind: 'task-info', ...task };
  if (s[11] === 'task.updates') return { kind: 'task-updates', ...task };
  return { kind: 'unknown' };
}
