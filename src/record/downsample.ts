/**
 * Series downsampling for the branch: at most `maxPoints` points per series, keeping the minimum and
 * the maximum of every bucket so spikes and dips survive (a loss spike must not vanish from a chart).
 */
import { MAX_STORED_POINTS } from '../run/limits.ts';
import type { SeriesData } from '../run/schema.ts';

/** Half-open index ranges `[start, end)` that the points between the first and the last are split into. */
export function downsampleBuckets(length: number, maxPoints: number = MAX_STORED_POINTS): Array<[number, number]> {
  if (length <= maxPoints) return [];
  const inner = length - 2;
  const count = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const buckets: Array<[number, number]> = [];
  for (let b = 0; b < count; b++) {
    const start = 1 + Math.floor((b * inner) / count);
    const end = 1 + Math.floor(((b + 1) * inner) / count);
    if (end > start) buckets.push([start, end]);
  }
  return buckets;
}

/**
 * Indices of the points to keep, ascending: all of them when there are at most `maxPoints`; otherwise
 * the first, the last, and each bucket's minimum and maximum (NaN is ignored when finding them; a
 * bucket of only NaN keeps its first point). `maxPoints` must be at least 4.
 */
export function downsampleIndices(values: ArrayLike<number>, maxPoints: number = MAX_STORED_POINTS): number[] {
  const length = values.length;
  if (length <= maxPoints) return Array.from({ length }, (_, i) => i);
  const keep = [0];
  for (const [start, end] of downsampleBuckets(length, maxPoints)) {
    let lo = -1;
    let hi = -1;
    for (let i = start; i < end; i++) {
      const v = values[i]!;
      if (Number.isNaN(v)) continue;
      if (lo < 0 || v < values[lo]!) lo = i;
      if (hi < 0 || v > values[hi]!) hi = i;
    }
    if (lo < 0) keep.push(start);
    else if (lo === hi) keep.push(lo);
    else keep.push(Math.min(lo, hi), Math.max(lo, hi));
  }
  keep.push(length - 1);
  return keep;
}

/**
 * A series reduced to at most `maxPoints` points by {@link downsampleIndices}; returned as is when
 * it is already small enough.
 *
 * @example
 * downsample({ step: [...], value: [...] }, 1000).value.length <= 1000
 */
export function downsample(series: SeriesData, maxPoints: number = MAX_STORED_POINTS): SeriesData {
  if (series.value.length <= maxPoints) return series;
  const indices = downsampleIndices(series.value, maxPoints);
  const pick = (column: number[]): number[] => indices.map((i) => column[i]!);
  const { time } = series;
  return { step: pick(series.step), value: pick(series.value), ...(time === undefined ? {} : { time: pick(time) }) };
}
