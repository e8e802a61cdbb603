/**
 * Charts of comparisons and summaries with Observable Plot: overlaid series, best-so-far against the
 * target, param-vs-metric scatter. The same code draws at build time (a linkedom document, for pages
 * that work without JavaScript) and in the browser (the real document). Returns SVG/HTML markup.
 */
import * as Plot from '@observablehq/plot';
import type { SeriesOverlay } from './compare.ts';
import { RUN_COLORS } from './colors.ts';
import { formatValue, type MetricFormat } from './metric.ts';
import type { Summary } from './summary.ts';

export interface ChartContext {
  /** The DOM to draw with: `document` in the browser, linkedom's at build time. */
  document: Document;
  width?: number;
  height?: number;
}

/**
 * Plot's class prefix, fixed here so the site stylesheet (global.css, "Charts") can style what
 * Plot's own <style> and `style` attributes would: the site's CSP allows neither (style-src 'self').
 */
const CLASS_NAME = 'plot-rp';

/**
 * Plot writes fixed width/height; drop them so CSS sizes the chart, keeping the aspect ratio. Its
 * <style> elements and `style` attributes are removed before the markup is made (global.css has
 * their rules): under the CSP they would be blocked, and reported, wherever the markup lands.
 */
function responsive(node: Element): string {
  for (const style of [...node.querySelectorAll('style')]) style.remove();
  node.removeAttribute('style');
  for (const styled of [...node.querySelectorAll('[style]')]) styled.removeAttribute('style');
  // With a legend Plot returns a <figure>: the chart is its direct <svg> child; swatches keep their size.
  const svgs = node.tagName.toLowerCase() === 'svg' ? [node] : [...node.children].filter((child) => child.tagName.toLowerCase() === 'svg');
  for (const svg of svgs) {
    svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
    svg.removeAttribute('width');
    svg.removeAttribute('height');
  }
  // In a browser the drawing document shares the page's CSP, and an element Plot styled through
  // CSSOM keeps an empty `style=""` that removeAttribute does not clear: strip any left inside tags
  // (text cannot hold a raw `<`, so the match never leaves a tag).
  return node.outerHTML.replace(/(<[^<>]*?)\s+style="[^"]*"/g, '$1');
}

/** Plots `options` in the frame every chart here shares (context's document and size, margins, style) as markup. */
function draw(context: ChartContext, size: { width: number; height: number }, options: Plot.PlotOptions): string {
  return responsive(
    Plot.plot({
      document: context.document,
      width: context.width ?? size.width,
      height: context.height ?? size.height,
      marginLeft: 56,
      marginRight: 16,
      className: CLASS_NAME,
      ...options,
    }),
  );
}

function tick(format: MetricFormat): (value: number) => string {
  return (value) => formatValue(value, { ...format, digits: format.format === 'percent' ? 0 : format.digits });
}

/** What an interactive chart needs of a metric's format (its `data-format` attribute). */
export function liveFormat(format: MetricFormat): string {
  const { label, format: kind, unit, digits } = format;
  return JSON.stringify({ label, format: kind, unit, digits });
}

/**
 * Overlaid lines of one series across runs, coloured by place in the comparison (src/report/colors.ts,
 * as the interactive charts do), with a legend.
 * `by: 'elapsed'` aligns runs by seconds since their first point instead of by step.
 */
export function overlayChart(overlay: SeriesOverlay, names: Map<string, string>, context: ChartContext & { by?: 'step' | 'elapsed' }): string {
  const by = context.by ?? 'step';
  const rows = overlay.lines.flatMap((line) =>
    line.points
      .filter((point) => (by === 'step' ? true : point.elapsed !== undefined))
      .map((point) => ({ run: names.get(line.run) ?? line.run, x: by === 'step' ? point.step : (point.elapsed as number), y: point.value })),
  );
  const domain = overlay.lines.map((line) => names.get(line.run) ?? line.run);
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.run, (counts.get(row.run) ?? 0) + 1);
  return draw(
    context,
    { width: 640, height: 240 },
    {
      color: { domain, range: [...RUN_COLORS], legend: true },
      x: { label: by === 'step' ? 'step' : 'seconds since start', labelAnchor: 'right', tickFormat: '~s', ticks: 6 },
      y: { label: overlay.format.label, grid: true, tickFormat: tick(overlay.format), ticks: 5 },
      marks: [
        Plot.lineY(rows, { x: 'x', y: 'y', stroke: 'run', strokeWidth: 1.6 }),
        // A run that logged the series once has no line to draw: it shows as a dot, not as empty axes.
        Plot.dot(
          rows.filter((row) => (counts.get(row.run) ?? 0) === 1),
          { x: 'x', y: 'y', fill: 'run', r: 3 },
        ),
        Plot.ruleY(rows.length ? [] : [0], { strokeOpacity: 0 }),
      ],
      ariaLabel: `${overlay.format.label} by ${by === 'step' ? 'step' : 'time'} for ${domain.join(', ')}`,
    },
  );
}

/** Best-so-far over time as a step line, every run as a dot, and the target as a dashed rule. */
export function bestSoFarChart(summary: Summary, context: ChartContext): string {
  const { format, goal } = summary;
  const dots = thinPoints(summary).map((p) => ({ date: new Date(p.created), value: p.value, name: p.name }));
  const best = summary.bestSoFar.map((p) => ({ date: new Date(p.created), value: p.value }));
  const last = summary.points.at(-1);
  // Extend the best line to the newest run so the current best reads as "still standing".
  if (last && best.length > 0) best.push({ date: new Date(last.created), value: (best.at(-1) as { value: number }).value });
  const marks: Plot.Markish[] = [
    Plot.dot(dots, { x: 'date', y: 'value', r: 3, fill: 'currentColor', fillOpacity: 0.35, ...(dots.length <= 300 ? { title: 'name' } : {}) }),
    Plot.line(best, { x: 'date', y: 'value', curve: 'step-after', stroke: 'var(--chart-line, currentColor)', strokeWidth: 2 }),
  ];
  if (goal.target !== undefined) {
    marks.push(Plot.ruleY([goal.target], { stroke: 'var(--better, green)', strokeDasharray: '5,4' }));
    marks.push(
      Plot.text([goal.target], {
        y: (d: number) => d,
        frameAnchor: 'left',
        dx: 4,
        dy: -7,
        textAnchor: 'start',
        text: () => `target ${formatValue(goal.target, format)}`,
        fill: 'var(--better, green)',
      }),
    );
  }
  if (typeof summary.baselineValue === 'number') {
    marks.push(Plot.ruleY([summary.baselineValue], { stroke: 'currentColor', strokeOpacity: 0.45, strokeDasharray: '2,3' }));
    marks.push(
      Plot.text([summary.baselineValue], {
        y: (d: number) => d,
        frameAnchor: 'right',
        dy: 9,
        dx: -4,
        textAnchor: 'end',
        text: () => 'baseline',
        fillOpacity: 0.7,
      }),
    );
  }
  return draw(
    context,
    { width: 1000, height: 280 },
    {
      x: { label: null, type: 'utc' },
      y: { label: format.label, grid: true, tickFormat: tick(format), ticks: 5 },
      marks,
      ariaLabel: `Best ${format.label} over time`,
      ariaDescription: summary.headline,
    },
  );
}

/** Dots drawn at most: a project with 100k runs must not make a 10 MB summary page. */
const MAX_DOTS = 800;

/** Every k-th run when there are too many to draw, always keeping the runs that set a new best. */
function thinPoints(summary: Summary): Summary['points'] {
  const points = summary.points;
  if (points.length <= MAX_DOTS) return points;
  const records = new Set(summary.bestSoFar.map((p) => p.id));
  const stride = Math.ceil(points.length / MAX_DOTS);
  return points.filter((p, i) => i % stride === 0 || records.has(p.id));
}

/** One param against one metric, a dot per run, labelled with run names (for > 5 runs). */
export function scatterChart(points: { name: string; x: number | string; y: number }[], labels: { x: string; y: MetricFormat }, context: ChartContext): string {
  const numeric = points.every((p) => typeof p.x === 'number');
  return draw(
    context,
    { width: 640, height: 280 },
    {
      marginRight: 24,
      x: { label: labels.x, ...(numeric ? { type: 'linear' as const } : { type: 'point' as const }) },
      y: { label: labels.y.label, grid: true, tickFormat: tick(labels.y), ticks: 5 },
      marks: [
        Plot.dot(points, { x: 'x', y: 'y', r: 4, fill: 'var(--chart-line, currentColor)', title: 'name' }),
        Plot.text(points, { x: 'x', y: 'y', text: 'name', dy: -9, fontSize: 9, fillOpacity: 0.7 }),
      ],
      ariaLabel: `${labels.y.label} against ${labels.x}`,
    },
  );
}
