/**
 * Grouped curves: the runs of a group (say, every seed of one config) as one mean curve with a band,
 * ±1 standard deviation or min-max, as W&B and TensorBoard draw them. Runs rarely log at the same
 * steps, so each run is read at common x positions (its last value at or before x, within the run's
 * own range); a position counts the runs that reach it. Pure.
 */

export interface Curve {
  step: readonly number[];
  value: readonly number[];
}

export interface BandPoint {
  x: number;
  mean: number;
  lo: number;
  hi: number;
  /** Runs that have a value at x. */
  n: number;
}

export type BandKind = 'std' | 'minmax';

/**
 * The mean and band of `curves` at up to `points` positions evenly spread over their steps.
 *
 * @example groupBand([{ step: [0, 10], value: [1, 0.5] }, { step: [0, 10], value: [0.8, 0.3] }], 'std')
 */
export function groupBand(curves: readonly Curve[], kind: BandKind, points = 100): BandPoint[] {
  const clean = curves
    .map((curve) => {
      const step: number[] = [];
      const value: number[] = [];
      for (let i = 0; i < curve.step.length; i++) {
        if (Number.isFinite(curve.step[i]!) && Number.isFinite(curve.value[i]!)) {
          step.push(curve.step[i]!);
          value.push(curve.value[i]!);
        }
      }
      return { step, value };
    })
    .filter((curve) => curve.step.length > 0);
  if (clean.length === 0) return [];
  const lo = Math.min(...clean.map((c) => c.step[0]!));
  const hi = Math.max(...clean.map((c) => c.step[c.step.length - 1]!));
  // Every distinct step when there are few (runs logged once, or at the same steps), else an even grid.
  const distinct = [...new Set(clean.flatMap((c) => c.step))].sort((a, b) => a - b);
  const xs = distinct.length <= points ? distinct : Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
  const cursor = new Array<number>(clean.length).fill(0);
  const out: BandPoint[] = [];
  for (const x of xs) {
    let n = 0;
    let sum = 0;
    let sumSq = 0;
    let min = Infinity;
    let max = -Infinity;
    clean.forEach((curve, c) => {
      const last = curve.step.length - 1;
      if (x < curve.step[0]! || x > curve.step[last]!) return;
      while (cursor[c]! < last && curve.step[cursor[c]! + 1]! <= x) cursor[c]!++;
      const v = curve.value[cursor[c]!]!;
      n++;
      sum += v;
      sumSq += v * v;
      if (v < min) min = v;
      if (v > max) max = v;
    });
    if (n === 0) continue;
    const mean = sum / n;
    const std = n > 1 ? Math.sqrt(Math.max(0, (sumSq - n * mean * mean) / (n - 1))) : 0;
    out.push(kind === 'std' ? { x, mean, lo: mean - std, hi: mean + std, n } : { x, mean, lo: min, hi: max, n });
  }
  return out;
}
