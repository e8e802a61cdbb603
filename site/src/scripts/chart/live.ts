/**
 * The interactive chart, drawn over a server-rendered one (which stays the no-JavaScript version):
 * a crosshair whose readout gives every run's value at that x (formatted as the metric is
 * configured), zoom by dragging (double-click, Escape or "Reset zoom" undoes it), TensorBoard-style
 * smoothing with the raw line faint behind, a log scale, and a choice of x axis. The focused chart
 * moves its crosshair with the arrow keys (Home and End jump to the ends). Loaded by loader.ts only
 * when a chart comes on screen. Run text reaches the page only as text nodes.
 */
import { exportButtons } from './export.ts';
import { formatValue, metricFormat, type MetricFormat } from '../../../../src/report/metric.ts';
import { loadLines, siteBase } from './data.ts';
import { linePoints, nearest, scale, smooth, stops, xAxes, type Point, type RunLine, type Scale, type XAxis } from './model.ts';

const SVG = 'http://www.w3.org/2000/svg';
/** View-box height; the width is the chart's own width in CSS pixels, so text stays 11 px on a phone. */
const HEIGHT = 240;
const MARGIN = { right: 16, top: 16, bottom: 30 };
/** The y labels' column: as wide as the longest label (about 6.2 px a character at 11 px), within bounds. */
const LEFT = { min: 36, max: 96, perChar: 6.2, pad: 12 };

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function html<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** Four significant digits with SI suffixes for big numbers: axis labels of steps and counts. */
function compact(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${Number((value / 1e9).toPrecision(3))}G`;
  if (abs >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (abs >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`;
  return String(Number(value.toPrecision(4)));
}

/** How an x value is written on the axis and in the readout. Wall times in UTC, like the rest of the site. */
function formatX(axis: XAxis, value: number, full = false, span = 0): string {
  if (axis.kind === 'time') return formatValue(value, { ...metricFormat('time'), format: 'duration' });
  if (axis.kind === 'wall') {
    const iso = new Date(value).toISOString();
    if (full) return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
    // Over more than two days the date says more than the hour.
    return span > 2 * 86_400_000 ? iso.slice(5, 10) : iso.slice(11, 16);
  }
  if (axis.kind === 'step' && full) return String(Math.round(value));
  return compact(value);
}

/** A y tick: as the metric is formatted, with big plain numbers shortened (14,000 is 14k). */
function yTickText(value: number, format: MetricFormat): string {
  if (format.format === 'number' || format.format === 'integer') {
    if (Math.abs(value) >= 1e4) return compact(value);
  }
  return formatValue(value, format);
}

function pathOf(points: readonly Point[], x: Scale, y: Scale): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join('');
}

interface State {
  axis: XAxis;
  weight: number;
  log: boolean;
  zoom: [number, number] | undefined;
  cursor: number | undefined;
}

/**
 * Makes the chart in `figure` interactive. The figure names its series (`data-live-chart`), its runs
 * in page order (`data-runs`, space-separated ids) and optionally its metric's format (`data-format`,
 * JSON); the static chart it replaces is marked `data-static-chart`. Leaves the figure as it was when
 * the data cannot be fetched.
 */
export async function enhance(figure: HTMLElement): Promise<void> {
  const name = figure.dataset.liveChart ?? '';
  const ids = (figure.dataset.runs ?? '').split(/\s+/).filter(Boolean);
  const format: MetricFormat = figure.dataset.format
    ? { ...metricFormat(name), ...(JSON.parse(figure.dataset.format) as Partial<MetricFormat>) }
    : metricFormat(name);
  const lines = figure.dataset.livePoints ? inlineLines(figure.dataset.livePoints, name) : await loadLines(siteBase(), ids, name, ids.length === 1);
  if (lines.length === 0) return;
  for (const node of figure.querySelectorAll<HTMLElement>('[data-static-chart], [data-smooth-toggle], [data-log-toggle]')) node.hidden = true;
  figure.dataset.live = '';
  figure.append(liveChart(lines, format, figure.dataset.liveAxis));
}

/**
 * Lines carried by the page itself (a summary's best-so-far values by date), from the JSON block
 * with id `id`: `{ name, points: [[ms, value], …] }[]`, drawn over wall time only.
 */
function inlineLines(id: string, name: string): RunLine[] {
  const block = document.getElementById(id);
  if (!block) return [];
  const data = JSON.parse(block.textContent ?? '[]') as { name: string; points: [number, number][] }[];
  return data.map((line, i) => {
    const start = line.points[0]?.[0] ?? 0;
    // A best-so-far value holds until the next one: drawn as steps, not slopes.
    const points = line.points.flatMap((p, k) => (k === 0 ? [p] : [[p[0], line.points[k - 1]![1]] as [number, number], p]));
    return {
      id: `${name}-${i}`,
      name: line.name,
      color: 'var(--chart-line, currentColor)',
      series: { step: points.map((_, k) => k), value: points.map((p) => p[1]), time: points.map((p) => (p[0] - start) / 1000) },
      startMs: start,
      others: {},
    };
  });
}

function liveChart(lines: RunLine[], format: MetricFormat, only?: string): HTMLElement {
  const all = xAxes(lines);
  const axes = only && all.some((axis) => axis.key === only) ? all.filter((axis) => axis.key === only) : all;
  const state: State = { axis: axes[0]!, weight: 0, log: false, zoom: undefined, cursor: undefined };
  const positive = lines.every((line) => line.series.value.every((v) => !Number.isFinite(v) || v > 0));

  const select = html('select', { 'data-live-x': '', 'aria-label': 'X axis' }, ...axes.map((axis) => html('option', { value: axis.key }, axis.label)));
  const slider = html('input', { type: 'range', min: '0', max: '0.99', step: '0.01', value: '0', 'data-live-smooth': '', 'aria-label': 'Smoothing' });
  const sliderValue = html('output', { class: 'live-value' }, '0');
  const logButton = html('button', { type: 'button', class: 'chart-toggle', 'aria-pressed': 'false', 'data-live-log': '' }, 'Log scale');
  if (!positive) {
    logButton.disabled = true;
    logButton.title = 'A log scale needs every value above zero';
  }
  const reset = html('button', { type: 'button', class: 'chart-toggle', 'data-live-reset': '', hidden: '' }, 'Reset zoom');
  const tools = html(
    'div',
    { class: 'live-tools' },
    html('label', {}, 'x ', select),
    html('label', {}, 'Smoothing ', slider, sliderValue),
    logButton,
    reset,
    ...exportButtons(() => chart, format.label),
  );
  let WIDTH = 640;
  const chart = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: 'live-svg',
    tabindex: 0,
    role: 'img',
    'aria-label': `${format.label}: drag to zoom; arrow keys read the values`,
  });
  const readout = html('div', { class: 'live-readout', 'data-live-readout': '', 'aria-live': 'polite' });
  const root = html('div', { class: 'live-chart' }, tools, chart, readout);

  let left = LEFT.min;
  let x: Scale = scale([0, 1], [left, WIDTH - MARGIN.right]);
  let y: Scale = scale([0, 1], [HEIGHT - MARGIN.bottom, MARGIN.top]);
  let drawn: { line: RunLine; points: Point[]; smoothed: Point[] }[] = [];
  let xStops: number[] = [];
  let stopPoints: Point[] = [];
  const cross = svg('g', { class: 'live-cross', visibility: 'hidden' });

  const hint = () => readout.replaceChildren(html('span', { class: 'faint' }, 'Point at the chart or focus it and use the arrow keys to read values.'));

  function draw(): void {
    const measured = Math.round(chart.getBoundingClientRect().width);
    if (measured > 0) WIDTH = Math.max(280, Math.min(1200, measured));
    chart.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
    drawn = lines.map((line) => {
      const points = linePoints(line, state.axis).filter((p) => !state.log || p.y > 0);
      const values = smooth(
        points.map((p) => p.y),
        state.weight,
      );
      return { line, points, smoothed: points.map((p, i) => ({ x: p.x, y: values[i]! })) };
    });
    const all = drawn.flatMap((d) => d.points);
    const xs = all.map((p) => p.x);
    const domainX: [number, number] = state.zoom ?? [Math.min(...xs), Math.max(...xs)];
    const visible = drawn.flatMap((d) => [...d.points, ...d.smoothed]).filter((p) => p.x >= domainX[0] && p.x <= domainX[1]);
    const ys = (visible.length > 0 ? visible : all).map((p) => p.y);
    y = scale([Math.min(...ys), Math.max(...ys)], [HEIGHT - MARGIN.bottom, MARGIN.top], state.log);
    // Tick labels carry no unit (it is written once, above them) and are measured before x is laid out.
    const tickFormat: MetricFormat = { ...format, unit: undefined, digits: format.format === 'percent' ? 0 : format.digits };
    const yTicks = y.ticks
      .map((t) => ({ at: y(t), text: yTickText(t, tickFormat) }))
      .filter(({ at }) => at >= MARGIN.top - 1 && at <= HEIGHT - MARGIN.bottom + 1);
    const longest = Math.max(0, ...yTicks.map(({ text }) => text.length));
    left = Math.round(Math.min(LEFT.max, Math.max(LEFT.min, longest * LEFT.perChar + LEFT.pad)));
    x = scale(domainX, [left, WIDTH - MARGIN.right]);
    xStops = stops(drawn.map((d) => d.points)).filter((v) => v >= domainX[0] && v <= domainX[1]);
    stopPoints = xStops.map((v) => ({ x: v, y: 0 }));

    const grid = svg('g', { class: 'live-grid' });
    const labels = svg('g', { class: 'live-ticks' });
    for (const { at, text } of yTicks) {
      grid.append(svg('line', { x1: left, x2: WIDTH - MARGIN.right, y1: at.toFixed(1), y2: at.toFixed(1) }));
      labels.append(svg('text', { x: left - 6, y: (at + 4).toFixed(1), 'text-anchor': 'end' }, text));
    }
    if (format.unit) labels.append(svg('text', { x: 4, y: 10, 'text-anchor': 'start', class: 'live-axis-label' }, format.unit));
    const xTicks = state.axis.kind === 'wall' ? scale(domainX, [0, 1]).ticks.slice(0, 5) : x.ticks;
    for (const t of xTicks) {
      const at = x(t);
      if (at < left - 1 || at > WIDTH - MARGIN.right + 1) continue;
      labels.append(
        svg('text', { x: at.toFixed(1), y: HEIGHT - MARGIN.bottom + 16, 'text-anchor': 'middle' }, formatX(state.axis, t, false, domainX[1] - domainX[0])),
      );
    }
    labels.append(
      svg(
        'text',
        { x: WIDTH - MARGIN.right, y: HEIGHT - 2, 'text-anchor': 'end', class: 'live-axis-label' },
        `${state.axis.label}${state.axis.kind === 'wall' ? ' (UTC)' : ''} →`,
      ),
    );

    const clip = `live-clip-${Math.random().toString(36).slice(2)}`;
    const defs = svg('defs');
    const clipPath = svg('clipPath', { id: clip });
    clipPath.append(svg('rect', { x: left, y: 0, width: WIDTH - left - MARGIN.right, height: HEIGHT - MARGIN.bottom + 4 }));
    defs.append(clipPath);
    const marks = svg('g', { 'clip-path': `url(#${clip})` });
    for (const { line, points, smoothed } of drawn) {
      const group = svg('g', { 'data-run': line.id });
      if (points.length === 1) {
        group.append(svg('circle', { cx: x(points[0]!.x).toFixed(1), cy: y(points[0]!.y).toFixed(1), r: 4, fill: line.color }));
      } else {
        group.append(
          svg('path', {
            d: pathOf(points, x, y),
            fill: 'none',
            stroke: line.color,
            'stroke-width': 1.6,
            'stroke-opacity': state.weight > 0 ? 0.25 : 1,
            'data-raw': '',
          }),
        );
        if (state.weight > 0)
          group.append(svg('path', { d: pathOf(smoothed, x, y), fill: 'none', stroke: line.color, 'stroke-width': 1.8, 'data-smoothed': '' }));
      }
      marks.append(group);
    }
    chart.replaceChildren(defs, grid, marks, labels, cross, brush);
    moveCursor(state.cursor);
  }

  function moveCursor(at: number | undefined): void {
    state.cursor = at;
    cross.replaceChildren();
    if (at === undefined || drawn.length === 0) {
      cross.setAttribute('visibility', 'hidden');
      hint();
      return;
    }
    cross.setAttribute('visibility', 'visible');
    const px = x(at);
    cross.append(svg('line', { x1: px.toFixed(1), x2: px.toFixed(1), y1: MARGIN.top, y2: HEIGHT - MARGIN.bottom, class: 'live-cross-line' }));
    const items: HTMLElement[] = [html('span', { class: 'live-at' }, `${state.axis.label} ${formatX(state.axis, at, true)}:`)];
    for (const { line, points, smoothed } of drawn) {
      const i = nearest(points, at);
      const item = html('span', { class: 'live-item', 'data-run': line.id });
      const swatch = html('span', { class: 'live-swatch', 'aria-hidden': 'true' });
      swatch.style.background = line.color;
      const label = html('span', { class: 'live-name', title: line.name }, line.name);
      if (i === undefined) {
        item.append(swatch, label, ' –');
      } else {
        const shown = state.weight > 0 ? smoothed[i]!.y : points[i]!.y;
        const raw = state.weight > 0 ? ` (raw ${formatValue(points[i]!.y, format)})` : '';
        item.append(swatch, label, ' ', html('strong', {}, formatValue(shown, format).replace(/ (?=[%a-zA-Zµ])/g, '\u00a0')), raw);
        cross.append(
          svg('circle', {
            cx: x(points[i]!.x).toFixed(1),
            cy: y(shown).toFixed(1),
            r: 3.5,
            fill: line.color,
            stroke: 'var(--surface, white)',
            'stroke-width': 1.5,
          }),
        );
      }
      items.push(item);
    }
    // Spaces between the items, so the live region reads "step 400: calm-fox-1 0.31" and not one word.
    readout.replaceChildren(...items.flatMap((item, i) => (i === 0 ? [item] : [' ', item])));
  }

  // Zoom by dragging: a band follows the pointer; releasing after a few units zooms to it.
  const brush = svg('rect', { class: 'live-brush', y: MARGIN.top, height: HEIGHT - MARGIN.top - MARGIN.bottom, width: 0, visibility: 'hidden' });
  let dragFrom: number | undefined;
  const viewX = (event: PointerEvent | MouseEvent) => {
    const rect = chart.getBoundingClientRect();
    return Math.min(WIDTH - MARGIN.right, Math.max(left, ((event.clientX - rect.left) / rect.width) * WIDTH));
  };
  const setZoom = (zoom: [number, number] | undefined) => {
    state.zoom = zoom;
    reset.hidden = zoom === undefined;
    draw();
  };
  chart.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    dragFrom = viewX(event);
    chart.setPointerCapture?.(event.pointerId);
  });
  chart.addEventListener('pointermove', (event) => {
    const at = viewX(event);
    if (dragFrom !== undefined) {
      brush.setAttribute('x', String(Math.min(dragFrom, at)));
      brush.setAttribute('width', String(Math.abs(at - dragFrom)));
      brush.setAttribute('visibility', 'visible');
    }
    // The crosshair snaps to the nearest logged x, so the readout names a real step.
    const snapped = nearest(stopPoints, x.invert(at));
    moveCursor(snapped === undefined ? undefined : xStops[snapped]);
  });
  chart.addEventListener('pointerup', (event) => {
    if (dragFrom === undefined) return;
    const at = viewX(event);
    const from = dragFrom;
    dragFrom = undefined;
    brush.setAttribute('visibility', 'hidden');
    if (Math.abs(at - from) < 6) return;
    const lo = x.invert(Math.min(from, at));
    const hi = x.invert(Math.max(from, at));
    setZoom([lo, hi]);
  });
  chart.addEventListener('pointerleave', () => {
    if (dragFrom === undefined) moveCursor(undefined);
  });
  chart.addEventListener('dblclick', () => setZoom(undefined));
  chart.addEventListener('focus', () => {
    if (state.cursor === undefined) moveCursor(xStops[0]);
  });
  chart.addEventListener('keydown', (event) => {
    if (xStops.length === 0) return;
    const current = state.cursor === undefined ? -1 : (nearest(stopPoints, state.cursor) ?? -1);
    const jump = event.shiftKey ? 10 : 1;
    let next: number | undefined;
    if (event.key === 'ArrowRight') next = Math.min(xStops.length - 1, current + jump);
    else if (event.key === 'ArrowLeft') next = Math.max(0, current - jump);
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = xStops.length - 1;
    else if (event.key === 'Escape' && state.zoom) {
      setZoom(undefined);
      event.preventDefault();
      return;
    }
    if (next === undefined) return;
    event.preventDefault();
    moveCursor(xStops[next]);
  });

  select.addEventListener('change', () => {
    state.axis = axes.find((axis) => axis.key === select.value) ?? axes[0]!;
    state.zoom = undefined;
    state.cursor = undefined;
    reset.hidden = true;
    draw();
  });
  slider.addEventListener('input', () => {
    state.weight = Number(slider.value);
    sliderValue.textContent = slider.value;
    draw();
  });
  logButton.addEventListener('click', () => {
    state.log = !state.log;
    logButton.setAttribute('aria-pressed', String(state.log));
    draw();
  });
  reset.addEventListener('click', () => setZoom(undefined));

  if (axes.length === 1) select.closest('label')!.hidden = true;
  draw();
  // Redrawn at the chart's width when it changes (first layout, a rotated phone).
  let seen = 0;
  new ResizeObserver(() => {
    const now = Math.round(chart.getBoundingClientRect().width);
    if (now > 0 && now !== seen) {
      seen = now;
      draw();
    }
  }).observe(chart);
  return root;
}
