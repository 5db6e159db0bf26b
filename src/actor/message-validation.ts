import type { StandardSchemaV1 } from './behaviour.js';
import { cut } from './errors.js';

/** Validation issues a refusal lists; the rest are counted. */
const MAX_ISSUES = 10;

/**
 * A message from another thread checked against its actor's schema: the value the schema gives,
 * or the text of its refusal (a few issues, each cut short).
 */
export function validateMessage(schema: StandardSchemaV1<unknown, unknown>, message: unknown): { value: unknown } | string {
  const result = schema['~standard'].validate(message);
  if (result instanceof Promise) return 'async schemas are not supported; use a synchronous schema';
  if (result.issues !== undefined) {
    // An issue quotes the value it is about: a hostile message must not make a huge dead letter or error.
    const listed = result.issues.slice(0, MAX_ISSUES).map((issue) => cut((issue.path?.length ? `${cut(issue.path.map(pathKey).join('.'), 200)}: ` : '') + issue.message));
    return listed.join('; ') + (result.issues.length > MAX_ISSUES ? `; and ${result.issues.length - MAX_ISSUES} more` : '');
  }
  return { value: result.value };
}

function pathKey(segment: unknown): string {
  if (typeof segment === 'object' && segment !== null && 'key' in segment) {
    return String((segment as { key: unknown }).key);
  }
  return String(segment);
}
