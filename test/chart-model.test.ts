/**
 * The interactive chart's arithmetic (site/src/scripts/chart/model.ts): which x axes runs offer,
 * TensorBoard's debiased smoothing, scales and the nearest point, without a browser.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linePoints, nearest, niceTicks, scale, smooth, xAxes, type RunLine } from '../site/src/scripts/chart/model.ts';

const line = (over: Partial<RunLine> = {}): RunLine => ({
  id: 'a',
  name: 'calm-fox-1',
  color: '#000',
  series: { step: [0, 10, 20], value: [1, 0.5, 0.25], time: [0, 30, 60] },
  startMs: Date.parse('2026-11-01T10:00:00Z'),
  others: { epoch: { step: [0, 10, 20], value: [0, 1, 2] } },
  ...over,
});

describe('xAxes', () => {
  it('offers step, relative and wall time, and growing series every run logged', () => {
    expect(xAxes([line(), line({ id: 'b' })]).map((axis) => axis.key)).toEqual(['step', 'time', 'wall', 'series:epoch']);
  });

  it('leaves out times when a run has none, and series that do not only grow', () => {
    const untimed = line({ series: { step: [0, 1], value: [1, 2] }, others: { noise: { step: [0, 1], value: [2, 1] } } });
    expect(xAxes([line(), untimed]).map((axis) => axis.key)).toEqual(['step']);
  });

  it('puts each point at its epoch on the epoch axis, and at start + time on the wall axis', () => {
    const [epoch, wall] = [xAxes([line()])[3]!, xAxes([line()])[2]!];
    expect(linePoints(line(), epoch).map((p) => p.x)).toEqual([0, 1, 2]);
    expect(linePoints(line(), wall).map((p) => new Date(p.x).toISOString())).toEqual([
      '2026-11-01T10:00:00.000Z',
      '2026-11-01T10:00:30.000Z',
      '2026-11-01T10:01:00.000Z',
    ]);
  });
});

describe('smooth', () => {
  it('is the identity at weight 0 and starts at the first value (debiased) otherwise', () => {
    expect(smooth([3, 1, 2], 0)).toEqual([3, 1, 2]);
    expect(smooth([3, 1, 2], 0.9)[0]).toBeCloseTo(3);
  });

  it('stays within the range of the values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.double({ min: 0, max: 0.99, noNaN: true }),
        (values, weight) => {
          const lo = Math.min(...values);
          const hi = Math.max(...values);
          const tolerance = 1e-6 * Math.max(1, Math.abs(lo), Math.abs(hi));
          return smooth(values, weight).every((v) => v >= lo - tolerance && v <= hi + tolerance);
        },
      ),
    );
  });
});

describe('scales', () => {
  it('maps the domain onto the range and back, linear and log', () => {
    const linear = scale([0, 10], [0, 100]);
    expect(linear(5)).toBe(50);
    expect(linear.invert(50)).toBe(5);
    const log = scale([1, 100], [0, 100], true);
    expect(log(10)).toBeCloseTo(50);
    expect(log.ticks).toEqual([1, 10, 100]);
  });

  it('writes round ticks', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('finds the nearest point in x order', () => {
    const points = [0, 10, 20].map((x) => ({ x, y: 0 }));
    expect(nearest(points, 14)).toBe(1);
    expect(nearest(points, 16)).toBe(2);
    expect(nearest([], 1)).toBeUndefined();
  });
});
