/**
 * Brushes: ranges selected on the axes of the sweep view's parallel coordinates, which narrow the
 * table to the runs inside every one of them. A number column keeps `lo..hi`; a text column the
 * values brushed. URL form (the `brush` parameter, items joined by `,`, each percent-encoded):
 * `params.lr:0.001..0.01` or `params.arch:=resnet|vit`. Pure.
 */
import { hasValue, type Column } from './columns.ts';

export type Brush = { key: string; lo: number; hi: number } | { key: string; values: string[] };

/** One brush as its URL item (before percent-encoding). */
export function formatBrush(brush: Brush): string {
  if ('values' in brush) return `${brush.key}:=${brush.values.map((v) => encodeURIComponent(v)).join('|')}`;
  return `${brush.key}:${round(brush.lo)}..${round(brush.hi)}`;
}

/** A brush from its URL item, or undefined for text that is not one (a hand-edited link). */
export function parseBrush(item: string): Brush | undefined {
  const text = /^(.+):=(.*)$/.exec(item);
  if (text) return { key: text[1]!, values: text[2]!.split('|').map(decode) };
  const range = /^(.+):(-?[\d.e+-]+|-?Infinity)\.\.(-?[\d.e+-]+|-?Infinity)$/.exec(item);
  if (!range) return undefined;
  const lo = Number(range[2]);
  const hi = Number(range[3]);
  return Number.isNaN(lo) || Number.isNaN(hi) ? undefined : { key: range[1]!, lo: Math.min(lo, hi), hi: Math.max(lo, hi) };
}

/**
 * A predicate over rows: inside every brush. A run without a value on a brushed axis is outside; a
 * brush whose column is not loaded (or not in the table) keeps every row.
 */
export function brushFilter(brushes: readonly Brush[], columns: ReadonlyMap<string, Column>): (row: number) => boolean {
  const tests: ((row: number) => boolean)[] = [];
  for (const brush of brushes) {
    const column = columns.get(brush.key);
    if (!column) continue;
    if ('values' in brush) {
      if (!column.codes) continue;
      const wanted = new Set(brush.values);
      const codes = new Uint8Array(column.dict!.length);
      column.dict!.forEach((value, code) => (codes[code] = wanted.has(value) ? 1 : 0));
      const { codes: rowCodes } = column;
      tests.push((row) => rowCodes[row]! >= 0 && codes[rowCodes[row]!] === 1);
    } else if (column.num) {
      const { num } = column;
      const { lo, hi } = brush;
      tests.push((row) => hasValue(column, row) && num[row]! >= lo && num[row]! <= hi);
    }
  }
  if (tests.length === 0) return () => true;
  return (row) => {
    for (const test of tests) if (!test(row)) return false;
    return true;
  };
}

/** Six significant digits: enough to reproduce a brush, short in a link. */
function round(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(6)) : value;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
