/**
 * The ad hoc comparison in the browser: reads `?runs=` and `?baseline=`, resolves id prefixes,
 * fetches each run's compact data, and renders with the same report modules the build uses.
 */
import type { ProjectConfig } from '../../../../src/config.ts';
import { isRunpagesError } from '../../../../src/errors.ts';
import { compareRuns, githubRepoUrl, resolveRunIds, type ComparedRun, type Comparison } from '../../../../src/report/compare.ts';
import { comparisonCsv } from '../../../../src/report/compare-csv.ts';
import { githubNewFileUrl, savedComparisonYaml, slugOf, SLUG_PATTERN } from '../../../../src/report/saved-file.ts';
import { comparisonHeadline, metricsTableHtml, paramsSummary, paramsTableHtml, whyHtml, escapeHtml } from '../../../../src/report/compare-html.ts';
import { liveFormat, overlayChart, scatterChart } from '../../../../src/report/charts.ts';
import { watchCharts } from '../chart/loader.ts';
import type { RunRecord } from '../../../../src/run/schema.ts';
import { objectUrl } from '../../../../src/site/url.ts';
import { unpackSeries, type CompareData } from '../../../../src/report/compare-data.ts';
import { fetchJson, fetchRunData } from '../../lib/run-data.ts';
import { compareMedia } from '../../../../src/site/media-compare.ts';
import { compareMediaHtml } from '../../../../src/site/media-compare-html.ts';
import type { RunMediaView } from '../../../../src/site/media-view.ts';
import { enhanceCompareMedia } from './media.ts';
import { lookupFiles, mergeShards, type LookupManifest, type LookupShard } from '../../../../src/index/run-lookup.ts';

interface RunsIndex {
  ids: string[];
  names: string[];
  projects: string[];
}

/**
 * The runs that the references could name, from only the lookup shards they need
 * (src/index/run-lookup.ts), and the site's run count.
 */
async function lookupRuns(manifestUrl: string, references: string[]): Promise<RunsIndex & { count: number }> {
  const manifest = await fetchJson<LookupManifest>(manifestUrl);
  const files = [...new Set(references.flatMap((reference) => lookupFiles(manifest, reference)))];
  const shards = await Promise.all(files.map((file) => fetchJson<LookupShard>(new URL(file, new URL(manifestUrl, window.location.href)).href)));
  return { ...mergeShards(shards), count: manifest.count };
}

/** Charts drawn at once; more series are listed but not drawn, to keep the page quick. */
const MAX_CHARTS = 12;
/** Above this many runs a param-vs-metric view says more than a table. */
const SCATTER_FROM = 6;

function element<T extends Element>(root: ParentNode, selector: string): T {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`compare page: missing ${selector}`);
  return found;
}

/** Query values, accepting both `runs=a,b` and repeated `runs=a&runs=b`. */
function references(params: URLSearchParams): string[] {
  return params
    .getAll('runs')
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
}

export async function startComparePage(): Promise<void> {
  const root = element<HTMLElement>(document, '#compare');
  const status = element<HTMLElement>(root, '[data-status]');
  const message = element<HTMLElement>(root, '[data-message]');
  const base = root.dataset.base ?? '/';
  const showMessage = (title: string, body: string) => {
    message.innerHTML = `<h2>${escapeHtml(title)}</h2>${body}`;
    message.hidden = false;
  };
  try {
    const params = new URLSearchParams(window.location.search);
    const wanted = references(params);
    if (wanted.length === 0) {
      status.hidden = true;
      showMessage(
        'No runs chosen',
        `<p>Add run ids to the address, e.g. <code>?runs=&lt;id&gt;,&lt;id&gt;&amp;baseline=&lt;id&gt;</code> (unambiguous prefixes work), or select runs in a project's run table and choose “Compare”.</p><p><a href="${escapeHtml(base)}">All projects</a></p>`,
      );
      return;
    }
    const index = await lookupRuns(root.dataset.runsIndex as string, wanted);
    const problems: string[] = [];
    const ids: string[] = [];
    for (const reference of wanted) {
      try {
        const [id] = resolveRunIds([reference], index.ids, index.names);
        if (id && !ids.includes(id)) ids.push(id);
      } catch (error) {
        if (!isRunpagesError(error)) throw error;
        problems.push(`<li>${escapeHtml(error.message)} ${escapeHtml(error.hint ?? '')}${candidateLinks(reference, wanted, index)}</li>`);
      }
    }
    const requested = params.get('baseline') ?? undefined;
    let baseline: string | undefined;
    if (requested !== undefined) {
      try {
        baseline = resolveRunIds([requested], ids)[0];
      } catch (error) {
        if (!isRunpagesError(error)) throw error;
        problems.push(`<li>The baseline "${escapeHtml(requested)}" is not one of the compared runs; the first run is the baseline instead.</li>`);
      }
    }
    if (problems.length > 0) {
      showMessage(
        ids.length === 0 ? 'No run to compare' : 'Some runs could not be found',
        `<ul>${problems.join('')}</ul><p>Check the address; run ids are listed in each project's run table.</p>`,
      );
    }
    if (ids.length === 0) {
      status.hidden = true;
      return;
    }
    const runData = await fetchRunData(base, ids, index.count);
    const runs = ids.map((id): ComparedRun => {
      const data = runData.get(id) as CompareData;
      const series = Object.fromEntries(Object.entries(data.series).map(([name, packed]) => [name, unpackSeries(packed)]));
      return { record: data.record as RunRecord, series };
    });
    const config = JSON.parse(element<HTMLElement>(document, '#compare-config').textContent ?? '{}') as {
      projects: Record<string, ProjectConfig>;
      publicUrl?: string;
    };
    const media = await fetchMedia(root, base, ids);
    const show = (baselineId: string | undefined) => {
      const comparison = compareRuns(runs, { baseline: baselineId, config });
      render(root, comparison, base, config.publicUrl);
      renderMedia(root, comparison, media, base);
      return comparison;
    };
    const comparison = show(baseline);
    wireBaselinePicker(root, comparison, (id) => {
      // The address keeps the choice (replaced, not pushed: Back leaves the comparison, as before).
      const next = new URLSearchParams(window.location.search);
      if (id === ids[0]) next.delete('baseline');
      else next.set('baseline', id);
      const query = next.toString().replace(/%2C/g, ',');
      history.replaceState(history.state, '', `${window.location.pathname}${query ? `?${query}` : ''}${window.location.hash}`);
      return show(id);
    });
    wireSave(root, comparison, runs);
    let current = comparison;
    root.addEventListener('baseline', (event) => (current = (event as CustomEvent<Comparison>).detail));
    const csv = element<HTMLButtonElement>(root, '[data-csv]');
    csv.hidden = false;
    csv.onclick = () => {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([comparisonCsv(current)], { type: 'text/csv;charset=utf-8' }));
      a.download = 'comparison.csv';
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    };
    status.hidden = true;
    document.title = `Compare ${comparison.runs.map((run) => run.name).join(', ')}${document.title.replace(/^[^·]*/, ' ')}`;
  } catch (error) {
    status.hidden = true;
    showMessage(
      'The comparison could not be loaded',
      `<p>${escapeHtml(error instanceof Error ? error.message : String(error))}</p><p>Reload the page; if it persists, the site may be mid-deployment.</p>`,
    );
  }
}

/**
 * The media views of the compared runs that have media (`compare/media.json` lists them). Media are
 * an addition: when they cannot be fetched the comparison shows without them.
 */
async function fetchMedia(root: HTMLElement, base: string, ids: readonly string[]): Promise<Map<string, RunMediaView>> {
  const views = new Map<string, RunMediaView>();
  const container = root.querySelector<HTMLElement>('[data-media]');
  if (!container?.dataset.mediaIndex) return views;
  try {
    const index = await fetchJson<{ runs: string[] }>(container.dataset.mediaIndex);
    const withMedia = ids.filter((id) => index.runs.includes(id));
    await Promise.all(
      withMedia.map(async (id) => {
        const view = await fetchJson<{ groups: RunMediaView['groups'] }>(`${base}compare/media/${encodeURIComponent(id)}.json`);
        views.set(id, { groups: view.groups, key: '' });
      }),
    );
  } catch {
    container.textContent = 'The media of these runs could not be loaded; reload the page to try again.';
  }
  return views;
}

/** The media rows, as on a saved comparison but curves side by side rather than overlaid (drawn at build time only). */
function renderMedia(root: HTMLElement, comparison: Comparison, views: ReadonlyMap<string, RunMediaView>, base: string): void {
  const container = root.querySelector<HTMLElement>('[data-media]');
  if (!container || views.size === 0) return;
  container.innerHTML = compareMediaHtml(compareMedia(comparison.runs, views, comparison.baseline), { url: (path) => `${base}${path}` });
  enhanceCompareMedia(container);
}

/** For an ambiguous prefix: links to the same comparison with each matching run instead (at most 10). */
function candidateLinks(reference: string, wanted: string[], index: RunsIndex): string {
  const matches = index.ids.flatMap((id, i) => (id.startsWith(reference) ? [i] : [])).slice(0, 10);
  if (matches.length < 2) return '';
  const links = matches.map((i) => {
    const id = index.ids[i] as string;
    const params = new URLSearchParams(window.location.search);
    params.set('runs', wanted.map((w) => (w === reference ? id : w)).join(','));
    const label = `${index.names[i] ?? id} (${index.projects[i] ?? ''}, ${id.slice(0, 10)}…)`;
    return `<li><a href="?${escapeHtml(params.toString().replace(/%2C/g, ','))}">${escapeHtml(label)}</a></li>`;
  });
  return `<ul>${links.join('')}</ul>`;
}

function render(root: HTMLElement, comparison: Comparison, base: string, publicUrl: string | undefined): void {
  const options = { runHref: (id: string) => `${base}r/${encodeURIComponent(id)}/` };
  const names = new Map(comparison.runs.map((run) => [run.id, run.name]));
  element(root, '[data-title]').textContent = comparison.runs.length === 1 ? 'One run' : `Compare ${comparison.runs.length} runs`;
  element(root, '[data-headline]').textContent = comparisonHeadline(comparison);
  element(root, '[data-baseline-note]').textContent = `deltas against ${comparison.runs[comparison.baseline]?.name ?? ''}`;
  element(root, '[data-metrics]').innerHTML = metricsTableHtml(comparison, options);
  element(root, '[data-params-summary]').textContent = `${paramsSummary(comparison)} Differences are highlighted.`;
  element(root, '[data-params]').innerHTML = paramsTableHtml(comparison, options);
  element(root, '[data-why]').innerHTML = whyHtml(comparison, (sha) => objectUrl(publicUrl, sha));

  const hideEqual = element<HTMLInputElement>(root, '[data-hide-equal]');
  const applyHide = () => root.querySelector('.cmp-params')?.classList.toggle('cmp-hide-equal', hideEqual.checked);
  hideEqual.onchange = applyHide;
  applyHide();

  const charts = element<HTMLElement>(root, '[data-charts]');
  const overlays = comparison.series.filter((series) => series.lines.length > 0);
  const drawCharts = (by: 'step' | 'elapsed') => {
    charts.innerHTML = '';
    for (const overlay of overlays.slice(0, MAX_CHARTS)) {
      const figure = document.createElement('figure');
      figure.className = 'cmp-chart';
      figure.dataset.series = overlay.key;
      figure.dataset.liveChart = overlay.key;
      figure.dataset.runs = comparison.runs.map((run) => run.id).join(' ');
      figure.dataset.format = liveFormat(overlay.format);
      const caption = document.createElement('figcaption');
      caption.textContent = overlay.format.label;
      figure.append(caption);
      const hasTime = overlay.lines.some((line) => line.points.some((point) => point.elapsed !== undefined));
      if (by === 'elapsed' && !hasTime) {
        const note = document.createElement('p');
        note.className = 'small muted';
        note.textContent = 'These runs logged no times for this series.';
        figure.append(note);
      } else {
        const chart = document.createElement('div');
        chart.dataset.staticChart = '';
        chart.innerHTML = overlayChart(overlay, names, { document: chartDocument(), by });
        figure.append(chart);
      }
      charts.append(figure);
    }
    if (overlays.length > MAX_CHARTS) {
      const more = document.createElement('p');
      more.className = 'small muted';
      more.textContent = `${overlays.length - MAX_CHARTS} more series not drawn: ${overlays
        .slice(MAX_CHARTS)
        .map((s) => s.key)
        .join(', ')}.`;
      charts.append(more);
    }
    watchCharts(charts);
  };
  element<HTMLElement>(root, '[data-charts-section]').hidden = overlays.length === 0;
  for (const radio of root.querySelectorAll<HTMLInputElement>('input[name="align"]')) {
    radio.onchange = () => drawCharts(radio.value === 'elapsed' ? 'elapsed' : 'step');
  }
  drawCharts(root.querySelector<HTMLInputElement>('input[name="align"][value="elapsed"]')?.checked ? 'elapsed' : 'step');

  if (comparison.runs.length >= SCATTER_FROM) renderScatter(root, comparison);
  element<HTMLElement>(root, '[data-content]').hidden = false;
}

/** Param (that varies) against metric, one dot per run; numbers on a linear axis, others as categories. */
function renderScatter(root: HTMLElement, comparison: Comparison): void {
  const finite = (row: Comparison['metrics'][number], i: number) => {
    const value = row.cells[i]?.value;
    return value !== undefined && Number.isFinite(value);
  };
  // The goal metric first, then metrics most runs report; params by how many runs have both the
  // param and that metric, numeric ones (learning rates, sizes) before categories.
  const metrics = comparison.metrics
    .map((row) => ({ row, count: row.cells.filter((_, i) => finite(row, i)).length, goal: row.key === comparison.goalMetric }))
    .filter((entry) => entry.count > 0)
    .sort((a, b) => Number(b.goal) - Number(a.goal) || b.count - a.count)
    .map((entry) => entry.row);
  const top = metrics[0];
  if (!top) return;
  const isNumeric = (row: Comparison['params'][number]) => row.values.every((value) => value === undefined || Number.isFinite(Number(value)));
  const params = comparison.params
    .filter((row) => row.differs && !/(^|[._/])(seed|random_seed|random_state)$/i.test(row.key))
    .map((row) => ({
      row,
      count: row.values.filter((value, i) => value !== undefined && finite(top, i)).length,
      numeric: isNumeric(row),
      distinct: new Set(row.values).size,
    }))
    .sort((a, b) => b.count - a.count || Number(b.numeric) - Number(a.numeric) || b.distinct - a.distinct)
    .map((entry) => entry.row);
  if (params.length === 0) return;
  const xSelect = element<HTMLSelectElement>(root, '[data-scatter-x]');
  const ySelect = element<HTMLSelectElement>(root, '[data-scatter-y]');
  xSelect.innerHTML = params.map((row) => `<option>${escapeHtml(row.key)}</option>`).join('');
  ySelect.innerHTML = metrics.map((row) => `<option value="${escapeHtml(row.key)}">${escapeHtml(row.format.label)}</option>`).join('');
  const figure = element<HTMLElement>(root, '[data-scatter]');
  const draw = () => {
    const param = params.find((row) => row.key === xSelect.value) ?? params[0];
    const metric = metrics.find((row) => row.key === ySelect.value) ?? metrics[0];
    if (!param || !metric) return;
    const numeric = param.values.every((value) => value === undefined || Number.isFinite(Number(value)));
    const points = comparison.runs.flatMap((run, i) => {
      const x = param.values[i];
      const y = metric.cells[i]?.value;
      if (x === undefined || y === undefined || !Number.isFinite(y)) return [];
      return [{ name: run.name, x: numeric ? Number(x) : x, y }];
    });
    figure.innerHTML =
      points.length === 0
        ? `<p class="small muted">No run reports both ${escapeHtml(param.key)} and ${escapeHtml(metric.format.label)}.</p>`
        : scatterChart(points, { x: param.key, y: metric.format }, { document: chartDocument() });
  };
  xSelect.onchange = draw;
  ySelect.onchange = draw;
  draw();
  element<HTMLElement>(root, '[data-scatter-section]').hidden = false;
}

/** The baseline menu: every compared run; choosing one recomputes the deltas against it. */
function wireBaselinePicker(root: HTMLElement, comparison: Comparison, choose: (id: string) => Comparison): void {
  const select = element<HTMLSelectElement>(root, '[data-baseline-select]');
  select.replaceChildren(
    ...comparison.runs.map((run) => {
      const option = document.createElement('option');
      option.value = run.id;
      option.textContent = `${run.name} (${run.id.slice(0, 8)})`;
      return option;
    }),
  );
  select.value = comparison.runs[comparison.baseline]?.id ?? '';
  select.onchange = () => {
    const next = choose(select.value);
    root.dispatchEvent(new CustomEvent('baseline', { detail: next }));
  };
}

/**
 * "Save as comparison": the `comparisons/<slug>.yaml` text for these runs and baseline, to copy,
 * and a link to GitHub's new-file page with it filled in when the runs' code is on GitHub.
 */
function wireSave(root: HTMLElement, first: Comparison, runs: ComparedRun[]): void {
  const title = element<HTMLInputElement>(root, '[data-save-title]');
  const slug = element<HTMLInputElement>(root, '[data-save-slug]');
  const yaml = element<HTMLTextAreaElement>(root, '[data-save-yaml]');
  const error = element<HTMLElement>(root, '[data-save-error]');
  const copy = element<HTMLButtonElement>(root, '[data-save-copy]');
  const github = element<HTMLAnchorElement>(root, '[data-save-github]');
  let comparison = first;
  const names = first.runs.map((run) => run.name);
  title.value = (names.length <= 4 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : `${names.length} runs of ${first.runs[0]?.project ?? ''}`).slice(
    0,
    200,
  );
  let slugEdited = false;
  slug.value = slugOf(title.value);
  const baseRecord = () => runs.find((run) => run.record.id === comparison.runs[comparison.baseline]?.id)?.record ?? runs[0]!.record;
  const refresh = () => {
    if (!slugEdited) slug.value = slugOf(title.value);
    const text = savedComparisonYaml({ title: title.value, runs: comparison.runs.map((run) => run.id), baseline: comparison.runs[comparison.baseline]?.id });
    yaml.value = text;
    const valid = SLUG_PATTERN.test(slug.value);
    error.textContent = valid ? '' : 'The file name becomes the URL /c/<slug>/: lowercase letters, digits and "-", starting with a letter or digit.';
    slug.setAttribute('aria-invalid', String(!valid));
    const record = baseRecord();
    const repo = githubRepoUrl(record.git?.remote);
    github.hidden = !repo || !valid;
    if (repo && valid) {
      const branch = record.git?.branch ?? 'main';
      github.href = githubNewFileUrl(repo, branch, `comparisons/${slug.value}.yaml`, text);
      github.textContent = `Create comparisons/${slug.value}.yaml on GitHub (branch ${branch})`;
      github.target = '_blank';
      github.rel = 'noopener noreferrer';
    }
  };
  title.oninput = refresh;
  slug.oninput = () => {
    slugEdited = true;
    refresh();
  };
  root.addEventListener('baseline', (event) => {
    comparison = (event as CustomEvent<Comparison>).detail;
    refresh();
  });
  copy.onclick = async () => {
    try {
      await navigator.clipboard.writeText(yaml.value);
      copy.textContent = 'Copied';
    } catch {
      yaml.select();
      copy.textContent = 'Selected: press Ctrl+C';
    }
    setTimeout(() => (copy.textContent = 'Copy the file'), 2000);
  };
  refresh();
}

let inertDocument: Document | undefined;
/**
 * The document charts are drawn in: an inert one, not the page, so nothing Plot creates is ever
 * connected to the page. Only the cleaned markup (no style, see src/report/charts.ts) reaches it,
 * which the CSP (style-src 'self') then has no reason to block.
 */
function chartDocument(): Document {
  inertDocument ??= document.implementation.createHTMLDocument('chart');
  return inertDocument;
}
