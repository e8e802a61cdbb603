/**
 * A comparison as text: an aligned table for the terminal (colour optional) and Markdown for a
 * pull-request comment. Pure: colours are passed in, so NO_COLOR is decided at the edge.
 */
import type { Comparison, MetricCell, MetricRow } from '../report/compare.ts';
import { formatDelta, formatRelative, formatValue } from '../report/metric.ts';
import type { MediaLinkRow } from '../report/media-links.ts';
import { terminalSafeDeep } from './terminal-text.ts';

/** The colour functions used; picocolors' `createColors(false)` gives plain text. */
export interface Paint {
  green: (text: string) => string;
  red: (text: string) => string;
  bold: (text: string) => string;
  dim: (text: string) => string;
}

const PLAIN: Paint = { green: (t) => t, red: (t) => t, bold: (t) => t, dim: (t) => t };

function runHeader(comparison: Comparison, i: number): string {
  const run = comparison.runs[i];
  if (!run) return '';
  return i === comparison.baseline ? `${run.name} (baseline)` : run.name;
}

/** "+2.1 pt (+2.3 %)", or with `separator` ", ": "+2.1 pt, +2.3 %". */
function deltaText(cell: MetricCell, row: MetricRow, separator?: string): string {
  if (cell.delta === undefined) return '';
  const delta = formatDelta(cell.delta, row.format);
  const relative = formatRelative(cell.relative);
  if (!relative) return delta;
  return separator === undefined ? `${delta} (${relative})` : `${delta}${separator}${relative}`;
}

/** Pads cells that may contain colour codes by their visible width. */
function pad(text: string, width: number): string {
  const visible = text.replace(/\u001b\[[0-9;]*m/g, '').length;
  return text + ' '.repeat(Math.max(0, width - visible));
}

function table(rows: string[][], plainRows: string[][]): string[] {
  const widths = plainRows[0]?.map((_, c) => Math.max(...plainRows.map((row) => (row[c] ?? '').length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, c) => pad(cell, widths[c] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * The comparison as aligned text for a terminal: metrics with coloured deltas, params that differ,
 * and why the runs differ.
 * @example process.stdout.write(comparisonText(compareRuns(runs), createColors(true)))
 */
export function comparisonText(untrusted: Comparison, paint: Paint = PLAIN): string {
  // Names, keys and values are run data: controls and bidi characters shown escaped, once, here.
  const comparison = terminalSafeDeep(untrusted);
  const lines: string[] = [];
  const base = comparison.runs[comparison.baseline];
  lines.push(paint.bold(`Comparing ${comparison.runs.length} runs against ${base?.name} (${base?.id})`), '');
  const header = ['', ...comparison.runs.map((_, i) => runHeader(comparison, i))];

  if (comparison.metrics.length > 0) {
    const plain = [header];
    const colored = [header.map((h) => paint.bold(h))];
    for (const row of comparison.metrics) {
      const texts = row.cells.map((cell) => `${formatValue(cell.value, row.format)} ${deltaText(cell, row)}`.trim());
      plain.push([row.format.label, ...texts]);
      colored.push([
        row.format.label,
        ...row.cells.map((cell, i) => {
          const text = texts[i] ?? '';
          return cell.improved === true ? paint.green(text) : cell.improved === false ? paint.red(text) : text;
        }),
      ]);
    }
    lines.push(paint.bold('Metrics'), ...table(colored, plain), '');
  }

  const differing = comparison.params.filter((row) => row.differs);
  const equal = comparison.params.length - differing.length;
  lines.push(paint.bold(`Params that differ`) + paint.dim(equal > 0 ? ` (${equal} equal, not shown)` : ''));
  if (differing.length === 0) lines.push('  none');
  else {
    const rows = [header, ...differing.map((row) => [row.key, ...row.values.map((v) => v ?? '–')])];
    lines.push(...table(rows, rows));
  }
  lines.push('', ...whyLines(comparison, paint));
  return `${lines.join('\n')}\n`;
}

function whyLines(comparison: Comparison, paint: Paint): string[] {
  const { why } = comparison;
  const lines = [paint.bold('Why these runs may differ')];
  const name = (i: number) => comparison.runs[i]?.name ?? '';
  if (why.codeDiffers) {
    why.code.forEach((code, i) => {
      const commit = code.commit ? code.commit.slice(0, 10) : 'no commit recorded';
      const dirty = code.dirty ? ` + uncommitted changes${code.diff ? ` (diff ${code.diff.slice(0, 12)})` : ''}` : '';
      const url = code.compareUrl ? ` ${paint.dim(code.compareUrl)}` : '';
      lines.push(`  code  ${name(i)}: ${commit}${dirty}${url}`);
    });
  } else lines.push('  code  same commit, no uncommitted changes');
  for (const [label, rows] of [
    ['env', why.env],
    ['data', why.data],
  ] as const) {
    if (rows.length === 0) lines.push(`  ${label}  same`);
    for (const row of rows) lines.push(`  ${label}  ${row.key}: ${row.values.map((v, i) => `${name(i)} ${v ?? '–'}`).join(', ')}`);
  }
  return lines;
}

/**
 * Escapes text from runs for a Markdown table cell (untrusted: no HTML, no links, no pipes, no
 * @-mentions, no entities).
 */
function md(text: string): string {
  return text.replace(/[\\`*_[\]<>|#!@&~]/g, (c) => `\\${c}`).replace(/\n/g, ' ');
}

/** A URL from run data as a Markdown link target: characters that would end it or open HTML encoded. */
function mdUrl(url: string): string {
  return /^https?:\/\//i.test(url) ? url.replace(/[\s()<>[\]`"'|\\]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`) : '#';
}

/**
 * The comparison as GitHub-flavoured Markdown for a pull-request comment.
 * `link` (the compare page's URL) is added when the site's address is known.
 */
export function comparisonMarkdown(untrusted: Comparison, link?: string, images: readonly MediaLinkRow[] = []): string {
  // The comment is read in a terminal too (piped through `gh`): controls escaped before Markdown escaping.
  const comparison = terminalSafeDeep(untrusted);
  const base = comparison.runs[comparison.baseline];
  const out: string[] = [`### Comparison of ${comparison.runs.length} runs`, ''];
  out.push(`Baseline: **${md(base?.name ?? '')}** (\`${base?.id}\`)${link ? ` · [open the comparison](${link})` : ''}`, '');
  const header = `| | ${comparison.runs.map((_, i) => md(runHeader(comparison, i))).join(' | ')} |`;
  const rule = `|---|${comparison.runs.map(() => '---:').join('|')}|`;

  if (comparison.metrics.length > 0) {
    out.push('**Metrics**', '', header, rule);
    for (const row of comparison.metrics) {
      const cells = row.cells.map((cell) => {
        const delta = deltaText(cell, row, ', ');
        const mark = cell.improved === true ? ' ✅' : cell.improved === false ? ' 🔻' : '';
        return `${formatValue(cell.value, row.format)}${delta ? ` (${delta})${mark}` : ''}`;
      });
      out.push(`| ${md(row.format.label)} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }

  const differing = comparison.params.filter((row) => row.differs);
  const equal = comparison.params.length - differing.length;
  out.push(`**Params that differ**${equal > 0 ? ` (${equal} equal, not shown)` : ''}`, '');
  if (differing.length === 0) out.push('None.');
  else {
    out.push(header.replace('| |', '| Param |'), rule);
    for (const row of differing)
      out.push(`| \`${row.key.replace(/`/g, "'").replace(/\|/g, '\\|')}\` | ${row.values.map((v) => (v === undefined ? '–' : md(v))).join(' | ')} |`);
  }
  if (images.length > 0) {
    // Images in the table itself: a comment shows them side by side, each run's last step.
    out.push('', "**Images** (each run's last step)", '', header.replace('| |', '| Key |'), rule);
    for (const row of terminalSafeDeep(images)) {
      const cells = row.runs.map((run, i) => {
        if (!run) return '–';
        const label = md(`${row.key}, ${comparison.runs[i]?.name ?? ''}${run.step === undefined ? '' : `, step ${run.step}`}`);
        return run.url ? `![${label}](${mdUrl(run.url)})` : `${run.step === undefined ? 'logged' : `step ${run.step}`} (no public copy)`;
      });
      out.push(`| \`${row.key.replace(/`/g, "'").replace(/\|/g, '\\|')}\` | ${cells.join(' | ')} |`);
    }
  }
  out.push('', '**Why these runs may differ**', '');
  const { why } = comparison;
  const name = (i: number) => md(comparison.runs[i]?.name ?? '');
  if (why.codeDiffers) {
    why.code.forEach((code, i) => {
      const commit = code.commit ? `\`${code.commit.slice(0, 10).replace(/[`|]/g, '')}\`` : 'no commit recorded';
      const compare = code.compareUrl ? ` ([diff](${mdUrl(code.compareUrl)}))` : '';
      out.push(`- Code, ${name(i)}: ${commit}${compare}${code.dirty ? ', with uncommitted changes' : ''}`);
    });
  } else out.push('- Code: same commit, no uncommitted changes');
  for (const [label, rows] of [
    ['Environment', why.env],
    ['Data', why.data],
  ] as const) {
    if (rows.length === 0) out.push(`- ${label}: same`);
    for (const row of rows) out.push(`- ${label}, ${md(row.key)}: ${row.values.map((v, i) => `${name(i)} ${md(v ?? '–')}`).join('; ')}`);
  }
  return `${out.join('\n')}\n`;
}
