/**
 * The media rows of a comparison (media-compare.ts) as HTML, one implementation for both pages: the
 * saved comparison `/c/<slug>/` renders it at build time, `/compare/` in the browser. Run data is
 * escaped here; the SVGs were drawn by the build (media-charts.ts), never taken from a run; images
 * are only ever `<img>` of the site's own verified copies. Without JavaScript each run shows its
 * last step; scripts/compare/media.ts adds the one slider.
 */
import { escapeHtml } from '../report/compare-html.ts';
import { runColor } from '../report/colors.ts';
import type { CompareMedia, CompareMediaColumn, CompareMediaRow } from './media-compare.ts';
import type { MediaChartItem, MediaImageItem, MediaTableItem, MediaTextItem } from './media-view.ts';
import { stepLabel } from './media-view.ts';

const KIND_LABEL: Record<CompareMediaRow['kind'], string> = {
  image: 'images',
  confusion_matrix: 'confusion matrix',
  curve: 'curve',
  histogram: 'histogram over steps',
  table: 'table',
  text: 'text',
};
/** Rows of a table shown in a comparison (the run page has them all). */
export const COMPARE_TABLE_ROWS = 10;

/**
 * @example compareMediaHtml(compareMedia(runs, views), { url: (path) => `/ml/${path}` })
 */
export function compareMediaHtml(media: CompareMedia, options: { url: (path: string) => string }): string {
  if (media.rows.length === 0) return '';
  const h = escapeHtml;
  const rows = media.rows.map((row) => {
    const id = `cmp-media-${row.kind}-${row.key}`.replace(/[^A-Za-z0-9_-]+/g, '-');
    const columns = row.columns.map((column, index) => columnHtml(row, column, index, options.url)).join('');
    return (
      `<article class="card cmp-media-row" aria-labelledby="${h(id)}">` +
      `<h3 class="cmp-media-key" id="${h(id)}"><span class="mono">${h(row.key)}</span> <span class="faint small">${KIND_LABEL[row.kind]}</span></h3>` +
      `<div class="cmp-media-columns">${columns}</div>${overlayHtml(row)}${differenceHtml(row)}</article>`
    );
  });
  return (
    `<section aria-labelledby="media" class="cmp-media" data-compare-media data-steps="${media.steps.join(' ')}">` +
    '<h2 class="section-title" id="media">Media <span class="small muted">each run at its last step; the slider shows every run at one step, or its nearest</span></h2>' +
    `${rows.join('')}</section>`
  );
}

function step(step: number | undefined, hidden: boolean, body: string): string {
  return `<div class="cmp-media-step" data-step="${step === undefined ? '' : step}"${hidden ? ' hidden' : ''}><p class="muted small" data-step-label>${escapeHtml(stepLabel(step))}</p>${body}</div>`;
}

function swatch(index: number): string {
  return `<svg class="cmp-swatch" width="10" height="10" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" rx="2" fill="${runColor(index)}"></rect></svg>`;
}

function columnHtml(row: CompareMediaRow, column: CompareMediaColumn, index: number, url: (path: string) => string): string {
  const h = escapeHtml;
  const head = `<p class="cmp-media-run small">${swatch(index)} ${h(column.name)}</p>`;
  let body: string;
  if (row.kind === 'histogram') {
    body = column.svg
      ? `<div class="media-svg">${column.svg}</div>`
      : `<p class="muted small">${h(column.missing ? `Not shown: ${column.missing}` : 'Not logged by this run.')}</p>`;
  } else if (column.blocks.length === 0) body = '<p class="muted small">Not logged by this run.</p>';
  else {
    body = column.blocks
      .map((block, b) => {
        const items = block.items.map((item) => itemHtml(row, column, item, url)).join('');
        // A step's images sit in one wrapping grid, as on the run page.
        return step(block.step, b !== column.blocks.length - 1, row.kind === 'image' ? `<div class="cmp-media-images">${items}</div>` : items);
      })
      .join('');
  }
  return `<div class="cmp-media-column" data-media-column>${head}${body}</div>`;
}

type Item = MediaImageItem | MediaChartItem | MediaTableItem | MediaTextItem;

function itemHtml(row: CompareMediaRow, column: CompareMediaColumn, item: Item, url: (path: string) => string): string {
  const h = escapeHtml;
  const missing = (text: string | undefined, extra = ''): string => `<p class="muted small">Not shown: ${h(text ?? 'no data')}${extra}</p>`;
  switch (row.kind) {
    case 'image': {
      const image = item as MediaImageItem;
      const size = `${image.width ? ` width="${image.width}"` : ''}${image.height ? ` height="${image.height}"` : ''}`;
      const shown = image.src
        ? `<img src="${h(url(image.src))}"${size} alt="${h(image.caption ?? `${row.key} of ${column.name}, ${stepLabel(image.step)}`)}" loading="lazy" decoding="async">`
        : missing(image.missing, image.href ? ` · <a href="${h(image.href)}" rel="nofollow noopener">original in the store</a>` : '');
      return `<figure class="cmp-media-image">${shown}${image.caption ? `<figcaption class="small">${h(image.caption)}</figcaption>` : ''}</figure>`;
    }
    case 'confusion_matrix':
    case 'curve': {
      const chart = item as MediaChartItem;
      if (!chart.svg) return missing(chart.missing);
      const svg = row.kind === 'confusion_matrix' ? (chart.normalized ?? chart.svg) : chart.svg;
      const figures = [
        row.kind === 'confusion_matrix' ? 'Normalised by true class' : '',
        chart.auc === undefined ? '' : `<span>AUC <strong>${chart.auc.toFixed(4)}</strong></span> `,
        chart.ap === undefined ? '' : `<span>AP <strong>${chart.ap.toFixed(4)}</strong></span>`,
      ].join('');
      return `<figure class="cmp-media-chart"><div class="media-svg">${svg}</div><figcaption class="small muted">${figures}</figcaption></figure>`;
    }
    case 'text': {
      const text = item as MediaTextItem;
      return text.text === undefined ? missing(text.missing) : `<pre class="cmp-media-text"><code>${h(text.text)}</code></pre>`;
    }
    case 'table':
      return tableHtml(item as MediaTableItem, url);
    default:
      return '';
  }
}

function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return String(Number.isInteger(cell) ? cell : Number(cell.toPrecision(6)));
  return typeof cell === 'object' ? 'image' : String(cell);
}

function tableHtml(item: MediaTableItem, url: (path: string) => string): string {
  const h = escapeHtml;
  if (item.missing) return `<p class="muted small">Not shown: ${h(item.missing)}</p>`;
  const head = item.columns.map((name) => `<th scope="col">${h(name)}</th>`).join('');
  const body = item.rows
    .slice(0, COMPARE_TABLE_ROWS)
    .map((cells) => {
      const wrong = item.verdict && cellText(cells[item.verdict.label]) !== cellText(cells[item.verdict.prediction]);
      const tds = cells.map((cell) => {
        if (cell === null || typeof cell !== 'object') return `<td>${h(cellText(cell))}</td>`;
        const src = item.images[cell.image];
        return `<td>${src ? `<img class="cmp-thumb" src="${h(url(src))}" alt="" loading="lazy" decoding="async">` : `<span class="faint small mono">image ${h(cell.image.slice(0, 8))}</span>`}</td>`;
      });
      return `<tr${wrong ? ' class="cmp-mispredicted"' : ''}>${tds.join('')}</tr>`;
    })
    .join('');
  const shown = Math.min(COMPARE_TABLE_ROWS, item.rows.length);
  return `<div class="cmp-scroll"><table class="cmp-table"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table><p class="muted small">${shown} of ${item.totalRows.toLocaleString('en-US')} rows; the run page has them all.</p></div>`;
}

function overlayHtml(row: CompareMediaRow): string {
  if (!row.overlays) return '';
  const blocks = row.overlays.map((overlay, o, all) =>
    step(overlay.step, o !== all.length - 1, `<figure class="cmp-media-chart"><div class="media-svg">${overlay.svg}</div></figure>`),
  );
  return `<div class="cmp-media-overlay" data-media-column><p class="small"><strong>Overlaid</strong> <span class="muted">runs coloured as above</span></p>${blocks.join('')}</div>`;
}

/**
 * On the diagonal more is better (more of the class found); off it, more is worse. Colour only: the
 * metric tables' arrows would contradict the sign (a smaller mistake is a minus, and better).
 */
function deltaClass(value: number, diagonal: boolean): string {
  if (Math.abs(value) < 0.0005) return '';
  return ` class="${(value > 0) === diagonal ? 'cmp-better' : 'cmp-worse'}"`;
}

function signed(value: number): string {
  return Math.abs(value) < 0.0005 ? '0' : `${value > 0 ? '+' : '−'}${Math.abs(value).toFixed(3)}`;
}

function differenceHtml(row: CompareMediaRow): string {
  if (!row.differences) return '';
  const h = escapeHtml;
  const blocks = row.differences.map((difference, d, all) => {
    const tables = difference.runs.map((run) => {
      const head = `<tr><th scope="col">true \\ predicted</th>${run.labels.map((label) => `<th scope="col">${h(label)}</th>`).join('')}</tr>`;
      const body = run.delta
        .map(
          (cells, i) =>
            `<tr><th scope="row">${h(run.labels[i] ?? '')}</th>${cells.map((value, j) => `<td${deltaClass(value, i === j)}><span class="cmp-num">${signed(value)}</span></td>`).join('')}</tr>`,
        )
        .join('');
      return `<div class="cmp-scroll"><table class="cmp-table cmp-media-delta"><caption class="small">${h(run.name)} − ${h(difference.baseline)}</caption><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
    });
    return step(difference.step, d !== all.length - 1, tables.join(''));
  });
  const baseline = row.differences[0]?.baseline ?? '';
  return `<div class="cmp-media-diff" data-media-column><p class="small"><strong>Difference</strong> <span class="muted">share of each true class, run minus the baseline ${h(baseline)}</span></p>${blocks.join('')}</div>`;
}
