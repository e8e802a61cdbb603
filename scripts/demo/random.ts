/**
 * A seeded pseudo-random source, so the same seed always yields the same demo runs byte for byte.
 * mulberry32: tiny, fast and good enough for synthetic data (not for anything secret).
 */
import { createHash } from 'node:crypto';

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Log-uniform in [min, max): for learning rates and other scale parameters. */
  logUniform(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight: `[[item, weight], ...]`. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T;
  /** A deterministic 64-hex digest tied to this source's sequence (fake sha256 of a fake object). */
  sha256(): string;
  /** `n` lowercase hex characters. */
  hex(n: number): string;
}

/** Turns any string seed into a 32-bit state, so `--seed demo` and `--seed 42` both work. */
function seedState(seed: string | number): number {
  return createHash('sha256').update(String(seed)).digest().readUInt32LE(0);
}

/** Creates a seeded random source. */
export function createRandom(seed: string | number): Random {
  let state = seedState(seed);
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random: Random = {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    normal() {
      const u = 1 - next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    logUniform: (min, max) => Math.exp(Math.log(min) + (Math.log(max) - Math.log(min)) * next()),
    chance: (probability) => next() < probability,
    pick<T>(items: readonly T[]): T {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    weighted<T>(choices: readonly (readonly [T, number])[]): T {
      const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
      let r = next() * total;
      for (const [item, weight] of choices) {
        r -= weight;
        if (r < 0) return item;
      }
      const last = choices[choices.length - 1];
      if (last === undefined) throw new Error('weighted pick from an empty list');
      return last[0];
    },
    sha256: () => createHash('sha256').update(String(next())).update(String(next())).digest('hex'),
    hex: (n) =>
      random
        .sha256()
        .repeat(Math.ceil(n / 64))
        .slice(0, n),
  };
  return random;
}
