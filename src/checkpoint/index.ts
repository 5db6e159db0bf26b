export { readHostBootId } from './boot-id.js';
export { CheckpointGc } from './gc.js';
export { CheckpointCorruptError, CheckpointDamagedError, CheckpointError, type CheckpointErrorCode, CheckpointWriteError } from './errors.js';
export { isTaskFinished, type UpdateStream } from './finished.js';
export { keys as checkpointKeys, parseKey as parseCheckpointKey, type ParsedKey } from './paths.js';
export type {
  AgentInfo,
  CheckpointRecord,
  ExecutorInfo,
  ExecutorKind,
  ExecutorPid,
  FrameworkInfo,
  StatusUpdate,
  StreamEntry,
  TaskInfo,
} from './records.js';
export { type ReadOptions, readState } from './recover.js';
export type { AgentState, CheckpointState, ExecutorState, FrameworkState, RunState, TaskState } from './state.js';
export { CheckpointStore } from './store.js';
export type { CheckpointStoreOptions, Durability } from './environment.js';
export { WriteHealth, type WriteHealthEvents } from './write-failure.js';
