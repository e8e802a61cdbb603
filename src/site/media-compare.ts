/**
 * Media of compared runs side by side (docs/design.md#media): for every media key any of the runs
 * logged, one column per run holding its items step by step, so one slider can show every run at
 * the same step, or the nearest one it logged. Confusion matrices also get their difference against
 * the baseline run, and curves of the same key are overlaid in one chart, per step. Pure: it reads
 * the run pages' media views (media-build.ts), which already hold verified site paths and SVGs.
 */
import type { ConfusionData, CurveData, MediaKind } from '../run/media.ts';
import { runColor } from '../report/colors.ts';
import type { MediaChartItem, MediaGroup, MediaImageItem, MediaTableItem, MediaTextItem, RunMediaView } from './media-view.ts';

/** One run's items of a key at one of its steps. */
export interface CompareMediaBlock {
  step?: number;
  items: Array<MediaImageItem | MediaChartItem | MediaTableItem | MediaTextItem>;
}

export interface CompareMediaColumn {
  runId: string;
  name: string;
  /** The run's steps of this key, in order; empty when the run did not log the key. */
  blocks: CompareMediaBlock[];
  /** Histograms: the run's histogram over steps (one chart, no slider). */
  svg?: string;
  missing?: string;
}

/** A confusion matrix of a run minus the baseline's, at one step of the key. */
export interface ConfusionDifference {
  runId: string;
  name: string;
  labels: string[];
  /** Row-normalised shares of the run minus those of the baseline, rows the true class. */
  delta: number[][];
}

export interface CompareMediaRow {
  key: string;
  kind: MediaKind;
  /** Every step any run logged this key at (undefined, a medium of the whole run, first). */
  steps: Array<number | undefined>;
  columns: CompareMediaColumn[];
  /** Confusion matrices, per step of {@link steps}: each other run against the baseline. */
  differences?: Array<{ step?: number; baseline: string; runs: ConfusionDifference[] }>;
  /** Curves, per step of {@link steps}: every run's curve at its nearest step, in one SVG. */
  overlays?: Array<{ step?: number; svg: string }>;
}

/** Draws curves of several runs in one chart (media-charts.ts `curveChart` at build time). */
export type OverlayChart = (curves: { label: string; data: CurveData }[], options: { title: string; colors: string[] }) => string;

export interface CompareMedia {
  rows: CompareMediaRow[];
  /** Every step of every row: what the one slider moves over. */
  steps: number[];
}

/**
 * The media rows of a comparison, keys sorted, runs in the comparison's order.
 *
 * @example
 * const media = compareMedia(comparison.runs, data.media, comparison.baseline, { overlay: curveChart });
 * media.rows[0].columns.map((column) => column.blocks.at(-1)) // each run's last step of the first key
 */
export function compareMedia(
  runs: readonly { id: string; name: string }[],
  views: ReadonlyMap<string, RunMediaView>,
  baseline = 0,
  options: { overlay?: OverlayChart } = {},
): CompareMedia {
  const keys = new Map<string, MediaKind>();
  for (const run of runs)
    for (const group of views.get(run.id)?.groups ?? []) if (!keys.has(`${group.kind}\0${group.key}`)) keys.set(`${group.kind}\0${group.key}`, group.kind);
  const rows: CompareMediaRow[] = [];
  const allSteps = new Set<number>();
  const sortedKeys = [...keys.keys()].sort((a, b) => {
    const [ka, kb] = [a.slice(a.indexOf('\0') + 1), b.slice(b.indexOf('\0') + 1)];
    return ka < kb ? -1 : ka > kb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  });
  for (const id of sortedKeys) {
    const kind = keys.get(id) as MediaKind;
    const key = id.slice(id.indexOf('\0') + 1);
    const columns = runs.map((run) =>
      column(
        run,
        views.get(run.id)?.groups.find((group) => group.kind === kind && group.key === key),
      ),
    );
    const steps = unionSteps(columns);
    for (const step of steps) if (step !== undefined) allSteps.add(step);
    const row: CompareMediaRow = { key, kind, steps, columns };
    if (kind === 'confusion_matrix' && runs.length > 1) row.differences = differences(row, baseline);
    if (kind === 'curve' && runs.length > 1 && options.overlay) row.overlays = overlays(row, options.overlay);
    rows.push(row);
  }
  return { rows, steps: [...allSteps].sort((a, b) => a - b) };
}

/**
 * The index of the block to show for `step`: the same step, else the nearest (the earlier on a tie);
 * a block of the whole run (no step) when the run logged only that.
 *
 * @example nearestBlock([{ step: 0 }, { step: 10 }], 6) // 1
 */
export function nearestBlock(blocks: readonly { step?: number }[], step: number | undefined): number {
  if (blocks.length === 0) return -1;
  if (step === undefined) return blocks.length - 1;
  let best = -1;
  let distance = Infinity;
  blocks.forEach((block, index) => {
    if (block.step === undefined) {
      if (best === -1) best = index;
      return;
    }
    const d = Math.abs(block.step - step);
    if (d < distance) {
      distance = d;
      best = index;
    }
  });
  return best;
}

function column(run: { id: string; name: string }, group: MediaGroup | undefined): CompareMediaColumn {
  const out: CompareMediaColumn = { runId: run.id, name: run.name, blocks: [] };
  if (!group) return out;
  if (group.kind === 'histogram') {
    if (group.svg) out.svg = group.svg;
    if (group.missing) out.missing = group.missing;
    return out;
  }
  for (const item of group.items) {
    const last = out.blocks.at(-1);
    if (last && last.step === item.step) last.items.push(item);
    else out.blocks.push({ ...(item.step === undefined ? {} : { step: item.step }), items: [item] });
  }
  return out;
}

function unionSteps(columns: readonly CompareMediaColumn[]): Array<number | undefined> {
  const steps = new Set<number | undefined>();
  for (const column of columns) for (const block of column.blocks) steps.add(block.step);
  return [...steps].sort((a, b) => (a === undefined ? -1 : b === undefined ? 1 : a - b));
}

/** The first chart item of a column at the step nearest `step`. */
function chartAt(column: CompareMediaColumn, step: number | undefined): MediaChartItem | undefined {
  const block = column.blocks[nearestBlock(column.blocks, step)];
  return block?.items[0] as MediaChartItem | undefined;
}

function differences(row: CompareMediaRow, baseline: number): CompareMediaRow['differences'] {
  const base = row.columns[baseline];
  if (!base) return undefined;
  const out: NonNullable<CompareMediaRow['differences']> = [];
  for (const step of row.steps) {
    const reference = chartAt(base, step)?.confusion;
    if (!reference) continue;
    const runs: ConfusionDifference[] = [];
    row.columns.forEach((column, index) => {
      if (index === baseline) return;
      const other = chartAt(column, step)?.confusion;
      if (other && sameLabels(other, reference)) runs.push({ runId: column.runId, name: column.name, labels: other.labels, delta: delta(other, reference) });
    });
    if (runs.length) out.push({ ...(step === undefined ? {} : { step }), baseline: base.name, runs });
  }
  return out.length ? out : undefined;
}

function sameLabels(a: ConfusionData, b: ConfusionData): boolean {
  return a.labels.length === b.labels.length && a.labels.every((label, i) => label === b.labels[i]);
}

/** Row shares of `a` minus those of `b`: matrices of different sizes of test set still compare. */
function delta(a: ConfusionData, b: ConfusionData): number[][] {
  const shares = (matrix: number[][]): number[][] =>
    matrix.map((row) => {
      const total = row.reduce((sum, count) => sum + count, 0);
      return row.map((count) => (total > 0 ? count / total : 0));
    });
  const [sa, sb] = [shares(a.matrix), shares(b.matrix)];
  return sa.map((row, i) => row.map((share, j) => share - (sb[i]?.[j] ?? 0)));
}

function overlays(row: CompareMediaRow, draw: OverlayChart): CompareMediaRow['overlays'] {
  const out: NonNullable<CompareMediaRow['overlays']> = [];
  for (const step of row.steps) {
    const curves: { label: string; data: NonNullable<MediaChartItem['curve']> }[] = [];
    const colors: string[] = [];
    row.columns.forEach((column, index) => {
      const curve = chartAt(column, step)?.curve;
      if (!curve) return;
      // Labels must be distinct for the colour scale: two runs may share a name.
      curves.push({ label: `${index + 1}. ${column.name}`, data: curve });
      colors.push(runColor(index));
    });
    if (curves.length > 1) out.push({ ...(step === undefined ? {} : { step }), svg: draw(curves, { title: row.key, colors }) });
  }
  return out.length ? out : undefined;
}
