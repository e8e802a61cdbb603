/** CSV export of the table's current view (RFC 4180 quoting). Pure. */
import { exportValue } from './cells.ts';
import type { Column } from './columns.ts';

/**
 * The rows of the current view, in order, with an `id` column first and one column per visible column.
 *
 * @example toCsv(ids, rows, columns) // "id,name,metrics.acc\r\n01J...,brave-otter,0.93\r\n"
 */
export function toCsv(ids: readonly string[], rows: Iterable<number>, columns: readonly Column[]): string {
  const lines = [['id', ...columns.map((c) => c.info.key)].map(quote).join(',')];
  for (const row of rows) lines.push([ids[row] ?? '', ...columns.map((c) => exportValue(c, row))].map(quote).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function quote(value: string): string {
  // A leading =, +, - or @ would run as a formula in spreadsheets; a quote mark keeps it text.
  const safe = /^[=+@\t\r]/.test(value) || (/^-/.test(value) && !/^-[\d.]/.test(value)) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
