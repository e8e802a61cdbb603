/**
 * The parts of a run page that both kinds of run page show: the title and description (for link
 * previews), the overview facts, the metric, param and environment rows. Pure and browser-safe, so a page
 * pre-rendered at build time and one drawn in the browser from a data shard read the same.
 */
import { ownValue } from '../run/keys.ts';
import type { ProjectConfig } from '../config.ts';
import { flattenParams } from '../index/columns.ts';
import type { RunRecord } from '../run/schema.ts';
import { formatDate, formatDateTime, formatDuration, formatMetric, formatNumber, shortId } from './format.ts';
import type { RunEditInfo } from '../index/edits.ts';

/** Rows shown per table on a run page: a run with 100k params must not make a 50 MB page. */
export const MAX_ROWS = 2000;

export interface Fact {
  label: string;
  value: string;
  mono?: boolean;
}

export interface MetricRow {
  key: string;
  label: string;
  value: string;
  /** Series summary when the metric was also logged as a series. */
  series?: { points: number; min: string; max: string };
}

export interface ParamRow {
  key: string;
  value: string;
  /** Lists and long text render in a monospace block. */
  long: boolean;
}

/**
 * The page title and the Open Graph description: the goal metric (or the first metric) when the run
 * has it, who ran it and when.
 *
 * @example runHeadline(run.record, project.config).title // "brave-otter-12 · vision"
 */
export function runHeadline(
  r: Pick<RunRecord, 'name' | 'project' | 'status' | 'metrics' | 'user' | 'created'>,
  project: ProjectConfig,
): { title: string; description: string } {
  const goal = project.goal?.metric ?? Object.keys(r.metrics).sort()[0];
  const goalValue = goal === undefined ? undefined : ownValue(r.metrics, goal);
  const headline =
    goal !== undefined && goalValue !== undefined
      ? ` · ${ownValue(project.metrics, goal)?.label ?? goal} ${formatMetric(goalValue, ownValue(project.metrics, goal))}`
      : '';
  const who = r.user ? ` by ${r.user}` : '';
  return { title: `${r.name} · ${r.project}`, description: `${capitalise(r.status)} run in ${r.project}${headline}${who}, ${formatDateTime(r.created)}.` };
}

/** The overview facts: id, who, where, when, how long, how it ended. */
export function factRows(r: Pick<RunRecord, 'id' | 'experiment' | 'user' | 'host' | 'created' | 'ended' | 'duration_s' | 'exit_code'>): Fact[] {
  const rows: Fact[] = [{ label: 'Run id', value: r.id, mono: true }];
  if (r.experiment) rows.push({ label: 'Experiment', value: r.experiment });
  if (r.user) rows.push({ label: 'User', value: r.user });
  if (r.host) rows.push({ label: 'Host', value: r.host });
  rows.push({ label: 'Created', value: formatDateTime(r.created) });
  if (r.ended) rows.push({ label: 'Ended', value: formatDateTime(r.ended) });
  if (r.duration_s !== undefined) rows.push({ label: 'Duration', value: formatDuration(r.duration_s) });
  if (r.exit_code !== undefined) rows.push({ label: 'Exit code', value: String(r.exit_code), mono: true });
  return rows;
}

/** Metrics in key order with their display labels and formats; series ranges when `series` is given. */
export function metricRows(r: Pick<RunRecord, 'metrics'> & { series?: RunRecord['series'] }, project: ProjectConfig): MetricRow[] {
  return Object.keys(r.metrics)
    .sort()
    .map((key) => {
      const display = ownValue(project.metrics, key);
      const info = ownValue(r.series, key);
      const row: MetricRow = { key, label: display?.label ?? key, value: formatMetric(ownValue(r.metrics, key), display) };
      if (info && info.min !== undefined && info.max !== undefined) {
        row.series = { points: info.points, min: formatMetric(info.min, display), max: formatMetric(info.max, display) };
      }
      return row;
    });
}

/** Params flattened to dotted keys in key order, values shown as written. */
export function paramRows(params: Record<string, unknown>): ParamRow[] {
  return Object.entries(flattenParams(params))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => {
      const text = paramText(value);
      return { key, value: text, long: Array.isArray(value) || text.length > 60 };
    });
}

/** The environment the run ran in: OS, hardware, runtimes, lock file, recorded variables. */
export function envRows(r: Pick<RunRecord, 'env'>): { label: string; value: string }[] {
  const env = r.env;
  if (!env) return [];
  const rows: { label: string; value: string }[] = [];
  if (env.os) rows.push({ label: 'OS', value: env.arch ? `${env.os} (${env.arch})` : env.os });
  if (env.cpu) rows.push({ label: 'CPU', value: env.cpus ? `${env.cpu} × ${env.cpus}` : env.cpu });
  if (env.memory_gb !== undefined) rows.push({ label: 'Memory', value: `${formatNumber(env.memory_gb)} GB` });
  if (env.gpu && env.gpu.length > 0) rows.push({ label: 'GPU', value: env.gpu.join(', ') });
  for (const [name, version] of Object.entries(env.runtimes ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) rows.push({ label: name, value: version });
  if (env.lock) rows.push({ label: 'Lock file', value: `${env.lock.file} · ${shortId(env.lock.sha256, 12)}` });
  for (const [name, value] of Object.entries(env.vars ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) rows.push({ label: name, value });
  return rows;
}

function paramText(value: unknown): string {
  if (typeof value === 'number') return formatParamNumber(value);
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return String(value);
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

/** Params are shown exactly (1e-5 stays 1e-5, not 0.00001 rounded): people search for what they typed. */
function formatParamNumber(value: number): string {
  if (!Number.isFinite(value)) return formatNumber(value);
  return String(value);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The run page's audit line, from the branch's history.
 *
 * @example editedLine({ by: 'Ada', at: '2026-12-04T10:00:00Z', count: 2 }) // "Edited by Ada on 4 Dec 2026 (2 edits)"
 */
export function editedLine(edited: RunEditInfo): string {
  return `Edited by ${edited.by} on ${formatDate(edited.at)}${edited.count > 1 ? ` (${edited.count} edits)` : ''}`;
}
