import * as v from 'valibot';

/** A message of an inbox: its `type` and its fields, nothing else. */
export const message = <T extends string, E extends v.ObjectEntries>(type: T, entries: E) => v.strictObject({ type: v.literal(type), ...entries });

/** A non-empty string of at most `max` characters. */
export const text = (max: number) => v.pipe(v.string(), v.minLength(1), v.maxLength(max));

/** A status update's uuid (empty for the master's own updates, which are not acknowledged). */
export const UuidSchema = v.pipe(v.string(), v.maxLength(64));

/** Keys valibot's `record` leaves out of its output without an issue (they could reach a prototype). */
const UNSAFE_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/**
 * A record whose keys and values are checked. A record that has one of the keys `record` would
 * drop silently (`__proto__`, `constructor`, `prototype`) is refused, naming the key, rather
 * than arriving without it: a reservation or an attribute must not vanish on its way.
 */
export const record = <K extends v.GenericSchema<string, string | number | symbol>, V extends v.GenericSchema>(key: K, value: V) =>
  v.pipe(
    v.unknown(),
    v.rawCheck(({ dataset, addIssue }) => {
      const input = dataset.value;
      if (typeof input !== 'object' || input === null) return;
      for (const unsafe of UNSAFE_KEYS) {
        if (!Object.hasOwn(input, unsafe)) continue;
        const entry = (input as Record<string, unknown>)[unsafe];
        addIssue({ message: `the key "${unsafe}" is not allowed`, path: [{ type: 'object', origin: 'key', input: input as Record<string, unknown>, key: unsafe, value: entry }] });
      }
    }),
    v.record(key, value),
  );
