/**
 * The data the ad hoc comparison page fetches for one run: the record without what a
 * comparison never shows, and each series thinned to {@link MAX_POINTS} points and packed (see
 * {@link PackedSeries}). GitHub Pages allows about 10 KB a run at 100k runs; four series of 1,000
 * points were about 6.4 KB as plain rounded arrays, packed under 4 KB.
 * Pure: the build packs, the browser unpacks.
 */
import type { RunRecord, SeriesData } from '../run/schema.ts';

export const COMPARE_DATA_SCHEMA = 'runpages/compare-data@1';

/** Points per series: an overlay chart a few hundred pixels wide shows no more. */
export const MAX_POINTS = 100;

/** Value levels between a series' minimum and maximum: finer than a chart's pixels. */
export const LEVELS = 4096;

/** Runs per data shard, on average: 32 runs of about 5 KB are a 160 KB file (about 60 KB gzip). */
export const RUN_DATA_SHARD_RUNS = 32;

export const RUN_DATA_SHARD_SCHEMA = 'runpages/run-data-shard@1';

/**
 * A file of run data, `compare/data/<k>.json`: many runs to a file, because at 10k to 100k runs a
 * file per run costs more to write and deploy than its bytes. Which file holds a run follows from
 * its id and the site's run count alone (see {@link runDataShard}), so no index is fetched first.
 */
export interface RunDataShard {
  schema: typeof RUN_DATA_SHARD_SCHEMA;
  runs: Record<string, CompareData>;
}

/**
 * Number of data shards for a site of `runs` runs: a power of two, so it changes only when the site
 * doubles, and a new run changes one shard (an incremental build rewrites one file).
 */
export function runDataShardCount(runs: number): number {
  let count = 1;
  while (count * RUN_DATA_SHARD_RUNS < runs) count *= 2;
  return count;
}

/** The shard holding run `id` in a site of `shardCount` shards (FNV-1a of the id). */
export function runDataShard(id: string, shardCount: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shardCount;
}

/** Record fields a comparison does not use. */
const OMITTED = new Set(['artifacts', 'notes', 'output_tail', 'command', 'series']);

/**
 * A packed series. `step` holds differences from the previous step, run-length encoded as pairs
 * `[difference, repeats, ...]`, so regular steps cost four numbers; `time` differences in tenths of a
 * second since the first point (wall times jitter: run-length encoding would only double them). `value` is levels `0..LEVELS-1` between `lo` and `hi`, as differences from the previous
 * finite level; `null` for NaN and infinities (JSON has neither).
 */
export interface PackedSeries {
  step: number[];
  value: { lo: number; hi: number; q: (number | null)[] };
  time?: number[];
}

export interface CompareData {
  schema: typeof COMPARE_DATA_SCHEMA;
  record: Record<string, unknown>;
  series: Record<string, PackedSeries>;
}

/**
 * The comparison data of one run.
 *
 * @example JSON.stringify(compareData(run.record, series), finiteOrNull)
 */
export function compareData(record: RunRecord, series: Record<string, SeriesData>): CompareData {
  return {
    schema: COMPARE_DATA_SCHEMA,
    record: Object.fromEntries(Object.entries(record).filter(([key]) => !OMITTED.has(key))),
    series: Object.fromEntries(Object.entries(series).map(([name, s]) => [name, packSeries(s)])),
  };
}

/** Every k-th point, always keeping the last (the branch already kept extremes per bucket), packed. */
export function packSeries(series: SeriesData): PackedSeries {
  const n = series.step.length;
  const stride = Math.max(1, Math.ceil(n / MAX_POINTS));
  const keep = [...Array(n).keys()].filter((i) => i % stride === 0 || i === n - 1);
  const packed: PackedSeries = { step: runs(deltas(keep.map((i) => series.step[i]!))), value: quantize(keep.map((i) => series.value[i]!)) };
  if (series.time) {
    const start = series.time[0] ?? 0;
    packed.time = deltas(keep.map((i) => Math.round((series.time![i]! - start) * 10)));
  }
  return packed;
}

/** The series a packed one stands for (times in seconds since its first point, NaN for `null` values). */
export function unpackSeries(packed: PackedSeries): SeriesData {
  return {
    step: sums(unruns(packed.step)),
    value: dequantize(packed.value),
    ...(packed.time ? { time: sums(packed.time).map((tenths) => tenths / 10) } : {}),
  };
}

function quantize(values: number[]): PackedSeries['value'] {
  const finite = values.filter((value) => Number.isFinite(value));
  const lo = finite.length > 0 ? Math.min(...finite) : 0;
  const hi = finite.length > 0 ? Math.max(...finite) : 0;
  const scale = hi > lo ? (LEVELS - 1) / (hi - lo) : 0;
  let previous = 0;
  const q = values.map((value) => {
    if (!Number.isFinite(value)) return null;
    const level = Math.round((value - lo) * scale);
    const delta = level - previous;
    previous = level;
    return delta;
  });
  return { lo, hi, q };
}

function dequantize({ lo, hi, q }: PackedSeries['value']): number[] {
  const step = (hi - lo) / (LEVELS - 1);
  let level = 0;
  // The page's JSON reader turns every null into NaN: both mean "not a number" here.
  return q.map((delta) => (delta === null || Number.isNaN(delta) ? Number.NaN : lo + (level += delta) * step));
}

function deltas(values: number[]): number[] {
  return values.map((value, i) => (i === 0 ? value : value - values[i - 1]!));
}

function sums(values: number[]): number[] {
  let total = 0;
  return values.map((value) => (total += value));
}

/** `[5, 5, 5, 2]` as `[5, 3, 2, 1]`: each value and how many times it repeats. */
function runs(values: number[]): number[] {
  const out: number[] = [];
  for (const value of values) {
    if (out.length > 0 && out[out.length - 2] === value) out[out.length - 1]! += 1;
    else out.push(value, 1);
  }
  return out;
}

function unruns(pairs: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < pairs.length; i += 2) for (let k = 0; k < pairs[i + 1]!; k++) out.push(pairs[i]!);
  return out;
}
