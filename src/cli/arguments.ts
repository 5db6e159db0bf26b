/**
 * Every check of a command-line value, as commander argParser functions: a bad value throws
 * InvalidArgumentError, which commander reports naming the flag (exit code 2, see main.ts).
 */
import { InvalidArgumentError } from 'commander';

function integer(value: string, min: number, max: number, expected: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`Expected ${expected}.`);
  return n;
}

export const positiveInt = (value: string): number => integer(value, 1, Number.MAX_SAFE_INTEGER, 'a positive integer');
export const nonNegativeInt = (value: string): number => integer(value, 0, Number.MAX_SAFE_INTEGER, 'an integer >= 0');
export const port = (value: string): number => integer(value, 0, 65_535, 'a port number from 0 to 65535 (0: any free port)');

export function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('Expected a number from 0 to 1.');
  return n;
}

export function boolean(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError('Expected true or false.');
}

export function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('Expected a non-empty value.');
  return value;
}

export function choice<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`Expected one of ${choices.join(', ')}.`);
    return value as T;
  };
}

/** Commander shows a default only when there is a value; an option left unset says what that means. */
export const unsetMeans = (description: string, meaning: string): string => `${description} (default: ${meaning})`;
