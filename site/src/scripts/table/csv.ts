/** CSV export of the table's current view (RFC 4180 quoting, formula-safe cells: src/report/csv.ts). Pure. */
import { csvCell } from '../../../../src/report/csv.ts';
import { exportValue } from './cells.ts';
import type { Column } from './columns.ts';

/**
 * The rows of the current view, in order, with an `id` column first and one column per visible column.
 *
 * @example toCsv(ids, rows, columns) // "id,name,metrics.acc\r\n01J...,brave-otter,0.93\r\n"
 */
export function toCsv(ids: readonly string[], rows: Iterable<number>, columns: readonly Column[]): string {
  const lines = [['id', ...columns.map((c) => c.info.key)].map(csvCell).join(',')];
  for (const row of rows) lines.push([ids[row] ?? '', ...columns.map((c) => exportValue(c, row))].map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export { csvCell };
