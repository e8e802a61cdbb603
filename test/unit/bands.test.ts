import { describe, expect, it } from 'vitest';
import { groupBand } from '../../site/src/scripts/sweeps/bands.ts';

describe('groupBand', () => {
  it('gives the mean with a ±1 standard deviation band at shared steps', () => {
    const band = groupBand(
      [
        { step: [0, 10, 20], value: [1, 2, 3] },
        { step: [0, 10, 20], value: [3, 4, 5] },
      ],
      'std',
    );
    expect(band.map((p) => p.x)).toEqual([0, 10, 20]);
    expect(band.map((p) => p.mean)).toEqual([2, 3, 4]);
    expect(band[0]!.hi - band[0]!.mean).toBeCloseTo(Math.SQRT2, 9);
    expect(band.every((p) => p.n === 2)).toBe(true);
  });

  it('gives min and max, reads each run at its last value before x, and counts only runs that reach x', () => {
    const band = groupBand(
      [
        { step: [0, 10], value: [1, 5] },
        { step: [0, 5, 20], value: [2, 0, 9] },
      ],
      'minmax',
    );
    expect(band.map((p) => [p.x, p.lo, p.hi, p.n])).toEqual([
      [0, 1, 2, 2],
      [5, 0, 1, 2],
      [10, 0, 5, 2],
      [20, 9, 9, 1],
    ]);
  });

  it('spreads long curves over an even grid and skips non-finite points', () => {
    const step = Array.from({ length: 1000 }, (_, i) => i);
    const band = groupBand([{ step, value: step.map((s) => (s === 500 ? NaN : s)) }], 'std', 50);
    expect(band).toHaveLength(50);
    expect(band[0]!.x).toBe(0);
    expect(band.at(-1)!.x).toBe(999);
    expect(band.every((p) => Number.isFinite(p.mean) && p.lo === p.mean)).toBe(true);
    expect(groupBand([{ step: [1], value: [NaN] }], 'std')).toEqual([]);
  });
});
