/**
 * Identities of demo runs: ULID-like ids that sort by creation time, friendly names, and a fake
 * commit history per code repository, all derived from the seeded random source.
 */
import { createHash } from 'node:crypto';
import { encodeUlid } from '../../src/record/id.ts';
import type { Random } from './random.ts';

/**
 * A 26-character ULID: 10 characters of milliseconds since the epoch, then 16 seeded random characters.
 * Ids of runs created later sort later, as strings.
 */
export function ulid(timeMs: number, random: Random): string {
  return encodeUlid(
    timeMs,
    Array.from({ length: 16 }, () => random.int(0, 31)),
  );
}

const ADJECTIVES = [
  'brave',
  'calm',
  'clever',
  'crisp',
  'dapper',
  'eager',
  'fancy',
  'gentle',
  'glad',
  'golden',
  'happy',
  'jolly',
  'keen',
  'lively',
  'lucky',
  'mellow',
  'misty',
  'noble',
  'proud',
  'quiet',
  'rapid',
  'rosy',
  'shiny',
  'silent',
  'snowy',
  'sunny',
  'swift',
  'tidy',
  'vivid',
  'warm',
  'wild',
  'witty',
] as const;
const ANIMALS = [
  'otter',
  'badger',
  'falcon',
  'heron',
  'lynx',
  'marten',
  'newt',
  'owl',
  'panda',
  'puffin',
  'quokka',
  'raven',
  'salmon',
  'seal',
  'sparrow',
  'stoat',
  'tapir',
  'tiger',
  'toucan',
  'turtle',
  'walrus',
  'wombat',
  'yak',
  'zebra',
] as const;

/** A human-friendly run name such as `brave-otter-12`. */
export function friendlyName(random: Random): string {
  return `${random.pick(ADJECTIVES)}-${random.pick(ANIMALS)}-${random.int(1, 99)}`;
}

/**
 * The commit a run's code was at: repositories get a commit every few hours over the demo period,
 * and a run uses the newest one before it started. Hashes depend only on the repository and the
 * commit's position, so every run of the same period agrees on them.
 */
export function commitAt(repo: string, fraction: number): string {
  const index = Math.floor(Math.max(0, Math.min(1, fraction)) * 300);
  return createHash('sha1').update(`${repo}#${index}`).digest('hex');
}

/** A stable sha256-shaped digest of `key`, for things that change rarely (a dependency lock). */
export function digestOf(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
