/**
 * One run in detail for `runpages show`, and finding a run from what a user typed (an id, a prefix
 * of one, or a name). Pure: records, config and clock come in; text goes out.
 */
import { ownValue } from '../run/keys.ts';
import type { Colors } from 'picocolors/types.js';
import type { Config } from '../config.ts';
import { RunpagesError } from '../errors.ts';
import type { RunRecord } from '../run/schema.ts';
import { formatBytes, formatDateTime, formatDuration, formatMetric, formatNumber, formatRelative } from '../site/format.ts';
import { flattenParamKeys, formatValue, paintStatus } from './ls-table.ts';
import { recordValue } from '../query/record.ts';
import { lastHeard, progressOf } from '../site/live-view.ts';
import { terminalLines, terminalSafeDeep, terminalText } from './terminal-text.ts';

/**
 * The run `reference` names: an exact id, else the one id starting with it, else the one run with
 * that exact name. Unknown or ambiguous references are errors that list the candidates.
 *
 * @example findRun(records, '01M3DA') // the run whose id starts with 01M3DA
 */
export function findRun(records: readonly RunRecord[], reference: string): RunRecord {
  const shown = terminalText(reference);
  const exact = records.find((record) => record.id === reference);
  if (exact) return exact;
  const byPrefix = records.filter((record) => record.id.startsWith(reference));
  const candidates = byPrefix.length > 0 ? byPrefix : records.filter((record) => record.name === reference);
  if (candidates.length === 1) return candidates[0] as RunRecord;
  if (candidates.length === 0) {
    const similar = records.filter((record) => record.id.toLowerCase().startsWith(reference.toLowerCase()) || record.name.includes(reference));
    throw new RunpagesError('unknown-run', `No run has an id starting with "${shown}" or the name "${shown}".${listCandidates(similar)}`, {
      hint:
        similar.length > 0
          ? 'Use one of the ids above.'
          : 'List runs with `runpages ls` (add --from <dir> for a folder of runs), then pass an id or a prefix of one.',
    });
  }
  throw new RunpagesError('ambiguous-run', `"${shown}" matches ${candidates.length} runs:${listCandidates(candidates)}`, {
    hint: 'Use a longer prefix of the id so that only one run matches.',
  });
}

function listCandidates(records: readonly RunRecord[]): string {
  if (records.length === 0) return '';
  const sorted = [...records].sort((a, b) => (a.id < b.id ? -1 : 1));
  const shown = terminalSafeDeep(sorted.slice(0, 10));
  const pad = (values: string[]): string[] => values.map((value) => value.padEnd(Math.max(...values.map((v) => v.length))));
  const [ids, names, projects, statuses] = [
    pad(shown.map((r) => r.id)),
    pad(shown.map((r) => r.name)),
    pad(shown.map((r) => r.project)),
    pad(shown.map((r) => r.status)),
  ];
  const lines = shown.map((record, i) => `\n  ${ids[i]}  ${names[i]}  ${projects[i]}  ${statuses[i]}  ${record.created}`);
  return `${lines.join('')}${records.length > 10 ? `\n  ... and ${records.length - 10} more` : ''}`;
}

export interface DetailOptions {
  now: Date;
  color: Colors;
  config?: Config | undefined;
  /** Runs that name this run as a parent. */
  children?: readonly RunRecord[];
}

/** The run as sections of aligned key-value lines: overview, params, metrics, series, artifacts, lineage, notes. */
export function renderRunDetail(untrusted: RunRecord, options: DetailOptions): string {
  const { color } = options;
  // Every field is run data: escaped once here; notes and output keep their lines and are escaped below.
  const record = terminalSafeDeep(untrusted);
  const children = terminalSafeDeep(options.children ?? []);
  const out: string[] = [];
  const section = (title: string, rows: [string, string][]): void => {
    if (rows.length === 0) return;
    out.push('', color.bold(title));
    const width = Math.min(32, Math.max(...rows.map(([key]) => key.length)));
    for (const [key, value] of rows) out.push(`  ${color.dim(key.padEnd(width))}  ${value}`);
  };

  out.push(
    `${color.bold(record.name)}  ${paintStatus(record.status, record.status, color)}${record.exit_code === undefined ? '' : color.dim(` (exit ${record.exit_code})`)}`,
  );
  const overview: [string, string][] = [
    ['id', record.id],
    ['project', record.experiment ? `${record.project} / ${record.experiment}` : record.project],
  ];
  if (record.user || record.host) overview.push(['by', [record.user, record.host].filter(Boolean).join(' on ')]);
  overview.push(['created', `${formatDateTime(record.created)} (${formatRelative(record.created, options.now)})`]);
  if (record.ended) overview.push(['ended', formatDateTime(record.ended)]);
  if (record.status === 'running' || record.status === 'crashed') {
    const heard = lastHeard(record);
    overview.push(['last heard', `${formatDateTime(heard)} (${formatRelative(heard, options.now)})`]);
  }
  const progress = progressOf(record);
  if (progress && !record.ended)
    overview.push([
      'progress',
      `${progress.text.startsWith('step') ? progress.text : `step ${progress.text}`}${progress.percent === undefined ? '' : ` (${progress.percent} %)`}`,
    ]);
  if (record.duration_s !== undefined) overview.push(['duration', formatDuration(record.duration_s)]);
  if (record.command) overview.push(['command', record.command]);
  if (record.tags.length > 0) overview.push(['tags', record.tags.join(', ')]);
  section('Run', overview);

  section(
    'Params',
    flattenParamKeys(record.params).map((key) => [key, formatValue(recordValue(record, { kind: 'param', name: key }))]),
  );
  const display = options.config?.projects[record.project];
  const goal = display?.goal?.metric;
  section(
    'Metrics',
    Object.keys(record.metrics)
      .sort()
      .map((key) => [key, `${formatMetric(record.metrics[key], ownValue(display?.metrics, key))}${key === goal ? color.dim('  (goal)') : ''}`]),
  );
  section(
    'Series',
    Object.entries(record.series)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, info]) => {
        const range = info.min === undefined || info.max === undefined ? '' : `  min ${formatNumber(info.min)}  max ${formatNumber(info.max)}`;
        const last = info.last === undefined ? '' : `  last ${formatNumber(info.last)}`;
        const stored = info.stored < info.points ? ` (${info.stored} on the branch)` : '';
        return [key, `${info.points} points${stored}${last}${range}`];
      }),
  );
  section(
    'Artifacts',
    record.artifacts.map((artifact) => [
      artifact.path,
      `${formatBytes(artifact.size).padStart(9)}${artifact.type ? `  ${artifact.type}` : ''}  ${color.dim(artifact.sha256.slice(0, 12))}`,
    ]),
  );
  if (record.artifacts.length > 0) out.push(color.dim(`  download: runpages pull ${record.id} [path] --out <dir>`));

  const git = record.git;
  if (git) {
    const rows: [string, string][] = [];
    if (git.commit) rows.push(['commit', `${git.commit}${git.dirty ? color.yellow(' (uncommitted changes)') : ''}`]);
    if (git.branch) rows.push(['branch', git.branch]);
    if (git.remote) rows.push(['remote', git.remote]);
    if (git.diff) rows.push(['diff', `sha256 ${git.diff} (the uncommitted changes, in the object store)`]);
    section('Git', rows);
  }
  const env = record.env;
  if (env) {
    const rows: [string, string][] = [];
    for (const key of ['os', 'arch', 'cpu', 'cpus', 'memory_gb'] as const) if (env[key] !== undefined) rows.push([key, String(env[key])]);
    if (env.gpu && env.gpu.length > 0) rows.push(['gpu', env.gpu.join(', ')]);
    for (const [name, version] of Object.entries(env.runtimes ?? {})) rows.push([name, version]);
    if (env.lock) rows.push([env.lock.file, env.lock.sha256.slice(0, 12)]);
    for (const [name, value] of Object.entries(env.vars ?? {})) rows.push([name, value]);
    section('Environment', rows);
  }
  section(
    'Data',
    record.data.map((dataset) => [dataset.name, [dataset.version, dataset.uri, dataset.sha256?.slice(0, 12)].filter(Boolean).join('  ')]),
  );
  const lineage: [string, string][] = record.parents.map((id) => ['parent', id]);
  for (const child of children) lineage.push(['child', `${child.id}  ${child.name}`]);
  section('Lineage', lineage);
  if (untrusted.notes?.trim()) {
    out.push('', color.bold('Notes'));
    for (const line of untrusted.notes.trimEnd().split('\n')) out.push(`  ${terminalLines(line)}`);
  }
  if (untrusted.output_tail?.trim()) {
    out.push('', color.bold('Output (last lines)'));
    for (const line of untrusted.output_tail.trimEnd().split('\n').slice(-20)) out.push(color.dim(`  ${terminalLines(line)}`));
  }
  return out.join('\n');
}
