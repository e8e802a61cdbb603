/**
 * Structured media drawn to SVG at build time with Observable Plot (linkedom provides the DOM), like
 * the series charts (charts.ts): confusion matrices as heatmaps (counts and normalised by true
 * class), ROC / PR / custom curves, histograms over steps as a heatmap. Output is deterministic, uses
 * `currentColor` for axes, and carries no style attributes (the CSP allows no inline style).
 */
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import type { ConfusionData, CurveData, HistogramData } from '../run/media.ts';

/** Labels at most this many get their counts written in the cells. */
const MAX_LABELLED_CELLS = 20;

/**
 * A confusion matrix as a heatmap: rows the true class, columns the predicted one; `normalized`
 * shows each row as shares of its true class.
 *
 * @example confusionChart({ labels: ['cat', 'dog'], matrix: [[5, 1], [2, 7]] }, { normalized: true })
 */
export function confusionChart(data: ConfusionData, options: { normalized?: boolean; title: string }): string {
  const { labels, matrix } = data;
  const cells = matrix.flatMap((row, i) => {
    const total = row.reduce((sum, count) => sum + count, 0);
    return row.map((count, j) => ({ truth: labels[i] as string, predicted: labels[j] as string, count, share: total > 0 ? count / total : 0 }));
  });
  const value = options.normalized ? 'share' : 'count';
  const side = Math.max(220, Math.min(560, 60 + labels.length * 28));
  const marks: Plot.Markish[] = [Plot.cell(cells, { x: 'predicted', y: 'truth', fill: value, inset: 0.5 })];
  if (labels.length <= MAX_LABELLED_CELLS) {
    marks.push(
      Plot.text(cells, {
        x: 'predicted',
        y: 'truth',
        text: (d: (typeof cells)[number]) => (options.normalized ? `${Math.round(d.share * 100)}%` : String(d.count)),
        fill: (d: (typeof cells)[number]) => ((options.normalized ? d.share : d.count / maxOf(cells.map((c) => c.count))) > 0.55 ? 'white' : 'black'),
        fontSize: labels.length > 10 ? 8 : 11,
      }),
    );
  }
  return draw({
    width: side + 80,
    height: side,
    marginLeft: 80,
    marginBottom: 56,
    x: { label: 'predicted', domain: labels, tickRotate: labels.length > 6 ? -40 : 0 },
    y: { label: 'true', domain: labels },
    color: { scheme: 'blues', domain: options.normalized ? [0, 1] : [0, maxOf(cells.map((c) => c.count))] },
    marks,
    ariaLabel: `${options.title}: confusion matrix${options.normalized ? ', normalised by true class' : ''}`,
    ariaDescription: `${labels.length} classes; ${cells.filter((c) => c.truth === c.predicted).reduce((sum, c) => sum + c.count, 0)} of ${cells.reduce((sum, c) => sum + c.count, 0)} on the diagonal`,
  });
}

/** A curve (ROC with its chance diagonal, PR, or any x/y) on one chart; `curves` share the axes. */
export function curveChart(curves: readonly { label: string; data: CurveData }[], options: { title: string; colors?: readonly string[] }): string {
  const first = curves[0]?.data;
  const kind = first?.curve ?? 'custom';
  const rows = curves.flatMap(({ label, data }) => data.x.map((x, i) => ({ x, y: data.y[i] as number, run: label })));
  const unit = kind === 'roc' || kind === 'pr';
  const marks: Plot.Markish[] = [Plot.gridY({ strokeOpacity: 0.12 }), Plot.gridX({ strokeOpacity: 0.12 })];
  if (kind === 'roc')
    marks.push(
      Plot.line(
        [
          [0, 0],
          [1, 1],
        ],
        { stroke: 'currentColor', strokeOpacity: 0.35, strokeDasharray: '4,4' },
      ),
    );
  marks.push(
    Plot.line(rows, {
      x: 'x',
      y: 'y',
      z: 'run',
      stroke: curves.length > 1 ? 'run' : 'var(--chart-line, currentColor)',
      strokeWidth: 1.8,
      curve: kind === 'pr' ? 'step-after' : 'linear',
    }),
  );
  return draw({
    width: 420,
    height: 320,
    marginLeft: 48,
    marginBottom: 40,
    x: { label: first?.x_label ?? (kind === 'roc' ? 'false positive rate' : kind === 'pr' ? 'recall' : 'x'), ...(unit ? { domain: [0, 1] } : {}) },
    y: { label: first?.y_label ?? (kind === 'roc' ? 'true positive rate' : kind === 'pr' ? 'precision' : 'y'), ...(unit ? { domain: [0, 1] } : {}) },
    ...(curves.length > 1
      ? { color: { legend: false, ...(options.colors ? { domain: curves.map((curve) => curve.label), range: [...options.colors] } : {}) } }
      : {}),
    marks,
    ariaLabel: `${options.title}: ${kind === 'roc' ? 'ROC curve' : kind === 'pr' ? 'precision-recall curve' : 'curve'}`,
    ariaDescription: `${rows.length} points`,
  });
}

/**
 * Histograms over steps as a heatmap: one row per step (newest at the bottom), each bin's share of
 * its step's values as the colour, so a distribution's drift reads at a glance.
 */
export function histogramChart(steps: readonly { step: number | undefined; data: HistogramData }[], options: { title: string }): string {
  const rows = steps.flatMap(({ step, data }) => {
    const total = data.counts.reduce((sum, count) => sum + count, 0) || 1;
    return data.counts.map((count, i) => ({
      x1: data.bins[i] as number,
      x2: data.bins[i + 1] as number,
      step: step === undefined ? '–' : String(step),
      share: count / total,
    }));
  });
  const order = steps.map(({ step }) => (step === undefined ? '–' : String(step)));
  const height = Math.max(120, Math.min(480, 50 + new Set(order).size * 16));
  return draw({
    width: 560,
    height,
    marginLeft: 56,
    marginBottom: 36,
    x: { label: 'value', tickFormat: '~g', ticks: 6 },
    y: { label: 'step', domain: [...new Set(order)], ...(order.length > 24 ? { ticks: order.filter((_, i) => i % Math.ceil(order.length / 12) === 0) } : {}) },
    color: { scheme: 'viridis', type: 'sqrt' },
    marks: [Plot.barX(rows, { x1: 'x1', x2: 'x2', y: 'step', fill: 'share', inset: 0 })],
    ariaLabel: `${options.title}: histogram by step`,
    ariaDescription: `${steps.length} steps`,
  });
}

function draw(options: Plot.PlotOptions): string {
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const svg = Plot.plot({ ...options, document: document as unknown as Document });
  svg.setAttribute('role', 'img');
  svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
  return normalize(svg.outerHTML);
}

/** As charts.ts: CSS sizes the chart; no <style> or style attributes; coordinates rounded. */
function normalize(svg: string): string {
  return svg
    .replace(/^<svg[^>]*>/, (tag) => tag.replace(/ (width|height)="[^"]*"/g, ''))
    .replace(/<style>[^<]*<\/style>/g, '')
    .replace(/ style="[^"]*"/g, '')
    .replace(
      / (d|transform|x|y|x1|x2|y1|y2|width|height)="(-?[\d.]+(?:e-?\d+)?(?:[ ,]-?[\d.]+(?:e-?\d+)?)*)"/g,
      (_m, name: string, value: string) => ` ${name}="${value.replace(/-?\d+\.\d+(e-?\d+)?/g, (n) => String(Math.round(Number(n) * 10) / 10))}"`,
    )
    .replace(/ d="([^"]*)"/g, (_m, value: string) => ` d="${value.replace(/-?\d+\.\d+(e-?\d+)?/g, (n) => String(Math.round(Number(n) * 10) / 10))}"`);
}

function maxOf(values: readonly number[]): number {
  let max = 0;
  for (const value of values) if (value > max) max = value;
  return max || 1;
}
