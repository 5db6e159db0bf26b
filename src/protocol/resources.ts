import * as v from 'valibot';
import { record } from './fields.js';

/**
 * Arithmetic on amounts rounds to 1/1000 so that sums of fractional cpus do not drift. That is
 * exact only while amount × 1000 is a safe integer (below 2⁵³): amounts stop at a trillion
 * (cpus, or MB of memory: an exabyte), well inside it, and a task asks for at least 1/1000 of a
 * unit, the least the accounts can tell from nothing.
 */
export const MAX_AMOUNT = 1e12;
export const RESOURCE_RESOLUTION = 0.001;

/** What an agent has and a task needs: finite, from 0 to `MAX_AMOUNT`. */
export const AmountSchema = v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(MAX_AMOUNT, `must be at most ${MAX_AMOUNT}`));

/** What a task asks for: from `RESOURCE_RESOLUTION` to `MAX_AMOUNT`. */
export const taskAmount = v.pipe(
  v.number(),
  v.finite(),
  v.minValue(RESOURCE_RESOLUTION, `must be at least ${RESOURCE_RESOLUTION} (the accounts round to 1/1000)`),
  v.maxValue(MAX_AMOUNT, `must be at most ${MAX_AMOUNT}`),
);

export const ResourcesSchema = v.strictObject({ cpus: AmountSchema, mem: AmountSchema, disk: v.optional(AmountSchema) });
export type Resources = v.InferOutput<typeof ResourcesSchema>;

const RESERVED_NAMES: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/**
 * A role: resources reserved to it are offered only to its frameworks; `*` is no role. Roles key
 * records (reservations by role), so the names a record cannot hold are not roles.
 */
export const RoleSchema = v.pipe(
  v.string(),
  v.regex(/^(\*|[A-Za-z0-9_.-]{1,128})$/, 'must be "*" or 1-128 characters from A-Z a-z 0-9 _ . -'),
  v.check((role: string) => !RESERVED_NAMES.includes(role), `must not be ${RESERVED_NAMES.join(', ')}`),
);

/** Resources reserved to roles on an agent (Mesos: checkpointed resources, resources.info). */
export const ReservationsSchema = record(RoleSchema, ResourcesSchema);
export type Reservations = Readonly<Record<string, Resources>>;

/** The pool of resources reserved to no role. */
export const UNRESERVED = '*';
export const NO_RESOURCES: Resources = { cpus: 0, mem: 0 };

const round = (n: number): number => Math.round(n * 1000) / 1000;

export function fits(need: Resources, free: Resources): boolean {
  return need.cpus <= free.cpus + 1e-9 && need.mem <= free.mem + 1e-9;
}

export function subtract(a: Resources, b: Resources): Resources {
  return { cpus: round(a.cpus - b.cpus), mem: round(a.mem - b.mem) };
}

export function add(a: Resources, b: Resources): Resources {
  return { cpus: round(a.cpus + b.cpus), mem: round(a.mem + b.mem) };
}

export function minOf(a: Resources, b: Resources): Resources {
  return { cpus: Math.min(a.cpus, b.cpus), mem: Math.min(a.mem, b.mem) };
}

export function nonNegative(r: Resources): Resources {
  return { cpus: Math.max(0, r.cpus), mem: Math.max(0, r.mem) };
}

export function isEmpty(r: Resources): boolean {
  return r.cpus <= 0 && r.mem <= 0;
}
