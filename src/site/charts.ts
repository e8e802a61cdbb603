/**
 * Series charts rendered to SVG at build time with Observable Plot in Node (linkedom provides the
 * DOM), so run pages show every curve without JavaScript (the light style for big sites is in
 * compact-chart.ts). Output is deterministic; the build keeps it by run content hash (see
 * run-assets.ts), so rebuilds reuse every unchanged chart.
 */
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import type { SeriesData } from '../run/schema.ts';
import { describe, drawnPoints, extent } from './compact-chart.ts';

export { renderCompactChart } from './compact-chart.ts';

/** Points drawn per chart: a min/max pair per ~3 px of a 640 px chart; more is invisible weight. */
const MAX_DRAWN_POINTS = 400;

export interface ChartOptions {
  /** Series name, used as the y label. */
  name: string;
  width?: number;
  height?: number;
  /** Logarithmic y axis (only when every value is positive). */
  log?: boolean;
}

/**
 * How run pages draw series: `plot` is Observable Plot with axes (and a log-scale variant); `compact`
 * is a light line with its range labelled, for sites too big for ~5 ms and ~10 KB per chart.
 */
export type ChartStyle = 'plot' | 'compact';

/** Up to this many runs, `auto` draws Plot charts: 2,000 runs x 4 series is ~1 min of one core. */
export const PLOT_MAX_RUNS = 2000;

/** The style a build uses for `site.charts` and its run count. */
export function chartStyle(setting: 'auto' | ChartStyle, runs: number): ChartStyle {
  if (setting !== 'auto') return setting;
  return runs > PLOT_MAX_RUNS ? 'compact' : 'plot';
}

/** True when a log-scale view of the series is meaningful (all finite values positive, spanning at least 5x). */
export function canLogScale(series: SeriesData): boolean {
  const { min, max, count } = extent(series.value);
  if (count < 2 || min <= 0) return false;
  return max / min >= 5;
}

/**
 * Renders one series as an SVG string: a line over steps, min and max marked, axes and grid in
 * `currentColor` so the page's colours (and dark mode) apply. Non-finite points are dropped.
 *
 * @example renderSeriesChart(series.series['train/loss'], { name: 'train/loss' })
 */
export function renderSeriesChart(full: SeriesData, options: ChartOptions): string {
  const points = drawnPoints(full, MAX_DRAWN_POINTS);
  const marks: Plot.Markish[] = [Plot.gridY({ strokeOpacity: 0.12 }), Plot.ruleY(points.length ? [] : [0], { strokeOpacity: 0 })];
  if (points.length === 1) marks.push(Plot.dot(points, { x: 'step', y: 'value', fill: 'var(--chart-line, currentColor)', r: 3 }));
  else marks.push(Plot.lineY(points, { x: 'step', y: 'value', stroke: 'var(--chart-line, currentColor)', strokeWidth: 1.6 }));
  const svg = Plot.plot({
    document: chartDocument(),
    width: options.width ?? 640,
    height: options.height ?? 220,
    marginLeft: 56,
    marginRight: 16,
    marginBottom: 36,
    x: { label: 'step', labelAnchor: 'right', tickFormat: '~s', ticks: 6 },
    y: { label: null, grid: false, type: options.log ? 'log' : 'linear', tickFormat: options.log ? '~g' : '~r', ticks: 5 },
    marks,
    ariaLabel: `${options.name} by step`,
    ariaDescription: describe(options.name, points),
  });
  svg.setAttribute('role', 'img');
  svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
  return normalize(svg.outerHTML);
}

/**
 * One DOM document for every chart of a thread: Plot only creates detached elements in it, and a
 * fresh document per chart cost about a sixth of its time.
 */
let sharedDocument: Document | undefined;

function chartDocument(): Document {
  sharedDocument ??= parseHTML('<!doctype html><html><body></body></html>').document as unknown as Document;
  return sharedDocument;
}

/**
 * Plot's output is already deterministic. Strip the width/height so CSS sizes the chart, drop Plot's
 * per-chart <style> (the site stylesheet has it once), and round coordinates to whole units of the
 * 640-wide view box: about half the bytes, no visible change.
 */
function normalize(svg: string): string {
  return svg
    .replace(/^<svg[^>]*>/, (tag) => tag.replace(/ (width|height|style)="[^"]*"/g, ''))
    .replace(/<style>[^<]*<\/style>/, '')
    .replace(
      / (d|transform|x1|x2|y1|y2)="([^"]*)"/g,
      (_m, name: string, value: string) => ` ${name}="${value.replace(/-?\d+\.\d+(e-?\d+)?/g, (n) => String(Math.round(Number(n)) || 0))}"`,
    );
}
