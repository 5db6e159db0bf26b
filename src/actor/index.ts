export { type Address, type NodeId, MAIN_NODE } from './address.js';
export {
  type Behaviour,
  type BehaviourRef,
  type Handlers,
  type StandardSchemaV1,
  behaviour,
  behaviourRef,
} from './behaviour.js';
export type { ActorContext, Replier, SpawnOptions, WorkerPlacement } from './context.js';
export { DeadLetterStream } from './dead-letters.js';
export { type DurationRule, MAX_DURATION_MS, checkDuration, durationMs, isDuration } from './duration.js';
export {
  type LongTimer,
  type LongTimerOptions,
  MAX_TIMER_STEP_MS,
  type TimerScheduler,
  nodeScheduler,
  setLongInterval,
  setLongTimeout,
} from './long-timer.js';
export { MesolithError, type RuntimeErrorCode, type SerializedError } from './errors.js';
export type { SystemEvent } from './events.js';
export type { DropSpec, DroppedMessage, HeldMessage, MessageDrop, MessageHold, MessageSpec, MessageTap, TappedMessage } from './faults.js';
export {
  DOWN,
  type DeadLetter,
  type DeadLetterReason,
  type Down,
  type DownReason,
  type StopReason,
  isAbnormal,
  isDown,
} from './messages.js';
export type { ActorStats } from './cell.js';
export type { NodeStats } from './node.js';
export type { SystemOptions, WorkerResourceLimits } from './options.js';
export { ActorRef, type AskOptions } from './ref.js';
export { ActorSystem, type SystemStats } from './system.js';
export type { Timers } from './timers.js';
export { canEncode } from './transport/codec.js';
export { type Backoff, type Intensity, backoffDelay, recordRestart } from './restart-intensity.js';
export {
  type ChildInfo,
  type ChildPlacement,
  type ChildSpec,
  type RestartType,
  type Strategy,
  type SupervisorArgs,
  type SupervisorMsg,
  SUPERVISOR,
  supervisor,
  validateSupervisorArgs,
} from './supervisor.js';
