import { abortable } from './abortable.js';
import type { Address, NodeId } from './address.js';
import {
  type Behaviour,
  type BehaviourRef,
  isBehaviour,
  isBehaviourRef,
  loadBehaviour,
} from './behaviour.js';
import { ActorCell } from './cell.js';
import type { SpawnOptions } from './context.js';
import {
  type SerializedError,
  deserializeError,
  errors,
  serializeError,
} from './errors.js';
import type { HostApi, LocalNode } from './node.js';
import type { ActorRef } from './ref.js';
import { SpawnDeadline } from './spawn-deadline.js';
import { checkSpawn, spawnTarget } from './spawn-options.js';
import { decodeValue, encodeValue } from './transport/codec.js';

/** A spawn that crosses threads: everything in it is data (args travel msgpack-encoded). */
export interface SpawnRequest {
  /** Unique in the system: `<caller node>:<n>`, so the host can cancel it. */
  readonly id: string;
  readonly behaviour: BehaviourRef;
  readonly name: string | undefined;
  readonly args: Uint8Array;
  readonly capacity: number | undefined;
  readonly worker: 'new' | NodeId;
  readonly parent: Address | null;
  /** The host fails the spawn with ERR_SPAWN_TIMEOUT past this, and ends what it started. */
  readonly timeoutMs: number;
  /** Text naming the spawn in its errors. */
  readonly target: string;
}

/** Errors cross the control plane as data, so that their `code` and `cause` survive. */
export type SpawnResult = { readonly address: Address } | { readonly error: SerializedError };

export async function toSpawnResult(spawning: Promise<Address>): Promise<SpawnResult> {
  try {
    return { address: await spawning };
  } catch (error) {
    return { error: serializeError(error) };
  }
}

/**
 * How one node starts actors: in its own thread (loading the behaviour once per module and
 * export), through the host in another thread, and here on behalf of another thread, which the
 * host may cancel.
 */
export class Spawner {
  private readonly behaviours = new Map<string, Promise<Behaviour<unknown, unknown>>>();
  private nameCounter = 0;
  private spawnCounter = 0;
  /** Spawns the host asked of this node, by request id, so that it can cancel them. */
  private readonly requestedSpawns = new Map<string, AbortController>();

  constructor(
    private readonly node: LocalNode,
    private readonly host: HostApi,
  ) {}

  /**
   * Starts an actor where `options.worker` says. Bounded by `options.timeoutMs` (default the
   * system's `spawnTimeoutMs`) and `options.signal`: past either, what was started is ended.
   */
  async spawn<M, A>(
    behaviour: Behaviour<M, A> | BehaviourRef,
    options: SpawnOptions<A>,
    parent: ActorRef | undefined,
  ): Promise<ActorRef<M>> {
    if (this.node.stopped) throw errors.systemStopped();
    checkSpawn(behaviour, options ?? {});
    const { name, signal } = options ?? {};
    const placement = options?.worker ?? 'current';
    const timeoutMs = options?.timeoutMs ?? this.node.options.spawnTimeoutMs;
    const target = spawnTarget(behaviour, name);
    if (placement === 'current' || placement === this.node.id) {
      const deadline = new SpawnDeadline(target, timeoutMs, signal);
      try {
        return (await this.spawnLocal(behaviour, name, options?.args, options?.mailbox?.capacity, parent, deadline.signal)) as ActorRef<M>;
      } finally {
        deadline.end();
      }
    }
    if (!isBehaviourRef(behaviour) || isBehaviour(behaviour)) {
      throw errors.invalidOptions(
        `a behaviour object can only be spawned in the current thread; to start it in worker "${placement}" pass { module: import.meta.url, export: '<name>' }`,
      );
    }
    if (signal?.aborted) throw errors.spawnAborted(target, signal.reason);
    const request: SpawnRequest = {
      id: `${this.node.id}:${++this.spawnCounter}`,
      behaviour: { module: behaviour.module, export: behaviour.export },
      name,
      args: encodeArgs(options?.args),
      capacity: options?.mailbox?.capacity,
      worker: placement,
      parent: parent?.address ?? null,
      timeoutMs,
      target,
    };
    // The host alone decides a remote spawn's outcome (it owns the timeout and the workers), so
    // an abort is a request to it: whatever it answers next is the truth, with nothing left over.
    const cancel = () => this.host.cancelSpawn(request.id);
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      const result = await this.host.spawn(request);
      if ('error' in result) {
        throw result.error.code === 'ERR_SPAWN_ABORTED' && signal?.aborted ? errors.spawnAborted(target, signal.reason) : deserializeError(result.error);
      }
      return this.node.ref<M>(result.address);
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
  }

  /** Spawns here on behalf of another thread; `signal` (the host's) abandons it. */
  async spawnRequested(request: SpawnRequest, signal?: AbortSignal): Promise<Address> {
    if (this.node.stopped) throw errors.systemStopped();
    const args = decodeValue(request.args, this.node.refFactory);
    const parent = request.parent === null ? undefined : this.node.ref(request.parent);
    const ref = await this.spawnLocal(request.behaviour, request.name, args, request.capacity, parent, signal);
    return ref.address;
  }

  /** A spawn the host asks of this worker; `cancelSpawn(request.id)` abandons it. */
  acceptSpawn(request: SpawnRequest): Promise<Address> {
    const controller = new AbortController();
    this.requestedSpawns.set(request.id, controller);
    return this.spawnRequested(request, controller.signal).finally(() => this.requestedSpawns.delete(request.id));
  }

  cancelSpawn(id: string): void {
    this.requestedSpawns.get(id)?.abort(errors.spawnAborted(id, 'the host cancelled it'));
  }

  /** Options were checked by the caller (`checkSpawn`). An abandoned start kills the actor. */
  private async spawnLocal(
    behaviour: Behaviour<any, any> | BehaviourRef,
    name: string | undefined,
    args: unknown,
    capacity: number | undefined,
    parent: ActorRef | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ActorRef> {
    const definition = isBehaviour(behaviour) ? behaviour : await abortable(this.load(behaviour as BehaviourRef), signal);
    const actorName = name ?? `$${++this.nameCounter}`;
    if (this.node.cells.has(actorName)) throw errors.nameTaken(actorName, this.node.id);
    const cell = new ActorCell(this.node, actorName, parent, capacity ?? this.node.options.mailboxCapacity);
    this.node.cells.set(actorName, cell);
    await abortable(cell.start(definition as Behaviour<unknown, unknown>, args), signal, () => cell.kill());
    return cell.self;
  }

  private load(ref: BehaviourRef): Promise<Behaviour<unknown, unknown>> {
    const key = `${ref.module}#${ref.export}`;
    let loading = this.behaviours.get(key);
    if (loading === undefined) {
      loading = loadBehaviour(ref);
      loading.catch(() => this.behaviours.delete(key));
      this.behaviours.set(key, loading);
    }
    return loading;
  }
}

/** Spawn arguments cross threads msgpack-encoded; what cannot be encoded is the caller's error. */
function encodeArgs(args: unknown): Uint8Array {
  try {
    return encodeValue(args);
  } catch (error) {
    throw errors.invalidOptions(`invalid spawn options: options.args cannot be sent to another thread: ${error instanceof Error ? error.message : String(error)}`);
  }
}
