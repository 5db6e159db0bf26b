import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * A seeded stream of choices. Each part of a run (the fault schedule, each framework's task
 * stream, fault targets) draws from its own stream, named by a salt, so that replaying a
 * subset of the faults leaves the workload's choices unchanged.
 */
export class Prng {
  private readonly rng: RandomGenerator;

  constructor(seed: number, salt: string) {
    let mixed = seed | 0;
    for (let i = 0; i < salt.length; i++) mixed = Math.imul(mixed ^ salt.charCodeAt(i), 0x9e3779b1) | 0;
    this.rng = xoroshiro128plus(mixed);
  }

  /** An integer in [from, to], both included. */
  int(from: number, to: number): number {
    return uniformInt(this.rng, from, to);
  }

  chance(probability: number): boolean {
    return uniformFloat64(this.rng) < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  /** One of `weights`' keys, with the probability of its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = (Object.entries(weights) as [K, number][]).filter(([, weight]) => weight > 0);
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    let at = uniformFloat64(this.rng) * total;
    for (const [key, weight] of entries) {
      at -= weight;
      if (at < 0) return key;
    }
    return entries.at(-1)![0];
  }
}
