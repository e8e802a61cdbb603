/**
 * A comparison as CSV (the /compare/ page's download and `/c/<slug>/comparison.csv`): one row per
 * metric (full precision, then its delta against the baseline) and per param, one column per run.
 * Pure.
 */
import type { Comparison } from './compare.ts';
import { csvCell } from './csv.ts';

/**
 * @example comparisonCsv(compareRuns(runs)) // "kind,key,label,brave-otter (01J…) [baseline],…\r\nmetric,val/acc,…"
 */
export function comparisonCsv(comparison: Comparison): string {
  const header = ['kind', 'key', 'label', ...comparison.runs.map((run, i) => `${run.name} (${run.id})${i === comparison.baseline ? ' [baseline]' : ''}`)];
  const lines = [header];
  const number = (value: number | undefined) => (value === undefined ? '' : String(value));
  for (const row of comparison.metrics) {
    lines.push(['metric', row.key, row.format.label, ...row.cells.map((cell) => number(cell.value))]);
    lines.push([
      'delta',
      row.key,
      `${row.format.label} minus the baseline`,
      ...row.cells.map((cell, i) => (i === comparison.baseline ? '' : number(cell.delta))),
    ]);
  }
  for (const row of comparison.params) lines.push(['param', row.key, '', ...row.values.map((value) => value ?? '')]);
  return `${lines.map((line) => line.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
