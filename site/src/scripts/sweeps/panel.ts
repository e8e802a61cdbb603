/**
 * The run table's sweep view, loaded only when the user opens it (a dynamic import from
 * table/main.ts, so the table's first transfer is unchanged): parallel coordinates of the runs the
 * filter selects with brushable axes that narrow the table, a scatter of any two fields coloured by
 * a third, and parameter importance for the goal metric. Everything is drawn from the column data
 * the table already loads; the panel loads the columns it draws.
 */
import type { TableIndex } from '../../../../src/index/table.ts';
import { RUN_COLORS } from '../../../../src/report/colors.ts';
import { formatNumber, plural } from '../../../../src/site/format.ts';
import { brushFilter, type Brush } from '../table/brush.ts';
import type { Column } from '../table/columns.ts';
import { axisOf, RAMP, type Axis } from './axes.ts';
import { GroupedCurves, type GroupInput } from './grouped.ts';
import { IMPORTANCE_METHOD, paramImportance, type Feature } from './importance.ts';
import { ParallelCoordinates } from './parallel.ts';
import { colorBuckets, drawScatter } from './scatter.ts';

export interface SweepHost {
  index: TableIndex;
  columns: ReadonlyMap<string, Column>;
  load(key: string): Promise<Column> | undefined;
  /** A column's header text (the configured label of a metric). */
  label(key: string): string;
  onBrush(brushes: Brush[]): void;
  /** The site's base path, for the runs' curve data. */
  base: string;
  /** Run ids of rows (loading their id blocks as needed). */
  ids(rows: number[]): Promise<string[]>;
}

export interface SweepView {
  /** Runs the search and filter select (before the brushes): the lines drawn. */
  rows: Uint32Array;
  brushes: Brush[];
  /** The table's visible columns: their params and metrics are the axes. */
  shown: readonly string[];
  /** The table's groups (of the brushed rows) and the column they are grouped by, when grouped. */
  groups?: { key: string; groups: GroupInput[] } | undefined;
}

/** Most axes drawn; past this, lines are too close to read. */
const MAX_AXES = 12;
/** Params the importance model looks at, those most runs have. */
const MAX_FEATURES = 80;
/** Text columns with more values than this are not offered on the scatter. */
const MAX_TEXT_VALUES = 60;

export function createSweeps(root: HTMLElement, host: SweepHost): Sweeps {
  return new Sweeps(root, host);
}

export class Sweeps {
  readonly #root: HTMLElement;
  readonly #host: SweepHost;
  readonly #parallel: ParallelCoordinates;
  readonly #scatterCanvas: HTMLCanvasElement;
  readonly #selects: { x: HTMLSelectElement; y: HTMLSelectElement; color: HTMLSelectElement };
  readonly #brushList: HTMLElement;
  readonly #importance: HTMLElement;
  readonly #legend: HTMLElement;
  readonly #pcNote: HTMLElement;
  readonly #grouped: GroupedCurves;
  readonly #groupedBox: HTMLElement;
  #view: SweepView | undefined;
  #inside = new Uint8Array(0);
  #importanceTimer: ReturnType<typeof setTimeout> | undefined;
  #importanceKey = '';
  #generation = 0;

  constructor(root: HTMLElement, host: SweepHost) {
    this.#root = root;
    this.#host = host;
    const goal = host.index.goal;
    const goalLabel = goal ? host.label(`metrics.${goal.metric}`) : undefined;
    root.replaceChildren();
    root.append(
      el('h2', { className: 'sw-title' }, 'Sweep'),
      el(
        'p',
        { className: 'sw-note muted' },
        'One line per run the search and filter select. Axes: the params and metrics among the table’s columns (change them with Columns)',
        goalLabel ? `; colour: ${goalLabel}, brighter is better` : '',
        '. Drag along an axis to keep a range (the table follows); click an axis to clear its range.',
      ),
    );
    const pc = el('div', { className: 'sw-pc' });
    const canvas = el('canvas', { className: 'sw-canvas' });
    canvas.setAttribute('role', 'img');
    pc.append(canvas);
    this.#pcNote = el('p', { className: 'sw-empty muted', hidden: true });
    this.#brushList = el('div', { className: 'sw-brushes' });
    root.append(pc, this.#pcNote, this.#brushList);
    this.#parallel = new ParallelCoordinates(canvas, { onBrush: (brushes) => host.onBrush(brushes) });

    const scatter = el('section', { className: 'sw-scatter' });
    scatter.setAttribute('aria-label', 'Scatter');
    const controls = el('div', { className: 'sw-controls' });
    const select = (name: string, text: string) => {
      const s = el('select', { className: 'sw-select' });
      s.name = name;
      const label = el('label', {}, el('span', {}, text), s);
      controls.append(label);
      s.addEventListener('change', () => void this.#drawScatter());
      return s;
    };
    this.#selects = { x: select('x', 'x'), y: select('y', 'y'), color: select('color', 'Colour') };
    this.#scatterCanvas = el('canvas', { className: 'sw-canvas' });
    this.#scatterCanvas.setAttribute('role', 'img');
    this.#legend = el('p', { className: 'sw-legend muted' });
    const scatterBox = el('div', { className: 'sw-scatter-box' }, this.#scatterCanvas);
    scatter.append(el('h3', {}, 'Scatter'), controls, scatterBox, this.#legend);

    this.#importance = el('section', { className: 'sw-importance' });
    this.#importance.setAttribute('aria-label', 'Parameter importance');
    this.#groupedBox = el('section', { className: 'sw-grouped-box' });
    this.#groupedBox.setAttribute('aria-label', 'Grouped curves');
    root.append(el('div', { className: 'sw-grid' }, scatter, this.#importance), this.#groupedBox);
    const goalSeries = goal?.metric;
    this.#grouped = new GroupedCurves(this.#groupedBox, {
      base: host.base,
      ids: (rows) => host.ids(rows),
      display: (series) => host.index.display?.[`metrics.${series}`],
      preferred: goalSeries,
    });
    this.#fillSelects();

    let resize: ReturnType<typeof setTimeout> | undefined;
    addEventListener('resize', () => {
      clearTimeout(resize);
      resize = setTimeout(() => {
        if (this.#root.hidden) return;
        this.#parallel.draw();
        void this.#drawScatter();
      }, 100);
    });
  }

  /** Redraws for a new table view; resolves once the parallel coordinates are drawn. */
  async update(view: SweepView): Promise<void> {
    const mine = ++this.#generation;
    this.#view = view;
    const { index } = this.#host;
    const goalKey = index.goal ? `metrics.${index.goal.metric}` : undefined;
    const keys = axisKeys(view, index, goalKey);
    await Promise.all([...keys, ...view.brushes.map((b) => b.key)].map((key) => this.#host.load(key)));
    if (mine !== this.#generation) return;
    const { rows } = view;
    const columns = this.#host.columns;
    const keep = brushFilter(view.brushes, columns);
    const inside = new Uint8Array(rows.length);
    for (let i = 0; i < rows.length; i++) inside[i] = keep(rows[i]!) ? 1 : 0;
    this.#inside = inside;
    const axes = keys.flatMap((key) => this.#axis(key, rows) ?? []);
    const goalAxis = goalKey ? axes.find((a) => a.key === goalKey) : undefined;
    const colors = colorBuckets(goalAxis, rows, index.goal?.direction === 'min', RUN_COLORS);
    this.#parallel.canvas.setAttribute('aria-label', `Parallel coordinates of ${plural(rows.length, 'run')} over ${axes.map((a) => a.label).join(', ')}`);
    this.#pcNote.hidden = axes.length > 0 && rows.length > 0;
    this.#pcNote.textContent = rows.length === 0 ? 'No runs match the filter.' : 'None of the table’s columns is a param or metric: add some with Columns.';
    this.#parallel.set(axes, rows, inside, colors, view.brushes);
    this.#renderBrushes(view.brushes);
    await this.#drawScatter();
    this.#scheduleImportance();
    const grouping = view.groups;
    this.#grouped.update(grouping?.groups, grouping ? this.#host.label(grouping.key) : '').catch((error: unknown) => {
      this.#groupedBox.append(
        el('p', { className: 'sw-empty muted' }, `The runs’ curves could not be loaded (${error instanceof Error ? error.message : String(error)}).`),
      );
    });
  }

  #axis(key: string, rows: Uint32Array): Axis | undefined {
    const column = this.#host.columns.get(key);
    return column ? axisOf(column, rows, this.#host.label(key), this.#host.index.display?.[key]) : undefined;
  }

  /** Brushes as text with a button each to clear it: the keyboard's way to undo a brush. */
  #renderBrushes(brushes: readonly Brush[]): void {
    this.#brushList.replaceChildren();
    if (brushes.length === 0) return;
    const kept = count(this.#inside);
    this.#brushList.append(el('span', { className: 'muted' }, `Brushed: ${plural(kept, 'run')} of ${this.#view!.rows.length.toLocaleString('en-US')} · `));
    for (const brush of brushes) {
      const text =
        'values' in brush
          ? `${this.#host.label(brush.key)} ∈ {${brush.values.join(', ')}}`
          : `${this.#host.label(brush.key)} ${formatNumber(brush.lo)} – ${formatNumber(brush.hi)}`;
      const button = el('button', { type: 'button', className: 'sw-brush' }, `${text} ✕`);
      button.title = 'Clear this range';
      button.addEventListener('click', () => this.#host.onBrush(brushes.filter((b) => b !== brush)));
      this.#brushList.append(button);
    }
    if (brushes.length > 1) {
      const all = el('button', { type: 'button', className: 'sw-brush' }, 'Clear all');
      all.addEventListener('click', () => this.#host.onBrush([]));
      this.#brushList.append(all);
    }
  }

  /** Scatter choices: params and metrics (numbers, or text with few values). */
  #fillSelects(): void {
    const { index } = this.#host;
    const choices = index.columns.filter(
      (c) =>
        (c.group === 'param' || c.group === 'metric') && c.distinct >= 1 && (c.kind === 'number' || (c.kind === 'string' && c.distinct <= MAX_TEXT_VALUES)),
    );
    const goalKey = index.goal ? `metrics.${index.goal.metric}` : undefined;
    const swept = choices.filter((c) => c.group === 'param' && c.distinct > 1);
    const defaults = {
      x: (swept.find((c) => c.kind === 'number' && index.defaults.includes(c.key)) ?? swept[0] ?? choices[0])?.key,
      y: goalKey && choices.some((c) => c.key === goalKey) ? goalKey : choices.find((c) => c.group === 'metric')?.key,
      color: swept.find((c) => c.kind === 'string' && index.defaults.includes(c.key))?.key ?? '',
    };
    for (const name of ['x', 'y', 'color'] as const) {
      const s = this.#selects[name];
      if (name === 'color') s.append(option('', 'None'));
      for (const group of ['param', 'metric', 'series'] as const) {
        const optgroup = el('optgroup');
        optgroup.label = { param: 'Params', metric: 'Metrics', series: 'Series min and max' }[group];
        for (const c of choices) if (c.group === group) optgroup.append(option(c.key, this.#host.label(c.key)));
        s.append(optgroup);
      }
      s.value = defaults[name] ?? '';
    }
  }

  async #drawScatter(): Promise<void> {
    const view = this.#view;
    if (!view) return;
    const keys = [this.#selects.x.value, this.#selects.y.value, this.#selects.color.value].filter((k) => k !== '');
    await Promise.all(keys.map((key) => this.#host.load(key)));
    if (view !== this.#view) return;
    const x = this.#axis(this.#selects.x.value, view.rows);
    const y = this.#axis(this.#selects.y.value, view.rows);
    if (!x || !y) {
      this.#legend.textContent = 'Choose two fields the runs have.';
      return;
    }
    const colorAxis = this.#selects.color.value ? this.#axis(this.#selects.color.value, view.rows) : undefined;
    const goal = this.#host.index.goal;
    const flip = colorAxis !== undefined && goal !== undefined && colorAxis.key === `metrics.${goal.metric}` && goal.direction === 'min';
    const palette = colorAxis?.kind === 'text' ? RUN_COLORS : RAMP;
    drawScatter(this.#scatterCanvas, { x, y, rows: view.rows, inside: this.#inside, colors: colorBuckets(colorAxis, view.rows, flip, RUN_COLORS), palette });
    this.#scatterCanvas.setAttribute('aria-label', `Scatter of ${y.label} against ${x.label}${colorAxis ? `, coloured by ${colorAxis.label}` : ''}`);
    this.#legend.replaceChildren();
    if (!colorAxis) this.#legend.textContent = 'Faint: runs outside the brushed ranges.';
    else if (colorAxis.kind === 'text') {
      this.#legend.append(`${colorAxis.label}: `);
      colorAxis.ticks.forEach((tick, i) => {
        const swatch = el('span', { className: `sw-swatch sw-c${i % RUN_COLORS.length}` });
        this.#legend.append(swatch, ` ${tick.text}  `);
      });
    } else {
      const ends = colorAxis.ticks.length > 0 ? [colorAxis.ticks[0]!.text, colorAxis.ticks[colorAxis.ticks.length - 1]!.text] : ['low', 'high'];
      this.#legend.append(`${colorAxis.label}: dark ${flip ? ends[1] : ends[0]} → bright ${flip ? ends[0] : ends[1]}${flip ? ' (lower is better)' : ''}`);
    }
  }

  /** Importance waits for a pause (brushing may come in bursts) and reruns only for new runs. */
  #scheduleImportance(): void {
    clearTimeout(this.#importanceTimer);
    this.#importanceTimer = setTimeout(() => void this.#renderImportance(), 200);
  }

  async #renderImportance(): Promise<void> {
    const view = this.#view;
    const { index } = this.#host;
    const box = this.#importance;
    const goal = index.goal;
    if (!view) return;
    if (!goal) {
      box.replaceChildren(
        el('h3', {}, 'Parameter importance'),
        el('p', { className: 'muted' }, 'Set the project’s goal metric (projects.<p>.goal in the config) to see which params matter for it.'),
      );
      return;
    }
    const goalKey = `metrics.${goal.metric}`;
    const params = index.columns
      .filter((c) => c.group === 'param' && c.distinct > 1 && (c.kind === 'number' || c.kind === 'string'))
      .sort((a, b) => b.present - a.present || (a.key < b.key ? -1 : 1))
      .slice(0, MAX_FEATURES);
    await Promise.all([goalKey, ...params.map((p) => p.key)].map((key) => this.#host.load(key)));
    if (view !== this.#view) return;
    const rows: number[] = [];
    for (let i = 0; i < view.rows.length; i++) if (this.#inside[i]) rows.push(view.rows[i]!);
    const key = `${rows.length}:${rows.slice(0, 50).join(',')}:${rows.slice(-50).join(',')}`;
    if (key === this.#importanceKey) return;
    this.#importanceKey = key;
    const columns = this.#host.columns;
    const target = columns.get(goalKey);
    const features: Feature[] = params.flatMap((p): Feature[] => {
      const column = columns.get(p.key);
      if (column?.num) {
        const num = column.num;
        const missing = column.missing!;
        return [{ key: p.key, kind: 'number', values: Float64Array.from(rows, (r) => (missing[r] ? NaN : num[r]!)) }];
      }
      if (column?.codes) {
        const codes = column.codes;
        return [{ key: p.key, kind: 'text', codes: Int32Array.from(rows, (r) => codes[r]!) }];
      }
      return [];
    });
    const y = target?.num ? Float64Array.from(rows, (r) => (target.missing![r] ? NaN : target.num![r]!)) : new Float64Array(rows.length).fill(NaN);
    const started = performance.now();
    const result = paramImportance(features, y);
    performance.measure('runpages:sweep-importance', { start: started });
    const goalLabel = this.#host.label(goalKey);
    box.replaceChildren(el('h3', {}, `Parameter importance for ${goalLabel}`));
    if (result.runs < 5) {
      box.append(el('p', { className: 'muted' }, `Too few runs with ${goalLabel} (${result.runs}) to tell which params matter.`));
      return;
    }
    const table = el('table', { className: 'sw-table' });
    table.append(
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { scope: 'col' }, 'Param'),
          el('th', { scope: 'col' }, 'Importance'),
          el('th', { scope: 'col', className: 'num' }, 'Correlation'),
        ),
      ),
    );
    const body = el('tbody');
    const shown = result.params.filter((p) => p.importance > 0 || p.correlation !== undefined).slice(0, 15);
    for (const p of shown) {
      const meter = el('meter');
      meter.min = 0;
      meter.max = 1;
      meter.value = p.importance;
      meter.setAttribute('aria-label', `importance of ${p.key}`);
      const eta = features.find((f) => f.key === p.key)?.kind === 'text';
      const r = p.correlation === undefined ? '–' : `${eta ? 'η ' : ''}${p.correlation >= 0 && !eta ? '+' : ''}${formatNumber(p.correlation, 2)}`;
      const rClass = p.correlation === undefined || eta ? 'num' : p.correlation > 0 ? 'num sw-pos' : 'num sw-neg';
      body.append(
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, this.#host.label(p.key)),
          el('td', { className: 'sw-imp' }, meter, ` ${formatNumber(p.importance * 100, 0)} %`),
          el('td', { className: rClass }, r),
        ),
      );
    }
    table.append(body);
    box.append(
      table,
      el(
        'p',
        { className: 'sw-method muted' },
        `Over the ${plural(result.runs, 'run')} in view with ${goalLabel}${result.fitted < result.runs ? ` (the model fitted on ${result.fitted.toLocaleString('en-US')} of them)` : ''}; the model explains ${formatNumber(result.explained * 100, 0)} % of its variance. Method: ${IMPORTANCE_METHOD}.`,
      ),
    );
    if (result.params.length > shown.length)
      box.append(el('p', { className: 'muted' }, `${plural(result.params.length - shown.length, 'more param')} with no measurable effect.`));
  }
}

/** The axes: the table's param and metric columns (not times), the goal last, brushed columns kept. */
function axisKeys(view: SweepView, index: TableIndex, goalKey: string | undefined): string[] {
  const info = new Map(index.columns.map((c) => [c.key, c]));
  const usable = (key: string) => {
    const c = info.get(key);
    return c !== undefined && (c.group === 'param' || c.group === 'metric' || c.group === 'series') && (c.kind === 'number' || c.kind === 'string');
  };
  const keys = view.shown.filter((key) => usable(key) && key !== goalKey);
  for (const brush of view.brushes) if (usable(brush.key) && !keys.includes(brush.key) && brush.key !== goalKey) keys.push(brush.key);
  const limited = keys.slice(0, goalKey && info.has(goalKey) ? MAX_AXES - 1 : MAX_AXES);
  if (goalKey && info.has(goalKey)) limited.push(goalKey);
  return limited;
}

function count(flags: Uint8Array): number {
  let n = 0;
  for (const f of flags) n += f;
  return n;
}

function option(value: string, text: string): HTMLOptionElement {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  return o;
}

/** A DOM element with properties and children (strings become text nodes, never HTML). */
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & Record<string, unknown> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'scope') node.setAttribute('scope', String(value));
    else (node as unknown as Record<string, unknown>)[key] = value;
  }
  node.append(...children);
  return node;
}
