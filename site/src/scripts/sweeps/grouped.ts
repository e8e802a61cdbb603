/**
 * Grouped curves in the sweep view: when the table is grouped (say by everything but the seed), one
 * mean curve per group with a ±1 std or min-max band (bands.ts), for a series the user picks. The
 * curves come from the runs' comparison data (`compare/data/<k>.json`, the files /compare/ reads),
 * fetched only for a sample of each group's runs. Drawn as SVG built with DOM calls: attributes, no
 * inline style, so the CSP is unchanged.
 */
import type { LookupManifest } from '../../../../src/index/run-lookup.ts';
import type { MetricDisplay } from '../../../../src/config.ts';
import { unpackSeries } from '../../../../src/report/compare-data.ts';
import { runColor } from '../../../../src/report/colors.ts';
import { formatMetric, formatNumber, plural } from '../../../../src/site/format.ts';
import { fetchJson, fetchRunData } from '../../lib/run-data.ts';
import { niceTicks } from '../chart/model.ts';
import { groupBand, type BandKind, type BandPoint, type Curve } from './bands.ts';

/** Groups drawn; the rest are listed as left out. */
export const MAX_GROUPS = 8;
/** Runs fetched per group, evenly spread over the group's rows. */
export const RUNS_PER_GROUP = 12;

export interface GroupInput {
  label: string;
  rows: Uint32Array;
}

export interface GroupedHost {
  base: string;
  /** Run ids of rows (loading their id blocks as needed). */
  ids(rows: number[]): Promise<string[]>;
  display(series: string): MetricDisplay | undefined;
  /** The series shown first: the goal metric's, when runs log it. */
  preferred: string | undefined;
}

const SVG = 'http://www.w3.org/2000/svg';
const HEIGHT = 260;
const MARGIN = { top: 10, right: 16, bottom: 30, left: 60 };

export class GroupedCurves {
  readonly #box: HTMLElement;
  readonly #host: GroupedHost;
  readonly #series: HTMLSelectElement;
  readonly #band: HTMLSelectElement;
  readonly #figure: HTMLElement;
  readonly #note: HTMLElement;
  /** Curves by run id, then series name. */
  #curves = new Map<string, Map<string, Curve>>();
  /** Labels of the groups drawn, and the ids of the runs fetched for each. */
  #labels: string[] = [];
  #ids: string[][] = [];
  #groupLabel = '';
  /** Groups left out beyond {@link MAX_GROUPS}. */
  #left = 0;
  #key = '';

  constructor(box: HTMLElement, host: GroupedHost) {
    this.#box = box;
    this.#host = host;
    const heading = document.createElement('h3');
    heading.textContent = 'Grouped curves';
    const controls = document.createElement('div');
    controls.className = 'sw-controls';
    this.#series = document.createElement('select');
    this.#series.className = 'sw-select';
    this.#band = document.createElement('select');
    this.#band.className = 'sw-select';
    for (const [value, text] of [
      ['std', 'mean ± 1 std'],
      ['minmax', 'mean, min–max'],
    ] as const) {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = text;
      this.#band.append(option);
    }
    controls.append(labelled('Series', this.#series), labelled('Band', this.#band));
    this.#figure = document.createElement('div');
    this.#figure.className = 'sw-grouped';
    this.#note = document.createElement('p');
    this.#note.className = 'sw-legend muted';
    box.append(heading, controls, this.#figure, this.#note);
    this.#series.addEventListener('change', () => this.#draw());
    this.#band.addEventListener('change', () => this.#draw());
  }

  /** Shows the groups of the table's current view (undefined: the table is not grouped). */
  async update(groups: GroupInput[] | undefined, groupLabel: string): Promise<void> {
    this.#box.hidden = false;
    if (!groups) {
      this.#labels = [];
      this.#ids = [];
      this.#key = '';
      this.#figure.replaceChildren();
      this.#series.disabled = this.#band.disabled = true;
      this.#note.textContent =
        'Group the table (Group, above) to see each group’s runs as one mean curve with a band: group by a config param to average over its seeds.';
      return;
    }
    this.#series.disabled = this.#band.disabled = false;
    const shown = groups.slice(0, MAX_GROUPS).map((g) => ({ label: g.label, rows: sample(g.rows, RUNS_PER_GROUP) }));
    const key = shown.map((g) => `${g.label}:${g.rows.join(',')}`).join('|');
    if (key === this.#key) return;
    this.#key = key;
    this.#note.textContent = 'Loading the runs’ curves…';
    const idsByGroup = await Promise.all(shown.map((g) => this.#host.ids([...g.rows])));
    const manifest = await fetchJson<LookupManifest>(`${this.#host.base}compare/runs.json`);
    const data = await fetchRunData(this.#host.base, idsByGroup.flat(), manifest.count);
    if (key !== this.#key) return;
    this.#curves = new Map();
    for (const id of idsByGroup.flat()) {
      const series = new Map<string, Curve>();
      for (const [name, packed] of Object.entries(data.get(id)?.series ?? {})) series.set(name, unpackSeries(packed));
      this.#curves.set(id, series);
    }
    this.#labels = shown.map((g) => g.label);
    this.#ids = idsByGroup;
    const names = [...new Set([...this.#curves.values()].flatMap((s) => [...s.keys()]))].sort();
    const current = this.#series.value;
    this.#series.replaceChildren(
      ...names.map((name) => {
        const option = document.createElement('option');
        option.value = name;
        option.textContent = this.#host.display(name)?.label ?? name;
        return option;
      }),
    );
    this.#series.value = names.includes(current)
      ? current
      : this.#host.preferred && names.includes(this.#host.preferred)
        ? this.#host.preferred
        : (names[0] ?? '');
    this.#groupLabel = groupLabel;
    this.#left = groups.length - shown.length;
    this.#draw();
  }

  #draw(): void {
    const name = this.#series.value;
    const kind = this.#band.value as BandKind;
    const bands = this.#ids.map((ids) =>
      groupBand(
        ids.flatMap((id) => this.#curves.get(id)?.get(name) ?? []),
        kind,
      ),
    );
    const width = Math.max(260, Math.round(this.#figure.clientWidth || 600));
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${width} ${HEIGHT}`);
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(HEIGHT));
    svg.setAttribute('role', 'img');
    const display = this.#host.display(name);
    const label = display?.label ?? name;
    svg.setAttribute(
      'aria-label',
      `${label} by step, one mean curve per ${this.#groupLabel} with a ${kind === 'std' ? '±1 standard deviation' : 'min–max'} band`,
    );
    const all = bands.flat();
    if (!name || all.length === 0) {
      this.#figure.replaceChildren();
      this.#note.textContent = name ? `No run in these groups logs ${label}.` : 'These runs logged no series.';
      return;
    }
    const xs = [Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x))] as const;
    const ys = [Math.min(...all.map((p) => p.lo)), Math.max(...all.map((p) => p.hi))] as const;
    const sx = linear(xs, [MARGIN.left, width - MARGIN.right]);
    const sy = linear(ys, [HEIGHT - MARGIN.bottom, MARGIN.top]);
    const text = (value: number) => (display ? formatMetric(value, display) : formatNumber(value));
    for (const t of niceTicks(ys[0], ys[1], 6)) {
      svg.append(line(MARGIN.left, sy(t), width - MARGIN.right, sy(t), 'sw-grid-line'), tickLabel(MARGIN.left - 6, sy(t) + 4, text(t), 'end'));
    }
    for (const t of niceTicks(xs[0], xs[1], Math.max(2, Math.floor(width / 120))))
      svg.append(tickLabel(sx(t), HEIGHT - MARGIN.bottom + 16, formatNumber(t), 'middle'));
    bands.forEach((band, g) => {
      if (band.length === 0) return;
      const color = runColor(g);
      const area = document.createElementNS(SVG, 'path');
      area.setAttribute('d', areaPath(band, sx, sy));
      area.setAttribute('fill', color);
      area.setAttribute('fill-opacity', '0.18');
      const mean = document.createElementNS(SVG, 'path');
      mean.setAttribute('d', band.map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.mean).toFixed(1)}`).join(''));
      mean.setAttribute('fill', 'none');
      mean.setAttribute('stroke', color);
      mean.setAttribute('stroke-width', '2');
      mean.dataset.group = this.#labels[g]!;
      svg.append(area, mean);
    });
    this.#figure.replaceChildren(svg);
    this.#note.replaceChildren(`${label} by step, per ${this.#groupLabel}: `);
    this.#labels.forEach((groupName, g) => {
      const swatch = document.createElement('span');
      swatch.className = `sw-swatch sw-c${g % 8}`;
      this.#note.append(swatch, ` ${groupName} (${plural(this.#ids[g]!.length, 'run')})  `);
    });
    this.#note.append(
      `. Each curve is the mean of up to ${RUNS_PER_GROUP} runs of its group (evenly picked), read at common steps; the band is ${kind === 'std' ? '±1 standard deviation' : 'the min and max'}.`,
      this.#left > 0 ? ` ${plural(this.#left, 'more group')} not drawn.` : '',
    );
  }
}

/** Up to `n` rows evenly spread over `rows`. */
function sample(rows: Uint32Array, n: number): number[] {
  if (rows.length <= n) return [...rows];
  return Array.from({ length: n }, (_, i) => rows[Math.floor((i * rows.length) / n)]!);
}

function linear([d0, d1]: readonly [number, number], [r0, r1]: readonly [number, number]): (v: number) => number {
  const span = d1 > d0 ? d1 - d0 : 1;
  const base = d1 > d0 ? d0 : d0 - 0.5;
  return (v) => r0 + ((v - base) / span) * (r1 - r0);
}

function areaPath(band: readonly BandPoint[], sx: (v: number) => number, sy: (v: number) => number): string {
  const top = band.map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.hi).toFixed(1)}`).join('');
  const bottom = [...band]
    .reverse()
    .map((p) => `L${sx(p.x).toFixed(1)},${sy(p.lo).toFixed(1)}`)
    .join('');
  return `${top}${bottom}Z`;
}

function line(x1: number, y1: number, x2: number, y2: number, className: string): SVGLineElement {
  const el = document.createElementNS(SVG, 'line');
  for (const [k, v] of Object.entries({ x1, y1, x2, y2 })) el.setAttribute(k, v.toFixed(1));
  el.setAttribute('class', className);
  return el;
}

function tickLabel(x: number, y: number, text: string, anchor: 'start' | 'middle' | 'end'): SVGTextElement {
  const el = document.createElementNS(SVG, 'text');
  el.setAttribute('x', x.toFixed(1));
  el.setAttribute('y', y.toFixed(1));
  el.setAttribute('text-anchor', anchor);
  el.setAttribute('class', 'sw-tick');
  el.textContent = text;
  return el;
}

function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  const label = document.createElement('label');
  const span = document.createElement('span');
  span.textContent = text;
  label.append(span, control);
  return label;
}
