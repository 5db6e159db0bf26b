export { readHostBootId } from './boot-id.js';
export { CheckpointGc } from './gc.js';
export { CheckpointCorruptError, CheckpointDamagedError, CheckpointError, type CheckpointErrorCode, CheckpointWriteError } from './errors.js';
export { isTaskFinished, type UpdateStream } from './finished.js';
export type { AgentId, ExecutorId, FrameworkId, RunId, RunPath, TaskId, TaskPath } from './ids.js';
export { keys as checkpointKeys, parseKey as parseCheckpointKey, type ParsedKey } from './paths.js';
export type {
  AgentInfo,
  CheckpointRecord,
  ExecutorInfo,
  ExecutorPid,
  FrameworkInfo,
  Reservations,
  Resources,
  StatusUpdate,
  TaskInfo,
  TaskStateName,
} from './records.js';
export { TERMINAL_STATES } from './records.js';
export { type ReadOptions, readState } from './recover.js';
export type { AgentState, CheckpointState, ExecutorState, FrameworkState, RunState, TaskState } from './state.js';
export { CheckpointStore, type CheckpointStoreOptions, type Durability } from './store.js';
export { WriteHealth, type WriteHealthEvents } from './write-failure.js';
