/**
 * A comparison as HTML fragments: the metrics table (deltas coloured by improvement), the params
 * table (differing rows highlighted, equal rows marked so they can be hidden), and the "why do these
 * differ" panel. One renderer serves the pre-rendered saved comparisons and the browser's ad hoc
 * comparison. Everything from runs is escaped.
 */
import type { Comparison, MetricRow } from './compare.ts';
import { formatDelta, formatRelative, formatValue, keepUnits, sentenceLabel } from './metric.ts';

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface HtmlOptions {
  /** Link to a run's page, honouring the site's base. */
  runHref: (id: string) => string;
  /** Metric keys to show, in order (a saved comparison's `columns`); default all. */
  metrics?: string[] | undefined;
}

function runHeaders(comparison: Comparison, options: HtmlOptions): string {
  return comparison.runs
    .map((run, i) => {
      const badge = i === comparison.baseline ? ' <span class="cmp-badge">baseline</span>' : '';
      return `<th scope="col"><a href="${escapeHtml(options.runHref(run.id))}">${escapeHtml(run.name)}</a>${badge}<span class="cmp-id">${escapeHtml(run.id.slice(0, 10))}</span></th>`;
    })
    .join('');
}

/** Rows of the metrics to show, in the order asked for. */
export function selectMetrics(comparison: Comparison, keys?: string[]): MetricRow[] {
  if (!keys || keys.length === 0) return comparison.metrics;
  return keys.flatMap((key) => comparison.metrics.filter((row) => row.key === key));
}

/** The metrics table: value per run, delta against the baseline, coloured better/worse. */
export function metricsTableHtml(comparison: Comparison, options: HtmlOptions): string {
  const rows = selectMetrics(comparison, options.metrics);
  if (rows.length === 0) return '<p class="muted">These runs report no summary metrics.</p>';
  const body = rows
    .map((row) => {
      const cells = row.cells
        .map((cell, i) => {
          const classes = ['cmp-num'];
          if (cell.improved === true) classes.push('cmp-better');
          if (cell.improved === false) classes.push('cmp-worse');
          if (row.best === i && comparison.runs.length > 1) classes.push('cmp-best');
          const delta =
            cell.delta === undefined
              ? ''
              : `<span class="cmp-delta">${escapeHtml(keepUnits(formatDelta(cell.delta, row.format)))}${cell.relative === undefined ? '' : ` (${escapeHtml(keepUnits(formatRelative(cell.relative)))})`}</span>`;
          const verdict =
            cell.improved === true
              ? '<span class="visually-hidden"> better</span>'
              : cell.improved === false
                ? '<span class="visually-hidden"> worse</span>'
                : '';
          const run = comparison.runs[i];
          const label = run ? `${run.name}${i === comparison.baseline ? ' (baseline)' : ''}` : '';
          return `<td class="${classes.join(' ')}" data-label="${escapeHtml(label)}"><span class="cmp-value">${escapeHtml(keepUnits(formatValue(cell.value, row.format)))}</span>${delta}${verdict}</td>`;
        })
        .join('');
      const direction = row.format.direction === 'max' ? 'higher is better' : row.format.direction === 'min' ? 'lower is better' : '';
      const name = row.format.label === row.key ? escapeHtml(row.key) : `${escapeHtml(row.format.label)} <span class="cmp-key">${escapeHtml(row.key)}</span>`;
      return `<tr data-metric="${escapeHtml(row.key)}"><th scope="row">${name}${direction ? `<span class="cmp-direction">${direction}</span>` : ''}</th>${cells}</tr>`;
    })
    .join('');
  return `<div class="cmp-scroll"><table class="cmp-table cmp-metrics cmp-reflow"><thead><tr><th scope="col">Metric</th>${runHeaders(comparison, options)}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** The params table: rows that differ are highlighted, cells that differ from the baseline marked. */
export function paramsTableHtml(comparison: Comparison, options: HtmlOptions): string {
  if (comparison.params.length === 0) return '<p class="muted">These runs have no params.</p>';
  const body = comparison.params
    .map((row) => {
      const base = row.values[comparison.baseline];
      const cells = row.values
        .map((value, i) => {
          const changed = row.differs && i !== comparison.baseline && value !== base;
          return `<td${changed ? ' class="cmp-changed"' : ''}>${value === undefined ? '<span class="muted">–</span>' : escapeHtml(value)}</td>`;
        })
        .join('');
      return `<tr class="${row.differs ? 'cmp-differs' : 'cmp-equal'}"><th scope="row"><code>${escapeHtml(row.key)}</code></th>${cells}</tr>`;
    })
    .join('');
  const equal = comparison.params.filter((row) => !row.differs).length;
  const note = equal > 0 ? `<p class="cmp-print-only small muted">${equal} equal ${equal === 1 ? 'param is' : 'params are'} not printed.</p>` : '';
  return `${note}<div class="cmp-scroll"><table class="cmp-table cmp-params"><thead><tr><th scope="col">Param</th>${runHeaders(comparison, options)}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** A sentence counting the params that differ. */
export function paramsSummary(comparison: Comparison): string {
  const differing = comparison.params.filter((row) => row.differs).length;
  const total = comparison.params.length;
  if (total === 0) return 'No params recorded.';
  if (differing === 0) return `All ${total} params are equal.`;
  return `${differing} of ${total} params differ.`;
}

/**
 * The "why do these differ" panel: code, environment and data, only where runs disagree.
 * `objectHref` links an object of the store (the dirty diff) when the store has a public URL.
 */
export function whyHtml(comparison: Comparison, objectHref: (sha256: string) => string | undefined = () => undefined): string {
  const { why, runs } = comparison;
  const name = (i: number) => escapeHtml(runs[i]?.name ?? '');
  const items: string[] = [];
  if (why.codeDiffers) {
    const code = why.code
      .map((change, i) => {
        const commit = change.commit ? `<code>${escapeHtml(change.commit.slice(0, 10))}</code>` : '<span class="muted">no commit recorded</span>';
        const link = change.compareUrl ? ` · <a href="${escapeHtml(change.compareUrl)}" rel="noopener">compare with the baseline's commit</a>` : '';
        const diffHref = change.diff ? objectHref(change.diff) : undefined;
        const diffCode = change.diff ? `<code>${escapeHtml(change.diff.slice(0, 12))}</code>` : '';
        const diff = change.diff ? ` (diff ${diffHref ? `<a href="${escapeHtml(diffHref)}" rel="noopener">${diffCode}</a>` : diffCode})` : '';
        const dirty = change.dirty ? ` · <span class="cmp-warn">uncommitted changes</span>${diff}` : '';
        return `<li><strong>${name(i)}</strong>: ${commit}${dirty}${link}</li>`;
      })
      .join('');
    items.push(`<div class="cmp-why-item"><h3>Code</h3><ul>${code}</ul></div>`);
  } else items.push('<div class="cmp-why-item"><h3>Code</h3><p>Same commit, no uncommitted changes.</p></div>');
  for (const [title, rows, same] of [
    ['Environment', why.env, 'Same environment and dependency lock.'],
    ['Data', why.data, 'Same datasets, versions and hashes.'],
  ] as const) {
    if (rows.length === 0) {
      items.push(`<div class="cmp-why-item"><h3>${title}</h3><p>${same}</p></div>`);
      continue;
    }
    const list = rows
      .map((row) => {
        const values = row.values.map((v, i) => `<li>${name(i)}: ${v === undefined ? '<span class="muted">–</span>' : escapeHtml(v)}</li>`).join('');
        return `<li><code>${escapeHtml(row.key)}</code><ul>${values}</ul></li>`;
      })
      .join('');
    items.push(`<div class="cmp-why-item"><h3>${title}</h3><ul>${list}</ul></div>`);
  }
  return `<div class="cmp-why">${items.join('')}</div>`;
}

/**
 * One sentence for link previews: how the best run compares with the baseline on the first metric.
 * @example "3 runs compared against calm-fox-1; brave-otter-12 is best on validation accuracy: 94.1 %, +3.2 pt against the baseline."
 */
export function comparisonHeadline(comparison: Comparison, metrics?: string[]): string {
  const base = comparison.runs[comparison.baseline];
  const count = `${comparison.runs.length} runs compared against ${base?.name}`;
  const row = headlineMetric(comparison, metrics);
  if (!row || row.best === undefined) return `${count}.`;
  const best = comparison.runs[row.best];
  const cell = row.cells[row.best];
  if (!best || !cell) return `${count}.`;
  const label = sentenceLabel(row.format.label);
  if (comparison.runs.length === 1) return `${best.name}: ${label} ${formatValue(cell.value, row.format)}. Add more runs to compare.`;
  if (row.best === comparison.baseline) return `${count}; the baseline is best on ${label} (${formatValue(cell.value, row.format)}).`;
  const delta = cell.delta === undefined ? '' : `, ${formatDelta(cell.delta, row.format)} against the baseline`;
  const status = best.status === 'finished' ? '' : ` (${best.status})`;
  return `${count}; ${best.name}${status} is best on ${label}: ${formatValue(cell.value, row.format)}${delta}.`;
}

/**
 * The metric a headline leads with: the first chosen column, else the project's goal metric, else the
 * metric most runs report (the baseline included), alphabetical among equals.
 */
function headlineMetric(comparison: Comparison, metrics?: string[]): MetricRow | undefined {
  if (metrics && metrics.length > 0) return selectMetrics(comparison, metrics)[0];
  const goal = comparison.metrics.find((row) => row.key === comparison.goalMetric);
  if (goal) return goal;
  const reported = (row: MetricRow) => row.cells.filter((cell) => cell.value !== undefined && Number.isFinite(cell.value)).length;
  const withBaseline = comparison.metrics.filter((row) => row.cells[comparison.baseline]?.value !== undefined);
  const pool = withBaseline.length > 0 ? withBaseline : comparison.metrics;
  return [...pool].sort((a, b) => reported(b) - reported(a))[0];
}
