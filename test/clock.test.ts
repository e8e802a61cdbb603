/**
 * The CLI's one clock: a pinned time wins over the real one, in a stated order, and a time that is
 * not a time is a clear error, not a silent "now".
 */
import { describe, expect, it } from 'vitest';
import { resolveNow } from '../src/cli/clock.ts';

const REAL = () => new Date('2030-01-01T00:00:00Z');

describe('resolveNow', () => {
  it('takes --now, then RUNPAGES_NOW, then SOURCE_DATE_EPOCH, then the real clock', () => {
    const env = { RUNPAGES_NOW: '2026-11-22T00:00:00Z', SOURCE_DATE_EPOCH: '1700000000' };
    expect(resolveNow({ flag: '2026-01-02T03:04:05Z', env, real: REAL }).toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(resolveNow({ env, real: REAL }).toISOString()).toBe('2026-11-22T00:00:00.000Z');
    expect(resolveNow({ env: { SOURCE_DATE_EPOCH: '1700000000' }, real: REAL }).toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(resolveNow({ env: {}, real: REAL }).toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  it('accepts Unix seconds and dates without a time, and ignores empty values', () => {
    expect(resolveNow({ env: { RUNPAGES_NOW: '0' }, real: REAL }).toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(resolveNow({ env: { RUNPAGES_NOW: '2026-11-22' }, real: REAL }).toISOString()).toBe('2026-11-22T00:00:00.000Z');
    expect(resolveNow({ env: { RUNPAGES_NOW: '' }, real: REAL }).toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  it('refuses a value that is not a time, naming where it came from', () => {
    expect(() => resolveNow({ env: { RUNPAGES_NOW: 'yesterday' }, real: REAL })).toThrow('RUNPAGES_NOW is "yesterday", which is not a time.');
    expect(() => resolveNow({ flag: '2026-13-45', env: {}, real: REAL })).toThrow('--now is "2026-13-45"');
  });
});
