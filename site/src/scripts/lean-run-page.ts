/**
 * Draws a lean run page (see components/LeanRunPage.astro) from the run's data shard and the
 * project's metric formats: subtitle, tags and actions under the title, a note of what the page
 * leaves out, then overview facts, metrics, compact charts, params, environment, data and parents
 * with the full page's markup and classes, built with the same row and chart modules the build uses.
 * Run text is untrusted: every string goes in through text nodes and attributes, never as markup.
 */
import type { MetricDisplay } from '../../../src/config.ts';
import { unpackSeries, type CompareData } from '../../../src/report/compare-data.ts';
import type { RunRecord } from '../../../src/run/schema.ts';
import { compactChartElement } from '../../../src/site/compact-chart.ts';
import { shortId } from '../../../src/site/format.ts';
import { splitSystemSeries } from '../../../src/run/keys.ts';
import { MAX_ROWS, envRows, factRows, metricRows, paramRows, type Fact } from '../../../src/site/run-rows.ts';
import { commitUrl, comparePath, joinBase, metricsDisplayPath, projectRunsPath, runPath } from '../../../src/site/url.ts';
import { fetchJson, fetchRunDataShard } from '../lib/run-data.ts';
import { enableParamsFilter } from './params-filter.ts';
import { watchCharts } from './chart/loader.ts';

/** The fields of a run's data this page shows (src/report/compare-data.ts keeps all but notes, artifacts, command, output and series). */
type LeanRecord = Pick<
  RunRecord,
  | 'id'
  | 'name'
  | 'project'
  | 'status'
  | 'created'
  | 'ended'
  | 'duration_s'
  | 'exit_code'
  | 'experiment'
  | 'user'
  | 'host'
  | 'tags'
  | 'metrics'
  | 'params'
  | 'git'
  | 'env'
  | 'data'
  | 'parents'
>;

type Child = Node | string | undefined | false;

/** An element with attributes and children; strings become text nodes. */
function el(tag: string, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== undefined && child !== false) element.append(child);
  return element;
}

function sectionTitle(id: string, text: string, count: number | string, countAttributes: Record<string, string> = {}): HTMLElement {
  return el('h2', { id, class: 'section-title' }, text, ' ', el('span', { class: 'faint small', ...countAttributes }, String(count)));
}

/** "N more metrics not shown." under a table cut at MAX_ROWS. */
function moreRows(hidden: number, what: string): Child {
  return hidden > 0 && el('p', { class: 'muted small' }, `${hidden.toLocaleString('en-US')} more ${what} not shown.`);
}

function header(record: LeanRecord, base: string): Node[] {
  const subtitle = el(
    'p',
    { class: 'subtitle muted' },
    record.experiment && el('span', {}, 'Experiment ', el('strong', {}, record.experiment), ' · '),
    record.user && el('span', {}, `${record.user} · `),
    el('span', { class: 'mono small' }, record.id),
  );
  const tags = record.tags.length > 0 && el('div', { class: 'tags', 'aria-label': 'Tags' }, ...record.tags.map((tag) => el('span', { class: 'tag' }, tag)));
  const actions = el(
    'div',
    { class: 'actions no-print' },
    el('a', { class: 'button', href: joinBase(base, comparePath([record.id])) }, 'Compare…'),
    el('a', { class: 'button', href: joinBase(base, projectRunsPath(record.project)) }, `All runs in ${record.project}`),
  );
  return [subtitle, tags, actions].filter((node): node is HTMLElement => node !== false);
}

/** The full page's facts, plus the commit and branch (the full page shows them in its Code card). */
function facts(record: LeanRecord): HTMLElement {
  const rows: (Fact & { href?: string | undefined })[] = factRows(record);
  const git = record.git;
  if (git?.commit) rows.push({ label: 'Commit', value: shortId(git.commit, 10), mono: true, href: commitUrl(git.remote, git.commit) });
  if (git?.branch) rows.push({ label: 'Branch', value: git.branch, mono: true });
  return el(
    'dl',
    { class: 'facts' },
    ...rows.flatMap((fact) => [
      el('dt', {}, fact.label),
      el('dd', fact.mono ? { class: 'mono' } : {}, fact.href ? el('a', { href: fact.href, title: git?.commit ?? '' }, fact.value) : fact.value),
    ]),
  );
}

function metrics(record: LeanRecord, display: Record<string, MetricDisplay>): HTMLElement {
  const rows = metricRows(record, { metrics: display });
  const shown = rows.slice(0, MAX_ROWS);
  const table =
    rows.length === 0
      ? el('p', { class: 'muted small' }, 'This run reported no summary metrics.')
      : el(
          'div',
          { class: 'table-scroll' },
          el(
            'table',
            { class: 'data metrics' },
            el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Metric'), el('th', { scope: 'col', class: 'num' }, 'Value'))),
            el('tbody', {}, ...shown.map((m) => el('tr', {}, el('td', { class: 'value', title: m.key }, m.label), el('td', { class: 'num strong' }, m.value)))),
          ),
        );
  return el(
    'section',
    { class: 'card', 'aria-labelledby': 'metrics' },
    sectionTitle('metrics', 'Metrics', rows.length),
    table,
    moreRows(rows.length - shown.length, 'metrics'),
  );
}

/** The job's charts, then CPU, memory and GPUs (system/...) in a group of their own, as on the full page. */
function charts(id: string, data: CompareData, display: Record<string, MetricDisplay>): Child[] {
  const { job, system } = splitSystemSeries(Object.keys(data.series).sort());
  return [
    job.length > 0 && chartGroup(id, data, display, job, { id: 'charts', title: 'Charts', note: `${job.length} series` }),
    system.length > 0 &&
      chartGroup(id, data, display, system, { id: 'system-charts', title: 'System', note: 'CPU, memory and GPUs of the job, by seconds since it started' }),
  ];
}

function chartGroup(
  id: string,
  data: CompareData,
  display: Record<string, MetricDisplay>,
  names: string[],
  section: { id: string; title: string; note: string },
): HTMLElement {
  const figures = names.map((name) => {
    const series = unpackSeries(data.series[name]!);
    return el(
      'figure',
      // On screen, chart/live.ts draws it interactive from the same shard (see SeriesChart.astro).
      { class: 'chart card', 'data-chart': '', 'data-live-chart': name, 'data-runs': id, 'data-format': JSON.stringify(display[name] ?? {}) },
      el('figcaption', {}, el('span', { class: 'chart-title', title: name }, display[name]?.label ?? name)),
      el('div', { class: 'chart-svg', 'data-scale': 'linear', 'data-static-chart': '' }, compactChartElement(document, series, { name })),
    );
  });
  return el('section', { 'aria-labelledby': section.id }, sectionTitle(section.id, section.title, section.note), el('div', { class: 'charts' }, ...figures));
}

function params(record: LeanRecord): HTMLElement {
  const rows = paramRows(record.params);
  const shown = rows.slice(0, MAX_ROWS);
  const title = el(
    'h2',
    { id: 'params', class: 'section-title' },
    el('span', {}, 'Parameters ', el('span', { class: 'faint small', 'data-params-count': '' }, String(shown.length))),
    el('input', {
      type: 'search',
      class: 'params-filter no-print',
      placeholder: 'Filter parameters',
      'aria-label': 'Filter parameters',
      'data-params-filter': '',
      hidden: '',
    }),
  );
  const table =
    rows.length === 0
      ? el('p', { class: 'empty' }, 'No parameters recorded.')
      : el(
          'div',
          { class: 'table-wrap' },
          el(
            'table',
            { class: 'data params' },
            el(
              'tbody',
              {},
              ...shown.map((p) =>
                el('tr', { 'data-param-row': '' }, el('td', { class: 'key' }, p.key), el('td', { class: p.long ? 'value mono small' : 'value' }, p.value)),
              ),
            ),
          ),
        );
  return el('section', { 'aria-labelledby': 'params' }, title, table, moreRows(rows.length - shown.length, 'parameters'));
}

/** Environment, data and the runs this one derives from, as the full page's cards (by id: names are in other shards). */
function lineage(record: LeanRecord, base: string): Child {
  const env = envRows(record);
  const cards = [
    env.length > 0 &&
      el(
        'section',
        { class: 'card', 'aria-labelledby': 'env' },
        el('h2', { id: 'env', class: 'section-title' }, 'Environment'),
        el('dl', { class: 'facts' }, ...env.flatMap((row) => [el('dt', {}, row.label), el('dd', {}, row.value)])),
      ),
    record.data.length > 0 &&
      el(
        'section',
        { class: 'card', 'aria-labelledby': 'data' },
        el('h2', { id: 'data', class: 'section-title' }, 'Data'),
        el(
          'ul',
          { class: 'plain-list' },
          ...record.data.map((d) =>
            el(
              'li',
              {},
              el('strong', {}, d.name),
              d.version && el('span', { class: 'tag' }, d.version),
              d.sha256 && el('span', { class: 'mono faint small', title: d.sha256 }, d.sha256.slice(0, 12)),
              d.uri && el('div', { class: 'mono small muted uri' }, d.uri),
            ),
          ),
        ),
      ),
    record.parents.length > 0 &&
      el(
        'section',
        { class: 'card', 'aria-labelledby': 'lineage' },
        el('h2', { id: 'lineage', class: 'section-title' }, 'Lineage'),
        el('h3', { class: 'sub' }, 'Derived from'),
        el('ul', { class: 'plain-list' }, ...record.parents.map((id) => el('li', {}, el('a', { class: 'mono', href: joinBase(base, runPath(id)) }, id)))),
      ),
  ].filter((card): card is HTMLElement => card !== false);
  return cards.length > 0 && el('div', { class: 'lineage' }, ...cards);
}

/** Says what this page leaves out, and the command that prints it. */
function leftOut(id: string): HTMLElement {
  return el(
    'p',
    { class: 'lean-note muted small', 'data-lean-note': '' },
    'Notes, artifacts, the command, its output and the runs derived from this one are not on this page; ',
    el('code', {}, `runpages show ${id}`),
    ' prints them.',
  );
}

async function draw(root: HTMLElement): Promise<void> {
  const id = root.dataset.leanRun ?? '';
  const base = document.querySelector<HTMLMetaElement>('meta[name="runpages-base"]')?.content ?? '/';
  const [runs, display] = await Promise.all([
    fetchRunDataShard(base, Number(root.dataset.shard)),
    fetchJson<Record<string, MetricDisplay>>(joinBase(base, metricsDisplayPath(root.dataset.project ?? ''))),
  ]);
  const data = runs[id];
  if (!data) throw new Error(`run ${id} is not in the site's data (the site may be mid-deployment)`);
  const record = data.record as unknown as LeanRecord;
  root
    .closest('.run-page')
    ?.querySelector('.page-header')
    ?.append(...header(record, base));
  root.before(leftOut(id));
  root.replaceChildren(
    el(
      'div',
      { class: 'overview' },
      el('section', { class: 'card', 'aria-labelledby': 'overview' }, el('h2', { id: 'overview', class: 'section-title' }, 'Overview'), facts(record)),
      metrics(record, display),
    ),
    ...[...charts(id, data, display), params(record), lineage(record, base)].filter((node): node is HTMLElement => node !== false),
  );
  enableParamsFilter(root);
  watchCharts(root);
}

const root = document.querySelector<HTMLElement>('[data-lean-run]');
if (root) {
  root.replaceChildren(el('p', { class: 'muted', role: 'status' }, 'Loading this run…'));
  draw(root).catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    root.replaceChildren(
      el(
        'p',
        { class: 'empty', role: 'alert' },
        `This run's details could not be loaded (${reason}). Reload the page, or see the run with `,
        el('code', {}, `runpages show ${root.dataset.leanRun ?? ''}`),
        '.',
      ),
    );
  });
}
