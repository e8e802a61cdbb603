/**
 * What the run page shows, computed from the index: formatted facts, metric rows, flattened params,
 * artifact links, lineage. Pure, so the page template only lays it out.
 */
import { createHash } from 'node:crypto';
import type { ProjectConfig } from '../config.ts';
import { flattenParams } from '../index/columns.ts';
import type { IndexedRun } from '../index/run-index.ts';
import type { RunRecord } from '../run/schema.ts';
import { formatBytes, formatDateTime, formatDuration, formatMetric, formatNumber, shortId } from './format.ts';
import { commitUrl, githubRepo, objectUrl } from './url.ts';

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

export interface ArtifactRow {
  path: string;
  size: string;
  type: string;
  sha256: string;
  /** Public link when the config has `publicUrl`. */
  href?: string;
  /** The command that copies it locally. */
  pull: string;
}

export interface RunLink {
  id: string;
  /** Undefined when the linked run is not in this site (deleted, or another branch). */
  name?: string;
  status?: string;
}

/** Rows shown per table on a run page: a run with 100k params must not make a 50 MB page. */
export const MAX_ROWS = 2000;
/** Characters of notes rendered; longer notes are cut (the full text stays in run.yaml). */
export const MAX_NOTES = 100_000;

export interface RunView {
  title: string;
  description: string;
  facts: { label: string; value: string; mono?: boolean }[];
  metrics: MetricRow[];
  params: ParamRow[];
  /** Rows left out of the metrics and params tables beyond {@link MAX_ROWS}. */
  hidden: { metrics: number; params: number };
  /** Notes as given, cut at {@link MAX_NOTES}. */
  notes?: { text: string; truncated: boolean };
  artifacts: ArtifactRow[];
  git?: { commit?: string; short?: string; href?: string; branch?: string; remote?: string; repo?: string; dirty?: boolean };
  env: { label: string; value: string }[];
  parents: RunLink[];
  children: RunLink[];
}

/**
 * Builds the run page's view.
 *
 * @example runView(run, projectConfig, { publicUrl, runById, shellKey })
 */
export function runView(
  run: IndexedRun,
  project: ProjectConfig,
  site: { publicUrl?: string | undefined; runById: Map<string, IndexedRun>; shellKey: string },
): RunView {
  const r = run.record;
  const link = (id: string): RunLink => {
    const other = site.runById.get(id);
    return other ? { id, name: other.record.name, status: other.record.status } : { id };
  };
  const parents = r.parents.map(link);
  const children = run.children.map(link);
  const allMetrics = metricRows(r, project);
  const allParams = paramRows(r.params);
  const goal = project.goal?.metric ?? Object.keys(r.metrics).sort()[0];
  const goalValue = goal === undefined ? undefined : r.metrics[goal];
  const headline = goal !== undefined && goalValue !== undefined ? ` · ${project.metrics?.[goal]?.label ?? goal} ${formatMetric(goalValue, project.metrics?.[goal])}` : '';
  const who = r.user ? ` by ${r.user}` : '';
  const description = `${capitalise(r.status)} run in ${r.project}${headline}${who}, ${formatDateTime(r.created)}.`;
  return {
    title: `${r.name} · ${r.project}`,
    description,
    facts: facts(r),
    metrics: allMetrics.slice(0, MAX_ROWS),
    params: allParams.slice(0, MAX_ROWS),
    hidden: { metrics: Math.max(0, allMetrics.length - MAX_ROWS), params: Math.max(0, allParams.length - MAX_ROWS) },
    ...(r.notes ? { notes: { text: r.notes.slice(0, MAX_NOTES), truncated: r.notes.length > MAX_NOTES } } : {}),
    artifacts: r.artifacts.map((a) => {
      const href = objectUrl(site.publicUrl, a.sha256);
      return {
        path: a.path,
        size: formatBytes(a.size),
        type: a.type ?? '',
        sha256: a.sha256,
        ...(href ? { href } : {}),
        pull: `runpages pull ${r.id} ${shellQuote(a.path)}`,
      };
    }),
    ...(r.git ? { git: gitView(r.git) } : {}),
    env: envRows(r),
    parents,
    children,
  };
}

/**
 * The run page's incremental-build key: changes when anything the page shows changes (the run's
 * content, the site shell, the names and statuses of linked runs). Cheap, unlike the view itself,
 * because it is computed for every run on every build.
 */
export function runPageKey(run: IndexedRun, site: { publicUrl?: string | undefined; runById: Map<string, IndexedRun>; shellKey: string }): string {
  const link = (id: string) => {
    const other = site.runById.get(id);
    return other ? [id, other.record.name, other.record.status] : [id];
  };
  return createHash('sha256')
    .update(JSON.stringify([run.hash, site.shellKey, site.publicUrl ?? '', run.record.parents.map(link), run.children.map(link)]))
    .digest('hex')
    .slice(0, 32);
}

function facts(r: RunRecord): RunView['facts'] {
  const rows: RunView['facts'] = [{ label: 'Run id', value: r.id, mono: true }];
  if (r.experiment) rows.push({ label: 'Experiment', value: r.experiment });
  if (r.user) rows.push({ label: 'User', value: r.user });
  if (r.host) rows.push({ label: 'Host', value: r.host });
  rows.push({ label: 'Created', value: formatDateTime(r.created) });
  if (r.ended) rows.push({ label: 'Ended', value: formatDateTime(r.ended) });
  if (r.duration_s !== undefined) rows.push({ label: 'Duration', value: formatDuration(r.duration_s) });
  if (r.exit_code !== undefined) rows.push({ label: 'Exit code', value: String(r.exit_code), mono: true });
  return rows;
}

function metricRows(r: RunRecord, project: ProjectConfig): MetricRow[] {
  return Object.keys(r.metrics)
    .sort()
    .map((key) => {
      const display = project.metrics?.[key];
      const info = r.series[key];
      const row: MetricRow = { key, label: display?.label ?? key, value: formatMetric(r.metrics[key], display) };
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

function gitView(git: NonNullable<RunRecord['git']>): NonNullable<RunView['git']> {
  const href = commitUrl(git.remote, git.commit);
  const repo = githubRepo(git.remote);
  return {
    ...(git.commit ? { commit: git.commit, short: shortId(git.commit, 10) } : {}),
    ...(href ? { href } : {}),
    ...(git.branch ? { branch: git.branch } : {}),
    ...(git.remote ? { remote: git.remote } : {}),
    ...(repo ? { repo } : {}),
    ...(git.dirty !== undefined ? { dirty: git.dirty } : {}),
  };
}

function envRows(r: RunRecord): { label: string; value: string }[] {
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

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Quotes a path for a POSIX shell when it needs it. */
function shellQuote(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
