import type { MessagePort } from 'node:worker_threads';
import type { NodeId } from '../address.js';
import type { DropRule } from '../faults.js';
import type { NodeActivity, NodeStats, SpawnRequest, SpawnResult } from '../node.js';
import type { ResolvedSystemOptions } from '../options.js';

/**
 * The control plane (comlink): admin calls from the main thread into a worker, and the worker's
 * calls back into the main thread. Actor messages never take this path.
 */
export interface WorkerAdmin {
  ping(): NodeId;
  attach(peer: NodeId, port: MessagePort): void;
  spawn(request: SpawnRequest): Promise<SpawnResult>;
  cancelSpawn(id: string): void;
  stats(): NodeStats;
  activity(): NodeActivity;
  setDrops(rules: readonly DropRule[]): void;
  /** Ends a hold rule on this thread: delivers what it held, or loses it. */
  releaseHeld(rule: number, deliver: boolean): void;
  shutdown(): Promise<void>;
}

export interface HostForWorker {
  connect(from: NodeId, to: NodeId): Promise<boolean>;
  spawn(request: SpawnRequest): Promise<SpawnResult>;
  cancelSpawn(id: string): void;
  /** msgpack-encoded `ForwardedEvents`. */
  forward(encoded: Uint8Array): void;
}

/**
 * Posted to a worker (its `parentPort`) to end it: it calls `process.exit` at its next turn of
 * the event loop, never while native code of its own is running (see `Host.end`).
 */
export const EXIT_REQUEST = 'mesolith.exit';

/** What a worker ended by its host exits with: 1, as `Worker.terminate()` gives. */
export const ENDED_EXIT_CODE = 1;

/** How long a worker has to take that turn (a busy loop does not) before it is terminated. */
export const EXIT_GRACE_MS = 1_000;

/** Marks the `workerData` of the workers a system starts (see `ActorSystem.start`). */
export const WORKER_KIND = 'mesolith.worker';

export interface WorkerBoot {
  readonly kind: typeof WORKER_KIND;
  readonly node: NodeId;
  readonly adminPort: MessagePort;
  readonly hostPort: MessagePort;
  readonly options: ResolvedSystemOptions;
  /** Fault rules in force when the worker starts. */
  readonly drops: readonly DropRule[];
}
