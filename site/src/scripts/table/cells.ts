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

/**
 * The cell of `row` in `column`; `now` makes relative times reproducible (the build's clock at build
 * time, the browser's clock after).
 */
export function cellOf(column: Column, row: number, now: Date, display?: MetricDisplay): Cell {
  if (!hasValue(column, row)) return column.num ? { ...MISSING, className: 'num missing' } : MISSING;
  const { key, kind } = column.info;
  if (column.num) {
    const value = column.num[row]!;
    if (kind === 'time') {
      const iso = new Date(value * 1000).toISOString();
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
