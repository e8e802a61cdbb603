/**
 * Axes of the sweep charts: a table column mapped to 0..1 over the runs shown (numbers linearly, or
 * logarithmically when they are positive and span two decades, as learning rates do; text values
 * evenly spaced in natural order), with tick labels and the inverse a brush needs. Pure.
 */
import type { MetricDisplay } from '../../../../src/config.ts';
import { formatMetric, formatNumber } from '../../../../src/site/format.ts';
import { niceTicks } from '../chart/model.ts';
import { hasValue, type Column } from '../table/columns.ts';

export interface Axis {
  key: string;
  label: string;
  column: Column;
  kind: 'number' | 'text';
  log: boolean;
  /** Position 0 (bottom) .. 1 (top) of a row's value, NaN when the row has none. */
  position(row: number): number;
  /** Tick positions and their text. */
  ticks: { at: number; text: string }[];
  /** The value range (numbers) or the values (text) between two positions. */
  between(a: number, b: number): { lo: number; hi: number } | { values: string[] };
  /** Positions of a brush on this axis. */
  span(brush: { lo: number; hi: number } | { values: string[] }): [number, number] | undefined;
}

/** The axis of `column` over `rows`, or undefined when no row has a value. */
export function axisOf(column: Column, rows: ArrayLike<number>, label: string, display?: MetricDisplay): Axis | undefined {
  const key = column.info.key;
  if (column.num) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (!hasValue(column, row)) continue;
      const v = column.num[row]!;
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo > hi) return undefined;
    const log = lo > 0 && hi / lo >= 100;
    const f = log ? Math.log10 : (v: number) => v;
    let a = f(lo);
    let b = f(hi);
    if (!(b > a)) {
      a -= 0.5;
      b += 0.5;
    }
    const { num } = column;
    const text = (v: number) => (column.info.group === 'metric' ? formatMetric(v, display) : formatNumber(v));
    const raw = log ? decades(lo, hi) : niceTicks(lo, hi, 4);
    const ticks = (raw.length >= 2 ? raw : [lo, hi]).map((v) => ({ at: (f(v) - a) / (b - a), text: text(v) })).filter((t) => t.at >= -1e-9 && t.at <= 1 + 1e-9);
    const inverse = (p: number) => (log ? 10 ** (a + p * (b - a)) : a + p * (b - a));
    return {
      key,
      label,
      column,
      kind: 'number',
      log,
      position: (row) => {
        const v = num[row]!;
        return hasValue(column, row) && Number.isFinite(v) ? (f(v) - a) / (b - a) : NaN;
      },
      ticks,
      between: (p, q) => ({ lo: inverse(Math.min(p, q)), hi: inverse(Math.max(p, q)) }),
      span: (brush) => ('lo' in brush ? [(f(Math.max(brush.lo, log ? 1e-300 : brush.lo)) - a) / (b - a), (f(brush.hi) - a) / (b - a)] : undefined),
    };
  }
  if (!column.codes) return undefined;
  // Text: the values present, in natural order, evenly spaced (one value sits in the middle).
  const seen = new Uint8Array(column.dict!.length);
  for (let i = 0; i < rows.length; i++) {
    const code = column.codes[rows[i]!]!;
    if (code >= 0) seen[code] = 1;
  }
  const codes = [...seen.keys()].filter((code) => seen[code]).sort((x, y) => column.rank![x]! - column.rank![y]!);
  if (codes.length === 0) return undefined;
  const at = new Float64Array(column.dict!.length).fill(NaN);
  codes.forEach((code, i) => (at[code] = codes.length === 1 ? 0.5 : i / (codes.length - 1)));
  const { codes: rowCodes, dict } = column;
  return {
    key,
    label,
    column,
    kind: 'text',
    log: false,
    position: (row) => {
      const code = rowCodes[row]!;
      return code < 0 ? NaN : at[code]!;
    },
    ticks: codes.map((code) => ({ at: at[code]!, text: dict![code]! })),
    between: (p, q) => {
      const [lo, hi] = [Math.min(p, q), Math.max(p, q)];
      return { values: codes.filter((code) => at[code]! >= lo && at[code]! <= hi).map((code) => dict![code]!) };
    },
    span: (brush) => {
      if (!('values' in brush)) return undefined;
      const positions = brush.values.flatMap((value) => {
        const code = dict!.indexOf(value);
        return code >= 0 && !Number.isNaN(at[code]!) ? [at[code]!] : [];
      });
      if (positions.length === 0) return undefined;
      const pad = codes.length > 1 ? 0.25 / (codes.length - 1) : 0.1;
      return [Math.min(...positions) - pad, Math.max(...positions) + pad];
    },
  };
}

/** Powers of ten within [lo, hi], at most six (every other one past that). */
function decades(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.ceil(Math.log10(lo) - 1e-9); e <= Math.floor(Math.log10(hi) + 1e-9); e++) out.push(10 ** e);
  return out.length > 6 ? out.filter((_, i) => i % 2 === 0) : out;
}

/** Sequential colours (viridis), dark to bright: bright is better when colouring by the goal. */
export const RAMP = ['#440154', '#46327e', '#365c8d', '#277f8e', '#1fa187', '#4ac16d', '#a0da39', '#fde725'] as const;
