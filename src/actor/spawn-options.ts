import * as v from 'valibot';
import { isValidActorName } from './address.js';
import { type Behaviour, type BehaviourRef, isBehaviour } from './behaviour.js';
import type { SpawnOptions } from './context.js';
import { durationMs } from './duration.js';
import { errors, shown } from './errors.js';
import { positiveInt, unreadable, validateOptions } from './options.js';

const SpawnOptionsSchema = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.check(isValidActorName, 'use 1-200 characters from A-Z a-z 0-9 _ $ . : -'))),
  args: v.optional(v.unknown()),
  worker: v.optional(v.pipe(v.string(), v.minLength(1))),
  mailbox: v.optional(v.strictObject({ capacity: v.optional(positiveInt) })),
  timeoutMs: v.optional(durationMs({ min: 1 })),
  signal: v.optional(v.instance(AbortSignal)),
});

const BehaviourRefSchema = v.object({
  module: v.pipe(v.string(), v.minLength(1)),
  export: v.pipe(v.string(), v.minLength(1)),
});

/** Checks what `spawn` was given before anything starts: ERR_INVALID_OPTIONS naming the key. */
export function checkSpawn(behaviour: unknown, options: SpawnOptions<unknown>): void {
  validateOptions('spawn options', SpawnOptionsSchema, options);
  try {
    checkBehaviour(behaviour);
  } catch (error) {
    throw unreadable('behaviour', error);
  }
}

function checkBehaviour(behaviour: unknown): void {
  if (isBehaviour(behaviour)) {
    if (typeof behaviour.setup !== 'function') throw errors.invalidOptions('invalid behaviour: its setup is not a function');
    return;
  }
  if (typeof behaviour !== 'object' || behaviour === null) {
    throw errors.invalidOptions(`invalid behaviour: expected a behaviour() or { module, export }, got ${shown(behaviour)}`);
  }
  validateOptions('behaviour', BehaviourRefSchema, behaviour);
}

/** How a spawn is named in its errors. */
export function spawnTarget(behaviour: Behaviour<any, any> | BehaviourRef, name: string | undefined): string {
  const ref = behaviour as BehaviourRef;
  const what = isBehaviour(behaviour) ? 'a behaviour object' : `${shown(ref.export)} from ${shown(ref.module)}`;
  return name === undefined ? what : `"${name}" (${what})`;
}
