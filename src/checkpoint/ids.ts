export type { AgentId, ExecutorId, FrameworkId, RunId, RunPath, TaskId, TaskPath } from '../protocol/index.js';
export { isValidId } from '../protocol/index.js';
