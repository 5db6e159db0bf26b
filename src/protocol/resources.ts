import * as v from 'valibot';

/**
 * What an agent has and a task needs. Amounts are finite and non-negative; a task's must be
 * positive where it asks for them (see `TaskResourcesSchema`). Arithmetic rounds to 1/1000 so
 * that sums of fractional cpus do not drift.
 */
const amount = v.pipe(v.number(), v.finite(), v.minValue(0));

export const ResourcesSchema = v.strictObject({ cpus: amount, mem: amount, disk: v.optional(amount) });
export type Resources = v.InferOutput<typeof ResourcesSchema>;

/** Resources reserved to roles on an agent (Mesos: checkpointed resources, resources.info). */
export const ReservationsSchema = v.record(v.pipe(v.string(), v.minLength(1), v.maxLength(128)), ResourcesSchema);
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
