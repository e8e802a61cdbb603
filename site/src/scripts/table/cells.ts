/**
 * What a table cell shows: text, an optional tooltip and a class, from a decoded column. Pure and
 * shared by the server-rendered first view and the browser, so both format alike.
 */
import type { MetricDisplay } from '../../../../src/config.ts';
import { formatDateTime, formatDuration, formatMetric, formatNumber, formatRelative } from '../../../../src/site/format.ts';
import { hasValue, type Column } from './columns.ts';

export interface Cell {
  text: string;
  /** Full value on hover (absolute time, unrounded number). */
  title?: string;
  /** `num` right-aligns with tabular figures; `status-<s>` draws a badge; `missing` greys a dash. */
  className: string;
}

const MISSING: Cell = { text: '–', className: 'missing' };

/** How a time column reads: "2 weeks ago", or "20 Nov 14:05" when relative times would all read alike. */
export type TimeStyle = 'relative' | 'date';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Relative times unless the earliest and latest of `rows` would read the same ("2 weeks ago" on
 * every row says nothing): then dates with times.
 */
export function timeStyleOf(column: Column, rows: ArrayLike<number>, now: Date): TimeStyle {
  if (column.info.kind !== 'time' || !column.num) return 'relative';
  let lo = Infinity;
  let hi = -Infinity;
  let n = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (!hasValue(column, row)) continue;
    const v = column.num[row]!;
    n++;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (n < 2 || lo === hi) return 'relative';
  const read = (seconds: number) => formatRelative(new Date(seconds * 1000).toISOString(), now);
  return read(lo) === read(hi) ? 'date' : 'relative';
}

/** A short UTC date and time for a table cell: "20 Nov 14:05" (with the year when not `now`'s). */
function shortDateTime(date: Date, now: Date): string {
  const hh = String(date.getUTCHours()).padStart(2, '0');
  const mm = String(date.getUTCMinutes()).padStart(2, '0');
  const year = date.getUTCFullYear() === now.getUTCFullYear() ? '' : ` ${date.getUTCFullYear()}`;
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}${year} ${hh}:${mm}`;
}

/**
 * The cell of `row` in `column`; `now` makes relative times reproducible (the build's clock at build
 * time, the browser's clock after).
 */
export function cellOf(column: Column, row: number, now: Date, display?: MetricDisplay, timeStyle: TimeStyle = 'relative'): Cell {
  if (!hasValue(column, row)) return column.num ? { ...MISSING, className: 'num missing' } : MISSING;
  const { key, kind } = column.info;
  if (column.num) {
    const value = column.num[row]!;
    if (kind === 'time') {
      const iso = new Date(value * 1000).toISOString();
      if (timeStyle === 'date')
        return { text: shortDateTime(new Date(iso), now), title: `${formatDateTime(iso)} (${formatRelative(iso, now)})`, className: 'time' };
      return { text: formatRelative(iso, now), title: formatDateTime(iso), className: 'time' };
    }
    if (key === 'duration') return { text: formatDuration(value), className: 'num' };
    const text = display ? formatMetric(value, display) : formatNumber(value);
    return { text, title: String(value), className: 'num' };
  }
  if (column.codes) {
    const text = column.dict![column.codes[row]!]!;
    return key === 'status' ? { text, className: `badge status-${text}` } : { text, className: 'text' };
  }
  const tags = column.tags![row]!.map((code) => column.dict![code]!);
  return { text: tags.join(', '), className: 'tags' };
}

/** The value of a cell as exported to CSV: full precision numbers, ISO times, raw text. */
export function exportValue(column: Column, row: number): string {
  if (!hasValue(column, row)) return '';
  if (column.num) {
    const value = column.num[row]!;
    return column.info.kind === 'time' ? new Date(value * 1000).toISOString() : String(value);
  }
  if (column.codes) return column.dict![column.codes[row]!]!;
  return column.tags![row]!.map((code) => column.dict![code]!).join(' ');
}
