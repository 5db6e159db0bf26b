import * as v from 'valibot';

/** A message of an inbox: its `type` and its fields, nothing else. */
export const message = <T extends string, E extends v.ObjectEntries>(type: T, entries: E) => v.strictObject({ type: v.literal(type), ...entries });

/** A non-empty string of at most `max` characters. */
export const text = (max: number) => v.pipe(v.string(), v.minLength(1), v.maxLength(max));

/** A status update's uuid (empty for the master's own updates, which are not acknowledged). */
export const UuidSchema = v.pipe(v.string(), v.maxLength(64));
