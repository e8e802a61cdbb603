/**
 * Comparison of any set of runs against a baseline: which params differ, how each metric moved and
 * whether that is an improvement, series aligned for overlay, and why the runs might differ (code,
 * environment, data). Pure: the CLI, the ad hoc compare page and saved comparisons all render this.
 */
import { ownValue, setOwn, splitSystemSeries } from '../run/keys.ts';
import type { Config } from '../config.ts';
import { RunpagesError } from '../errors.ts';
import type { RunRecord, SeriesData } from '../run/schema.ts';
import { metricFormat, type MetricDirection, type MetricFormat } from './metric.ts';

/** A run as comparisons need it: the record and, when loaded, its stored (downsampled) series. */
export interface ComparedRun {
  record: RunRecord;
  series?: Record<string, SeriesData>;
}

export interface ParamRow {
  /** Dotted path of the param, e.g. `optimizer.lr`. */
  key: string;
  /** Display value per run, in run order; undefined where the run lacks the param. */
  values: (string | undefined)[];
  differs: boolean;
}

export interface MetricCell {
  value: number | undefined;
  /** value - baseline value. */
  delta: number | undefined;
  /** delta / |baseline value|; undefined when the baseline is 0 or missing. */
  relative: number | undefined;
  /** true: better than the baseline, false: worse, undefined: equal, missing, or this is the baseline. */
  improved: boolean | undefined;
}

export interface MetricRow {
  key: string;
  format: MetricFormat;
  cells: MetricCell[];
  differs: boolean;
  /** Index of the best run for this metric, when any run has a value. */
  best: number | undefined;
}

export interface SeriesPoint {
  step: number;
  value: number;
  /** Seconds since the run's first logged point, when the series has times. */
  elapsed: number | undefined;
}

export interface SeriesOverlay {
  key: string;
  format: MetricFormat;
  /** One line per run that logged this series, in run order. */
  lines: { run: string; points: SeriesPoint[] }[];
}

export interface ValueRow {
  key: string;
  values: (string | undefined)[];
}

export interface CodeChange {
  run: string;
  commit: string | undefined;
  dirty: boolean;
  /** sha256 of the uncommitted diff, when the run was dirty. */
  diff: string | undefined;
  /** Forge compare view from the baseline's commit to this run's, when both are on GitHub. */
  compareUrl: string | undefined;
}

/** Reasons runs may differ besides their params. Only rows that differ are listed. */
export interface WhyDiffers {
  code: CodeChange[];
  /** True when commits differ or any run was dirty. */
  codeDiffers: boolean;
  env: ValueRow[];
  data: ValueRow[];
}

export interface RunSummary {
  id: string;
  name: string;
  project: string;
  status: string;
  created: string;
  user: string | undefined;
}

export interface Comparison {
  runs: RunSummary[];
  /** Index into `runs` of the baseline. */
  baseline: number;
  /** The goal metric of the baseline's project, when configured: what a headline should lead with. */
  goalMetric: string | undefined;
  params: ParamRow[];
  metrics: MetricRow[];
  series: SeriesOverlay[];
  why: WhyDiffers;
}

/**
 * Flattens nested params into dotted keys; lists stay values.
 * @example flattenParams({ optim: { lr: 0.1 } }) // { 'optim.lr': 0.1 }
 */
export function flattenParams(params: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
      // Object.assign would run the __proto__ setter for a param named so; setOwn keeps it data.
      for (const [inner, leaf] of Object.entries(flattenParams(value as Record<string, unknown>, path))) setOwn(flat, inner, leaf);
    } else {
      setOwn(flat, path, value);
    }
  }
  return flat;
}

/** Writes a param value for display; strings are shown as they are. */
export function showParam(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}

/**
 * Resolves run references against the known ids: a full id, an unambiguous id prefix, or (when
 * `names` is given, parallel to `ids`) a run name. Throws `unknown-run` or `ambiguous-run` listing
 * the candidates.
 * @example resolveRunIds(['01J9'], ['01J9ABC', '01K0DEF']) // ['01J9ABC']
 */
export function resolveRunIds(references: string[], ids: readonly string[], names?: readonly string[]): string[] {
  return references.map((reference) => {
    if (ids.includes(reference)) return reference;
    const matches = ids.filter((id) => id.startsWith(reference)).sort();
    if (matches.length === 1) return matches[0] as string;
    if (matches.length === 0) {
      const named = names ? ids.filter((_, i) => names[i] === reference).sort() : [];
      if (named.length === 1) return named[0] as string;
      if (named.length > 1) {
        throw new RunpagesError('ambiguous-run', `${named.length} runs are named "${reference}": ${named.slice(0, 10).join(', ')}.`, {
          hint: 'Use the id (or an id prefix) of the one you mean.',
        });
      }
      throw new RunpagesError('unknown-run', `No run id starts with "${reference}"${names ? ' and no run has that name' : ''}.`, {
        hint: 'Check the id (runpages ls lists runs), or use a longer prefix of it.',
      });
    }
    const shown = matches.slice(0, 10).join(', ') + (matches.length > 10 ? `, ... (${matches.length} in all)` : '');
    throw new RunpagesError('ambiguous-run', `"${reference}" matches ${matches.length} runs: ${shown}.`, {
      hint: 'Use a longer prefix so that only one run matches.',
    });
  });
}

/**
 * The GitHub web URL of a remote (https, ssh or scp-like), or undefined for other forges.
 * @example githubRepoUrl('git@github.com:acme/model.git') // 'https://github.com/acme/model'
 */
export function githubRepoUrl(remote: string | undefined): string | undefined {
  if (!remote) return undefined;
  const match = /^(?:https?:\/\/(?:[^@/]+@)?|ssh:\/\/git@|git@)github\.com[:/]([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(remote.trim());
  return match ? `https://github.com/${match[1]}/${match[2]}` : undefined;
}

function flattenEnv(record: RunRecord): Record<string, string> {
  const env = record.env;
  const flat: Record<string, string> = {};
  if (!env) return flat;
  for (const key of ['os', 'arch', 'cpu', 'cpus', 'memory_gb'] as const) {
    if (env[key] !== undefined) setOwn(flat, key, String(env[key]));
  }
  if (env.gpu) flat.gpu = env.gpu.join(', ');
  for (const [name, version] of Object.entries(env.runtimes ?? {})) setOwn(flat, `runtimes.${name}`, version);
  if (env.lock) setOwn(flat, `lock (${env.lock.file})`, env.lock.sha256.slice(0, 12));
  for (const [name, value] of Object.entries(env.vars ?? {})) setOwn(flat, `vars.${name}`, value);
  return flat;
}

function flattenData(record: RunRecord): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const dataset of record.data) {
    const parts = [dataset.version ? `version ${dataset.version}` : undefined, dataset.sha256 ? `sha256 ${dataset.sha256.slice(0, 12)}` : undefined];
    setOwn(flat, dataset.name, parts.filter(Boolean).join(', ') || 'used');
  }
  return flat;
}

/** Rows of `key -> value per run` for keys where the runs disagree, sorted by key. */
function differingRows(maps: Record<string, string>[]): ValueRow[] {
  const keys = [...new Set(maps.flatMap((map) => Object.keys(map)))].sort();
  return keys.map((key) => ({ key, values: maps.map((map) => ownValue(map, key)) })).filter((row) => new Set(row.values).size > 1);
}

function compareCode(records: RunRecord[], baseline: RunRecord): { code: CodeChange[]; codeDiffers: boolean } {
  const base = baseline.git?.commit;
  const repo = githubRepoUrl(baseline.git?.remote);
  const code = records.map((record) => {
    const commit = record.git?.commit;
    const sameRepo = githubRepoUrl(record.git?.remote) === repo;
    const compareUrl = repo && sameRepo && base && commit && commit !== base ? `${repo}/compare/${base}...${commit}` : undefined;
    return { run: record.id, commit, dirty: record.git?.dirty === true, diff: record.git?.diff, compareUrl };
  });
  const codeDiffers = new Set(code.map((c) => c.commit)).size > 1 || code.some((c) => c.dirty);
  return { code, codeDiffers };
}

function relativeTimes(series: SeriesData): (number | undefined)[] {
  const times = series.time;
  const start = times?.find((t) => Number.isFinite(t));
  return series.step.map((_, i) => (times && start !== undefined && Number.isFinite(times[i]) ? (times[i] as number) - start : undefined));
}

function overlay(runs: ComparedRun[], formatOf: (metric: string) => MetricFormat): SeriesOverlay[] {
  // The job's series first, then the system's (CPU, memory, GPUs), each group sorted.
  const { job, system } = splitSystemSeries([...new Set(runs.flatMap((run) => Object.keys(run.series ?? {})))].sort());
  const keys = [...job, ...system];
  return keys.map((key) => ({
    key,
    format: formatOf(key),
    lines: runs.flatMap((run) => {
      const series = ownValue(run.series, key);
      if (!series) return [];
      const elapsed = relativeTimes(series);
      const points = series.step
        .map((step, i) => ({ step, value: series.value[i] as number, elapsed: elapsed[i] }))
        .filter((point) => Number.isFinite(point.value));
      return [{ run: run.record.id, points }];
    }),
  }));
}

/**
 * Aligns overlaid lines on a shared axis: one row per step (or elapsed second) seen in any run,
 * with each run's value there (undefined where it logged none).
 */
export function alignSeries(series: SeriesOverlay, by: 'step' | 'elapsed' = 'step'): { x: number; values: (number | undefined)[] }[] {
  const byRun = series.lines.map((line) => {
    const map = new Map<number, number>();
    for (const point of line.points) {
      const x = by === 'step' ? point.step : point.elapsed;
      if (x !== undefined) map.set(x, point.value);
    }
    return map;
  });
  const xs = [...new Set(byRun.flatMap((map) => [...map.keys()]))].sort((a, b) => a - b);
  return xs.map((x) => ({ x, values: byRun.map((map) => map.get(x)) }));
}

export interface CompareOptions {
  /** Id (or unambiguous prefix) of the baseline; default the first run. */
  baseline?: string | undefined;
  /** Metric labels, formats and goal directions come from here (only `projects` is read). */
  config?: Pick<Config, 'projects'> | undefined;
}

/**
 * Compares runs (at least one) against a baseline.
 * @example compareRuns([a, b], { baseline: a.record.id }).metrics[0].cells[1].delta
 */
export function compareRuns(runs: ComparedRun[], options: CompareOptions = {}): Comparison {
  if (runs.length === 0) {
    throw new RunpagesError('no-runs', 'Nothing to compare: no runs were given.', { hint: 'Pass two or more run ids.' });
  }
  const records = runs.map((run) => run.record);
  const ids = records.map((record) => record.id);
  const baselineId =
    options.baseline === undefined
      ? ids[0]
      : resolveRunIds(
          [options.baseline],
          ids,
          records.map((r) => r.name),
        )[0];
  const baseline = Math.max(0, ids.indexOf(baselineId as string));
  const baseRecord = records[baseline] as RunRecord;
  // A metric reads the way its baseline run's project configures it.
  const project = options.config?.projects[baseRecord.project];
  const formatOf = (metric: string) => metricFormat(metric, project);

  const flatParams = records.map((record) => flattenParams(record.params));
  const paramKeys = [...new Set(flatParams.flatMap((params) => Object.keys(params)))].sort();
  const params = paramKeys.map((key) => {
    const values = flatParams.map((params) => showParam(ownValue(params, key)));
    return { key, values, differs: new Set(values).size > 1 };
  });

  const metricKeys = [...new Set(records.flatMap((record) => Object.keys(record.metrics)))].sort();
  const metrics = metricKeys.map((key) => metricRow(key, records, baseline, formatOf(key)));

  return {
    runs: records.map((r) => ({ id: r.id, name: r.name, project: r.project, status: r.status, created: r.created, user: r.user })),
    baseline,
    goalMetric: project?.goal?.metric,
    params,
    metrics,
    series: overlay(runs, formatOf),
    why: {
      ...compareCode(records, baseRecord),
      env: differingRows(records.map(flattenEnv)),
      data: differingRows(records.map(flattenData)),
    },
  };
}

function metricRow(key: string, records: RunRecord[], baseline: number, format: MetricFormat): MetricRow {
  const values = records.map((record) => ownValue(record.metrics, key));
  const base = values[baseline];
  const cells = values.map((value, i): MetricCell => {
    if (i === baseline || value === undefined || base === undefined || !Number.isFinite(value) || !Number.isFinite(base)) {
      return { value, delta: undefined, relative: undefined, improved: undefined };
    }
    const delta = value - base;
    return {
      value,
      delta,
      relative: base === 0 ? undefined : delta / Math.abs(base),
      improved: delta === 0 ? undefined : betterSign(delta, format.direction),
    };
  });
  let best: number | undefined;
  values.forEach((value, i) => {
    if (value === undefined || !Number.isFinite(value)) return;
    const current = best === undefined ? undefined : values[best];
    if (format.direction === 'none') return;
    if (current === undefined || (format.direction === 'max' ? value > current : value < current)) best = i;
  });
  const finite = values.map((v) => (v === undefined ? 'missing' : String(v)));
  return { key, format, cells, differs: new Set(finite).size > 1, best };
}

/** Whether a change is an improvement; undefined (no verdict) for metrics with no better direction. */
function betterSign(delta: number, direction: MetricDirection): boolean | undefined {
  if (direction === 'none') return undefined;
  return direction === 'max' ? delta > 0 : delta < 0;
}
