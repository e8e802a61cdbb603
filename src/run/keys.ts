/**
 * Objects built from untrusted keys. Param, metric, series and tag names come from run data and
 * users; assigning `obj[key] = value` with the key `__proto__` changes the object's prototype (and,
 * through a dotted path such as `__proto__.polluted`, Object.prototype itself), and reading
 * `obj[key]` for `constructor` or `toString` finds an inherited function instead of "no value".
 * Every such write and read goes through these helpers: a name like `constructor` stays ordinary
 * data, and a dotted path through `__proto__`, `constructor` or `prototype` is refused. Pure.
 */
import { RunpagesError } from '../errors.ts';

/** Path segments that would reach a prototype through a plain object. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The segments of a dotted key path (`optim.lr`), refused with a clear error when one of them is
 * `__proto__`, `constructor` or `prototype`, or empty.
 *
 * @example keyPath('optim.lr', '--param') // ['optim', 'lr']
 * @example keyPath('__proto__.x', '--param') // throws unsafe-key
 */
export function keyPath(path: string, where: string): string[] {
  const segments = path.split('.');
  const bad = segments.find((segment) => PROTOTYPE_KEYS.has(segment));
  if (bad !== undefined) {
    throw new RunpagesError('unsafe-key', `${where} ${JSON.stringify(path)}: "${bad}" cannot be part of a dotted key path`, {
      hint: 'Param names nest with dots; "__proto__", "constructor" and "prototype" are reserved there. Rename the param (e.g. "proto_" or "ctor").',
    });
  }
  if (segments.some((segment) => segment === '')) {
    throw new RunpagesError('invalid-param', `${where} ${JSON.stringify(path)} has an empty part between dots`, {
      hint: 'Write dotted keys as a.b.c, without leading, trailing or doubled dots.',
    });
  }
  return segments;
}

/** The object's own value for `key` (never an inherited one such as `constructor`). */
export function ownValue<T>(object: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return object !== undefined && Object.hasOwn(object, key) ? object[key] : undefined;
}

/** Sets `key` as an own data property: a key named `__proto__` is stored as data, never as the prototype. */
export function setOwn<T>(object: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Sets `value` at `segments` inside `target`, creating (or replacing non-mapping) levels as own
 * properties.
 *
 * @example setPath(params, keyPath('optim.lr', '--param'), 0.1)
 */
export function setPath(target: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let level = target;
  for (const segment of segments.slice(0, -1)) {
    const next = ownValue(level, segment);
    if (isMapping(next)) level = next;
    else {
      const fresh: Record<string, unknown> = {};
      setOwn(level, segment, fresh);
      level = fresh;
    }
  }
  setOwn(level, segments.at(-1)!, value);
}

/**
 * Where `__proto__` is used as a key inside `value` (dotted paths, e.g. `params.model.__proto__`).
 * It cannot be kept as data: the schema's records drop it and most code would treat it as the
 * prototype, so the recorder refuses it instead of losing it silently. Other names (`constructor`,
 * `toString`) are ordinary keys.
 *
 * @example protoKeyPaths({ a: { __proto__: 1 } }, 'params') // ['params.a.__proto__'] (for a JSON-parsed object)
 */
export function protoKeyPaths(value: unknown, prefix: string): string[] {
  if (!isMapping(value)) return [];
  return Object.keys(value).flatMap((key) => {
    const path = `${prefix}.${key}`;
    return key === '__proto__' ? [path] : protoKeyPaths(value[key], path);
  });
}

/** Series of system metrics (src/record/system.ts) are named under this prefix. */
export const SYSTEM_SERIES_PREFIX = 'system/';

/**
 * Series names split into the job's own and the system's, each keeping its order: pages draw the
 * system's in a group of their own, after the job's.
 *
 * @example splitSystemSeries(['loss', 'system/cpu_percent', 'val/acc']) // { job: ['loss', 'val/acc'], system: ['system/cpu_percent'] }
 */
export function splitSystemSeries(names: readonly string[]): { job: string[]; system: string[] } {
  const job: string[] = [];
  const system: string[] = [];
  for (const name of names) (name.startsWith(SYSTEM_SERIES_PREFIX) ? system : job).push(name);
  return { job, system };
}
