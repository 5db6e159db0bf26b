import type { ActorContext } from './context.js';
import type { Down } from './messages.js';
import type { StopReason } from './messages.js';
import { errors } from './errors.js';

/**
 * The Standard Schema interface (standardschema.dev), copied as its spec intends: any schema
 * library that implements it (valibot, zod, arktype) can validate an actor's messages.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (
      value: unknown,
    ) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<{ readonly message: string; readonly path?: ReadonlyArray<unknown> }> };

/** What an actor does with each message. A returned value (or resolved promise) answers an ask. */
export interface Handlers<M> {
  receive(message: M | Down, ctx: ActorContext<M>): unknown;
  /**
   * Runs once when the actor stops, unless it was killed or its worker died. Children still
   * running afterwards are then stopped, newest first.
   */
  stopped?(reason: StopReason): void | Promise<void>;
}

export interface Behaviour<M = unknown, A = void> {
  readonly kind: 'mesolith.behaviour';
  /** Validates messages that arrive from another thread; invalid ones go to dead letters. */
  readonly schema?: StandardSchemaV1<unknown, M>;
  setup(ctx: ActorContext<M>, args: A): Handlers<M> | Promise<Handlers<M>>;
}

/**
 * Where a behaviour lives, so that any worker can load it: a module URL (use `import.meta.url`)
 * and the name of the export created with `behaviour()`.
 */
export interface BehaviourRef {
  readonly module: string;
  readonly export: string;
}

export function behaviour<M = unknown, A = void>(
  definition: Omit<Behaviour<M, A>, 'kind'>,
): Behaviour<M, A> {
  return { kind: 'mesolith.behaviour', ...definition };
}

export function isBehaviour(value: unknown): value is Behaviour<unknown, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'mesolith.behaviour'
  );
}

export function isBehaviourRef(value: unknown): value is BehaviourRef {
  if (typeof value !== 'object' || value === null) return false;
  const ref = value as Record<string, unknown>;
  return typeof ref.module === 'string' && typeof ref.export === 'string';
}

export function behaviourRef(module: string | URL, exportName: string): BehaviourRef {
  return { module: String(module), export: exportName };
}

export async function loadBehaviour(ref: BehaviourRef): Promise<Behaviour<unknown, unknown>> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(ref.module)) as Record<string, unknown>;
  } catch (cause) {
    throw errors.behaviourImportFailed(ref.module, ref.export, cause);
  }
  const found = mod[ref.export];
  if (!isBehaviour(found)) throw errors.behaviourNotFound(ref.module, ref.export);
  return found;
}
