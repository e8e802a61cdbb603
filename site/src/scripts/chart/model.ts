/**
 * The interactive chart's arithmetic, free of the DOM: which x axes a set of runs can be drawn on,
 * the points of each line on one of them, TensorBoard's smoothing, scales, ticks and the value of
 * every run at a crosshair. live.ts draws and wires what this computes.
 */
import type { SeriesData } from '../../../../src/run/schema.ts';

/** One run's line as the chart receives it: the series drawn and the run's other series (for x axes). */
export interface RunLine {
  id: string;
  name: string;
  color: string;
  series: SeriesData;
  /** When the run started (ms since 1970), for the wall-time axis; times in `series` count from it. */
  startMs?: number;
  /** The run's other series by name, e.g. `epoch`, offered as x axes. */
  others: Record<string, SeriesData>;
}

/** An x axis: `step`, `time` (seconds since the run's first point), `wall` (date) or another series. */
export interface XAxis {
  key: string;
  label: string;
  kind: 'step' | 'time' | 'wall' | 'series';
}

export interface Point {
  x: number;
  y: number;
}

/** Series that make an x axis: logged by every run, never decreasing with the step (epoch, tokens seen). */
function monotone(series: SeriesData): boolean {
  for (let i = 1; i < series.value.length; i += 1) if (!(series.value[i]! >= series.value[i - 1]!)) return false;
  return series.value.length > 1;
}

/**
 * The x axes every line can be drawn on: the step always; times when every line logged them; wall
 * time when every run also has a start; other series that every run logged and that only grow.
 *
 * @example xAxes(lines).map((axis) => axis.key) // ['step', 'time', 'wall', 'epoch']
 */
export function xAxes(lines: readonly RunLine[], exclude?: string): XAxis[] {
  const axes: XAxis[] = [{ key: 'step', label: 'step', kind: 'step' }];
  if (lines.length === 0) return axes;
  const timed = lines.every((line) => line.series.time !== undefined && line.series.time.length === line.series.step.length);
  if (timed) axes.push({ key: 'time', label: 'relative time', kind: 'time' });
  if (timed && lines.every((line) => line.startMs !== undefined)) axes.push({ key: 'wall', label: 'wall time', kind: 'wall' });
  const first = lines[0]!;
  for (const name of Object.keys(first.others).sort()) {
    if (name === exclude) continue;
    if (lines.every((line) => line.others[name] !== undefined && monotone(line.others[name]!)))
      axes.push({ key: `series:${name}`, label: name, kind: 'series' });
  }
  return axes;
}

/** The value of `series` at `step`: its last point at or before the step (undefined before its first). */
function valueAt(series: SeriesData, step: number): number | undefined {
  let lo = 0;
  let hi = series.step.length - 1;
  let found: number | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (series.step[mid]! <= step) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found === undefined ? undefined : series.value[found];
}

/** A line's points on `axis`, finite ones only, in x order. Wall times are ms since 1970. */
export function linePoints(line: RunLine, axis: XAxis): Point[] {
  const { step, value, time } = line.series;
  const points: Point[] = [];
  for (let i = 0; i < step.length; i += 1) {
    const y = value[i]!;
    let x: number | undefined;
    if (axis.kind === 'step') x = step[i];
    else if (axis.kind === 'time') x = time?.[i];
    else if (axis.kind === 'wall') x = time?.[i] === undefined || line.startMs === undefined ? undefined : line.startMs + time[i]! * 1000;
    else {
      const other = line.others[axis.key.slice('series:'.length)];
      x = other ? valueAt(other, step[i]!) : undefined;
    }
    if (x !== undefined && Number.isFinite(x) && Number.isFinite(y)) points.push({ x, y });
  }
  return points.sort((a, b) => a.x - b.x);
}

/**
 * TensorBoard's smoothing: an exponential moving average, debiased so the first points are not
 * pulled towards zero. `weight` 0 returns the values unchanged.
 *
 * @example smooth([1, 0, 0], 0.5) // [1, 0.333…, 0.142…]
 */
export function smooth(values: readonly number[], weight: number): number[] {
  if (weight <= 0) return [...values];
  let last = 0;
  let count = 0;
  return values.map((value) => {
    count += 1;
    last = last * weight + (1 - weight) * value;
    return last / (1 - weight ** count);
  });
}

/** A scale from data to view-box units. */
export interface Scale {
  (value: number): number;
  invert(position: number): number;
  ticks: number[];
}

/** About `count` round numbers spanning `[lo, hi]`. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** A linear or logarithmic scale of `domain` onto `range`; a zero-width domain is widened. */
export function scale(domain: [number, number], range: [number, number], log = false): Scale {
  let [lo, hi] = domain;
  if (!(hi > lo)) {
    const pad = Math.abs(lo) * 0.1 || 1;
    lo = log ? lo / 2 : lo - pad;
    hi = log ? hi * 2 : hi + pad;
  }
  const f = log ? Math.log10 : (v: number) => v;
  const g = log ? (v: number) => 10 ** v : (v: number) => v;
  const [a, b] = [f(lo), f(hi)];
  const [r0, r1] = range;
  const s = ((value: number) => r0 + ((f(value) - a) / (b - a)) * (r1 - r0)) as Scale;
  s.invert = (position) => g(a + ((position - r0) / (r1 - r0)) * (b - a));
  if (log) {
    const powers: number[] = [];
    for (let e = Math.ceil(a); e <= Math.floor(b); e += 1) powers.push(10 ** e);
    s.ticks = powers.length >= 2 ? powers : niceTicks(lo, hi, 4);
  } else s.ticks = niceTicks(lo, hi, 5);
  return s;
}

/** The index of the point nearest `x` in points sorted by x, or undefined when there are none. */
export function nearest(points: readonly Point[], x: number): number | undefined {
  if (points.length === 0) return undefined;
  let lo = 0;
  let hi = points.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.x <= x) lo = mid;
    else hi = mid;
  }
  return Math.abs(points[hi]!.x - x) < Math.abs(points[lo]!.x - x) ? hi : lo;
}

/** Every x any line has, sorted and distinct: the stops of the keyboard crosshair. */
export function stops(lines: readonly Point[][]): number[] {
  return [...new Set(lines.flatMap((points) => points.map((p) => p.x)))].sort((a, b) => a - b);
}
