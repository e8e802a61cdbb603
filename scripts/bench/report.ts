/**
 * The benchmark's result rows and the one table they print as. A figure that could not be measured
 * (the code is not there yet, a tool is missing) is a row with `value: null` and the reason, so the
 * harness runs from day one and says what it skipped.
 */

export interface ResultRow {
  section: string;
  metric: string;
  /** The measured figure; null when not measured (see `note`). */
  value: number | null;
  unit: string;
  /** The figure it is compared with (the raw git floor, the bare Astro build), when there is one. */
  reference?: number | null;
  /** value / reference. */
  ratio?: number | null;
  /** The goal from issue 5, as text (`<= 3x`), and whether it is met. */
  target?: string;
  met?: boolean;
  note?: string;
}

/** A row for a figure that could not be measured, with the reason. */
export function notAvailable(section: string, metric: string, unit: string, reason: string): ResultRow {
  return { section, metric, value: null, unit, note: `n/a (${reason})` };
}

/** A measured row; `limit` checks `value` (or the ratio when there is a reference) against a goal. */
export function measured(
  section: string,
  metric: string,
  value: number,
  unit: string,
  extra: { reference?: number | null; limit?: number; note?: string } = {},
): ResultRow {
  const row: ResultRow = { section, metric, value, unit };
  if (extra.reference !== undefined) {
    row.reference = extra.reference;
    row.ratio = extra.reference === null || extra.reference === 0 ? null : value / extra.reference;
  }
  if (extra.limit !== undefined) {
    const checked = row.ratio !== undefined ? row.ratio : value;
    row.target = row.ratio !== undefined ? `<= ${extra.limit}x` : `<= ${extra.limit} ${unit}`;
    if (checked !== null) row.met = checked <= extra.limit;
  }
  if (extra.note !== undefined) row.note = extra.note;
  return row;
}

/** The middle value (mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function show(value: number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

/** Formats rows as one aligned plain-text table. */
export function formatTable(rows: readonly ResultRow[]): string {
  const header = ['section', 'metric', 'value', 'unit', 'reference', 'ratio', 'target', 'note'];
  const body = rows.map((row) => [
    row.section,
    row.metric,
    row.value === null ? 'n/a' : show(row.value),
    row.unit,
    show(row.reference),
    row.ratio === undefined || row.ratio === null ? '' : `${row.ratio.toFixed(2)}x`,
    row.target === undefined ? '' : `${row.target}${row.met === undefined ? '' : row.met ? ' ok' : ' MISSED'}`,
    row.note ?? '',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => (cells[column] ?? '').length)));
  const numeric = new Set([2, 4, 5]);
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
