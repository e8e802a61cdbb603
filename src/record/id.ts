/**
 * Run identity: ULIDs (time-sortable, unique without coordination, URL-safe) and friendly names
 * derived from them, e.g. `brave-otter-12`.
 */
import { createHash, randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_CHARS = 16; // 80 bits
const TIME_CHARS = 10; // 48 bits of milliseconds

function randomDigits(): number[] {
  const bytes = randomBytes(RANDOM_CHARS);
  return Array.from(bytes, (byte) => byte & 31);
}

/** Adds one to a base-32 digit array; ids stay sorted when several are made in the same millisecond. */
function increment(digits: number[]): number[] {
  const next = digits.slice();
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i]! < 31) {
      next[i]! += 1;
      return next;
    }
    next[i] = 0;
  }
  throw new Error('ULID random part overflowed within one millisecond');
}

/**
 * A ULID generator with its own monotonic state: ids it makes in the same millisecond (or while the
 * clock steps back) increase.
 */
export function ulidFactory(): (now?: number) => string {
  let lastTime = -1;
  let lastRandom: number[] = [];
  return (now = Date.now()) => {
    let time = Math.floor(now);
    if (time <= lastTime) {
      time = lastTime;
      lastRandom = increment(lastRandom);
    } else {
      lastTime = time;
      lastRandom = randomDigits();
    }
    return encodeUlid(time, lastRandom);
  };
}

/**
 * Spells a ULID: 10 Crockford base-32 characters of milliseconds, then one character per random digit
 * (0-31; 16 of them). Pure, so seeded generators (the demo data) make ids the same way.
 */
export function encodeUlid(timeMs: number, randomDigits: readonly number[]): string {
  let timeText = '';
  for (let i = 0, t = Math.floor(timeMs); i < TIME_CHARS; i++, t = Math.floor(t / 32)) timeText = CROCKFORD[t % 32] + timeText;
  return timeText + randomDigits.map((digit) => CROCKFORD[digit]).join('');
}

/**
 * A new ULID (26 Crockford base-32 characters), monotonic within the process.
 *
 * @example
 * ulid() // '01JD2Z3W4X5Y6Z7A8B9C0D1E2F'
 */
export const ulid: (now?: number) => string = ulidFactory();

/** The creation time encoded in a ULID, or undefined when `id` is not one. */
export function ulidTime(id: string): Date | undefined {
  if (!/^[0-9A-HJKMNP-TV-Z]{26}$/.test(id)) return undefined;
  let time = 0;
  for (const char of id.slice(0, TIME_CHARS)) time = time * 32 + CROCKFORD.indexOf(char);
  return new Date(time);
}

const ADJECTIVES = [
  'agile',
  'amber',
  'ancient',
  'autumn',
  'bold',
  'brave',
  'bright',
  'calm',
  'clever',
  'cosmic',
  'crimson',
  'curious',
  'daring',
  'dawn',
  'eager',
  'electric',
  'fancy',
  'fearless',
  'fierce',
  'gentle',
  'giant',
  'golden',
  'grand',
  'happy',
  'hidden',
  'humble',
  'icy',
  'jolly',
  'keen',
  'kind',
  'lively',
  'lucky',
  'lunar',
  'mellow',
  'misty',
  'noble',
  'polar',
  'proud',
  'quick',
  'quiet',
  'rapid',
  'restless',
  'rustic',
  'serene',
  'sharp',
  'silent',
  'silver',
  'sleek',
  'solar',
  'steady',
  'stellar',
  'stormy',
  'sunny',
  'swift',
  'tidy',
  'vivid',
  'warm',
  'wild',
  'wise',
  'zesty',
];
const ANIMALS = [
  'badger',
  'bat',
  'bear',
  'beaver',
  'bison',
  'cobra',
  'condor',
  'crane',
  'crow',
  'deer',
  'dingo',
  'dolphin',
  'eagle',
  'falcon',
  'ferret',
  'finch',
  'fox',
  'gecko',
  'heron',
  'hawk',
  'ibex',
  'jackal',
  'jaguar',
  'koala',
  'lemur',
  'leopard',
  'lion',
  'lynx',
  'marten',
  'mole',
  'moose',
  'newt',
  'ocelot',
  'orca',
  'osprey',
  'otter',
  'owl',
  'panda',
  'panther',
  'pelican',
  'puffin',
  'quail',
  'rabbit',
  'raven',
  'robin',
  'salmon',
  'seal',
  'shark',
  'sparrow',
  'swan',
  'tapir',
  'tiger',
  'toucan',
  'turtle',
  'viper',
  'walrus',
  'whale',
  'wolf',
  'wombat',
  'yak',
];

/**
 * A human-friendly name derived from the id, so the same id always gets the same name.
 *
 * @example
 * friendlyName('01JD2Z3W4X5Y6Z7A8B9C0D1E2F') // e.g. 'brave-otter-12'
 */
export function friendlyName(id: string): string {
  const digest = createHash('sha256').update(id).digest();
  const adjective = ADJECTIVES[digest.readUInt16BE(0) % ADJECTIVES.length]!;
  const animal = ANIMALS[digest.readUInt16BE(2) % ANIMALS.length]!;
  return `${adjective}-${animal}-${digest.readUInt16BE(4) % 100}`;
}
