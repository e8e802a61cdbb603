/**
 * The run table's column model in the browser: decodes the table JSON (src/index/table.ts) into typed
 * arrays and sorts, groups and aggregates row indexes over them. Pure (no DOM), so it is unit-tested
 * in Node and fast at 100k rows (docs/design.md#measured-facts: typed arrays filter in ~1 ms, sort an index in ~50 ms).
 */
import type { ColumnData, ColumnInfo } from '../../../../src/index/table.ts';

/** A decoded column. Numbers and times: `num` (NaN where missing, see `missing`); strings: `codes` into `dict`. */
export interface Column {
  info: ColumnInfo;
  num?: Float64Array;
  /** 1 where the run has no value (NaN alone cannot tell a missing value from a NaN metric). */
  missing?: Uint8Array;
  codes?: Int32Array;
  dict?: string[];
  /** Rank of each dictionary entry in natural order ("run-2" before "run-10"), for sorting by code. */
  rank?: Int32Array;
  tags?: number[][];
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Turns one column file into typed arrays. */
export function decodeColumn(info: ColumnInfo, data: ColumnData): Column {
  if (data.kind === 'string') {
    return { info, codes: Int32Array.from(data.codes), dict: data.dict, rank: rankOf(data.dict) };
  }
  if (data.kind === 'tags') {
    return { info, tags: data.codes, dict: data.dict, rank: rankOf(data.dict) };
  }
  const num = new Float64Array(data.values.length);
  const missing = new Uint8Array(data.values.length);
  // Times are deltas from the previous present value (see src/index/table.ts).
  const delta = data.kind === 'time';
  let previous = 0;
  data.values.forEach((value, row) => {
    if (value === null) {
      num[row] = NaN;
      missing[row] = 1;
    } else {
      const n = typeof value === 'number' ? value : Number(value);
      num[row] = delta ? (previous += n) : n;
    }
  });
  return { info, num, missing };
}

function rankOf(dict: string[]): Int32Array {
  const order = dict.map((_, i) => i).sort((a, b) => collator.compare(dict[a]!, dict[b]!) || (dict[a]! < dict[b]! ? -1 : 1));
  const rank = new Int32Array(dict.length);
  order.forEach((code, position) => (rank[code] = position));
  return rank;
}

/** Whether `row` has a value in `column`. */
export function hasValue(column: Column, row: number): boolean {
  if (column.missing) return column.missing[row] === 0;
  if (column.codes) return column.codes[row]! >= 0;
  return (column.tags?.[row]?.length ?? 0) > 0;
}

/** The raw value of a cell: number, string, list of tags, or undefined when missing. */
export function valueAt(column: Column, row: number): number | string | string[] | undefined {
  if (!hasValue(column, row)) return undefined;
  if (column.num) return column.num[row];
  if (column.codes) return column.dict![column.codes[row]!];
  return column.tags![row]!.map((code) => column.dict![code]!);
}

export interface SortKey {
  column: Column;
  desc: boolean;
}

/**
 * Sorts row indexes by several keys; missing values go last in either direction, ties keep the
 * incoming order (newest first), so the result is deterministic.
 */
export function sortRows(rows: Uint32Array, keys: readonly SortKey[]): Uint32Array {
  if (keys.length === 0) return rows;
  let maxRow = 0;
  let ascending = true;
  for (let i = 0; i < rows.length; i++) {
    if (rows[i]! > maxRow) maxRow = rows[i]!;
    if (i > 0 && rows[i]! < rows[i - 1]!) ascending = false;
  }
  // Each key becomes one number per row (direction and "missing last" folded in), so the comparator
  // is a few array reads. Two missing values subtract to NaN, which counts as a tie.
  const ranks = keys.map((key) => sortKeyOf(key, maxRow + 1));
  let tie: (a: number, b: number) => number = (a, b) => a - b;
  if (!ascending) {
    const position = new Uint32Array(maxRow + 1);
    rows.forEach((row, i) => (position[row] = i));
    tie = (a, b) => position[a]! - position[b]!;
  }
  const sorted = rows.slice();
  if (ranks.length === 1) {
    const rank = ranks[0]!;
    return sorted.sort((a, b) => rank[a]! - rank[b]! || tie(a, b));
  }
  return sorted.sort((a, b) => {
    for (const rank of ranks) {
      const c = rank[a]! - rank[b]!;
      if (c < 0 || c > 0) return c;
    }
    return tie(a, b);
  });
}

/** Per-row sort values: ascending order of the key; NaN after numbers, missing values after all. */
function sortKeyOf({ column, desc }: SortKey, length: number): Float64Array {
  const sign = desc ? -1 : 1;
  const rank = new Float64Array(length);
  for (let row = 0; row < length; row++) {
    if (!hasValue(column, row)) {
      rank[row] = Infinity;
      continue;
    }
    let value: number;
    if (column.num) value = column.num[row]!;
    else if (column.codes) value = column.rank![column.codes[row]!]!;
    else value = Math.min(...column.tags![row]!.map((code) => column.rank![code]!));
    const signed = sign * value;
    // Infinity marks missing values: an infinite metric sorts just before NaN and missing values.
    rank[row] = Number.isNaN(value) ? Number.MAX_VALUE : signed === Infinity ? Number.MAX_VALUE / 2 : signed;
  }
  return rank;
}

/** Rows `0..count-1` for which `keep(row)` holds. */
export function filterRows(count: number, keep: (row: number) => boolean): Uint32Array {
  const out = new Uint32Array(count);
  let n = 0;
  for (let row = 0; row < count; row++) if (keep(row)) out[n++] = row;
  return out.slice(0, n);
}

export interface Group {
  /** Display text of the group's value; `(none)` for runs without one. */
  label: string;
  rows: Uint32Array;
  /** Mean and best of the goal metric over the group's runs that have it. */
  mean?: number;
  best?: number;
}

/**
 * Splits sorted rows into groups by the value of `column`, keeping the row order inside each group.
 * Groups are ordered by their value (natural order, missing last); a run appears once per tag.
 */
export function groupRows(rows: Uint32Array, column: Column, goal?: { column: Column; direction: 'max' | 'min' }): Group[] {
  const buckets = new Map<string, number[]>();
  const sortValue = new Map<string, number>();
  const add = (label: string, order: number, row: number) => {
    let bucket = buckets.get(label);
    if (!bucket) {
      buckets.set(label, (bucket = []));
      sortValue.set(label, order);
    }
    bucket.push(row);
  };
  for (const row of rows) {
    if (!hasValue(column, row)) add(NONE, Infinity, row);
    else if (column.num) add(String(column.num[row]), column.num[row]!, row);
    else if (column.codes) add(column.dict![column.codes[row]!]!, column.rank![column.codes[row]!]!, row);
    else for (const code of column.tags![row]!) add(column.dict![code]!, column.rank![code]!, row);
  }
  const labels = [...buckets.keys()].sort((a, b) => sortValue.get(a)! - sortValue.get(b)! || collator.compare(a, b));
  return labels.map((label) => {
    const groupRowsOf = Uint32Array.from(buckets.get(label)!);
    return { label, rows: groupRowsOf, ...(goal ? aggregate(groupRowsOf, goal.column, goal.direction) : {}) };
  });
}

export const NONE = '(none)';

/** Mean and best (per `direction`) of a numeric column over `rows`, ignoring missing and non-finite values. */
export function aggregate(rows: Uint32Array, column: Column, direction: 'max' | 'min'): { mean?: number; best?: number } {
  if (!column.num) return {};
  let sum = 0;
  let n = 0;
  let best: number | undefined;
  for (const row of rows) {
    const value = column.num[row]!;
    if (column.missing![row] || !Number.isFinite(value)) continue;
    sum += value;
    n++;
    if (best === undefined || (direction === 'max' ? value > best : value < best)) best = value;
  }
  return n === 0 ? {} : { mean: sum / n, best: best! };
}
