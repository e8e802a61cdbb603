import { describe, expect, it } from 'vitest';
import { paramImportance, type Feature } from '../../site/src/scripts/sweeps/importance.ts';

/** A fixed pseudo-random sequence (no Math.random: the same runs every time). */
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

function sweep(n: number) {
  const next = sequence(7);
  const lr = Float64Array.from({ length: n }, () => 10 ** (-4 + 3 * next()));
  const seed = Float64Array.from({ length: n }, (_, i) => i);
  const arch = Int32Array.from({ length: n }, () => Math.floor(next() * 3));
  const noise = Float64Array.from({ length: n }, () => next());
  // Accuracy peaks at lr = 1e-2.5 (not monotonic), vit is 0.1 better, seed does nothing.
  const acc = Float64Array.from({ length: n }, (_, i) => 0.9 - 0.05 * (Math.log10(lr[i]!) + 2.5) ** 2 + (arch[i] === 2 ? 0.1 : 0) + 0.002 * noise[i]!);
  const features: Feature[] = [
    { key: 'params.seed', kind: 'number', values: seed },
    { key: 'params.arch', kind: 'text', codes: arch },
    { key: 'params.lr', kind: 'number', values: lr },
  ];
  return { features, acc, lr, arch };
}

describe('paramImportance', () => {
  it('credits the params that drive the metric and not the seed, shares summing to 1', () => {
    const { features, acc } = sweep(400);
    const result = paramImportance(features, acc);
    expect(result.runs).toBe(400);
    expect(
      result.params
        .map((p) => p.key)
        .slice(0, 2)
        .sort(),
    ).toEqual(['params.arch', 'params.lr']);
    const byKey = Object.fromEntries(result.params.map((p) => [p.key, p]));
    expect(byKey['params.seed']!.importance).toBeLessThan(0.05);
    expect(byKey['params.lr']!.importance).toBeGreaterThan(0.2);
    expect(result.params.reduce((a, p) => a + p.importance, 0)).toBeCloseTo(1, 9);
    expect(result.explained).toBeGreaterThan(0.9);
  });

  it('sees a non-monotonic effect that the linear correlation misses', () => {
    const { features, acc } = sweep(400);
    const lr = paramImportance(features, acc).params.find((p) => p.key === 'params.lr')!;
    expect(Math.abs(lr.correlation!)).toBeLessThan(0.5);
    expect(lr.importance).toBeGreaterThan(0.2);
  });

  it('gives the sign of a linear relation and η (0..1) for a text param', () => {
    const x = Float64Array.from({ length: 50 }, (_, i) => i);
    const down = Float64Array.from(x, (v) => 10 - v);
    const codes = Int32Array.from(x, (v) => v % 2);
    const result = paramImportance(
      [
        { key: 'x', kind: 'number', values: x },
        { key: 't', kind: 'text', codes },
      ],
      down,
    );
    expect(result.params.find((p) => p.key === 'x')!.correlation).toBeCloseTo(-1, 9);
    const eta = result.params.find((p) => p.key === 't')!.correlation!;
    expect(eta).toBeGreaterThanOrEqual(0);
    expect(eta).toBeLessThan(0.1);
  });

  it('fits a large sweep on an evenly spaced subset, with the same verdict', () => {
    const { features, acc } = sweep(3000);
    const all = paramImportance(features, acc, { maxRows: 3000 });
    const subset = paramImportance(features, acc, { maxRows: 500 });
    expect([all.fitted, subset.fitted, subset.runs]).toEqual([3000, 500, 3000]);
    expect(subset.params.map((p) => p.key)).toEqual(all.params.map((p) => p.key));
    // Correlations always use every run.
    expect(subset.params.map((p) => p.correlation)).toEqual(all.params.map((p) => p.correlation));
  });

  it('skips runs without a goal value and params missing on some runs', () => {
    const values = Float64Array.from([1, 2, NaN, 4, 5, 6]);
    const target = Float64Array.from([1, 2, 3, NaN, 5, 6]);
    const result = paramImportance([{ key: 'x', kind: 'number', values }], target);
    expect(result.runs).toBe(5);
    expect(result.params[0]!.correlation).toBeCloseTo(1, 9);
    expect(result.params[0]!.importance).toBe(1);
  });

  it('is the same for the same runs, and reports nothing for a constant goal or no runs', () => {
    const { features, acc } = sweep(200);
    expect(paramImportance(features, acc)).toEqual(paramImportance(features, acc));
    const flat = paramImportance(features, new Float64Array(200).fill(0.5));
    expect(flat.explained).toBe(0);
    expect(flat.params.every((p) => p.importance === 0 && p.correlation === undefined)).toBe(true);
    expect(paramImportance(features, new Float64Array(0)).runs).toBe(0);
  });
});
