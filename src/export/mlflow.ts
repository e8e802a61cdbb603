/**
 * Runs as an MLflow file store (`mlruns/`), the format `mlflow/store/tracking/file_store.py` reads,
 * so a team can take its history back out (the MLflow importer, src/import/mlflow.ts, reads the
 * same layout; an import and an export round trip):
 *
 * ```
 * mlruns/<experiment-id>/meta.yaml                 name, experiment_id, artifact_location, lifecycle_stage, times
 * mlruns/<experiment-id>/<run-id>/meta.yaml        run_id, run_name, user_id, status (1-5), start_time, end_time (ms)
 *                                 /params/<key>    the value as text
 *                                 /metrics/<key>   lines "timestamp_ms value step"
 *                                 /tags/<key>      the value; keys with `/` are subfolders
 * ```
 *
 * Mapping decisions (the inverse of the importer's):
 * - Experiments are the runs' `experiment` (else their project); a run imported from MLflow keeps its
 *   experiment id, other experiments get the next free number. Run ids are kept (MLflow accepts them).
 * - Params: nested params flatten with `.`; numbers as written, booleans `True`/`False` (Python's
 *   `str`), lists and objects as JSON; `/` in a key stays a subfolder.
 * - Tags `key:value` become tag `key` = `value` (`key` alone: empty value); name, user, notes,
 *   command, git and the first parent become MLflow's system tags; the `mlflow.tags` an MLflow import
 *   kept are written back; the project becomes tag `runpages.project` when the experiment name
 *   would not give it back.
 * - Metrics: every point of each series (the full series from the object store when the branch holds
 *   a downsampled one); a metric with a summary value but no points becomes one point holding it.
 * - Every path component of an untrusted name is checked (no empty, `.`, `..`, `.git`, `\`, NUL); a
 *   key that fails is left out with a warning.
 */
import { parseTag } from '../query/tags.ts';
import { stringifyYaml } from '../run/yaml.ts';
import type { RunRecord, RunStatus, SeriesData } from '../run/schema.ts';

export interface ExportRun {
  record: RunRecord;
  /** Each series at the best resolution available (full, or the branch's downsampled points). */
  series: Record<string, SeriesData>;
}

/** One file of the store, as path components under the store root. */
export interface StoreFile {
  path: string[];
  content: string;
}

// MLflow has no "crashed": a run whose heartbeats stopped is FAILED there.
const STATUS_NUMBER: Record<RunStatus, number> = { running: 1, finished: 3, failed: 4, killed: 5, crashed: 4 };

/**
 * The files of an MLflow store holding `runs`, and what could not be written (bad keys).
 * `rootUri` is the store's own `file://` URI, for the artifact locations MLflow expects.
 *
 * @example
 * const { files, warnings } = mlflowStoreFiles(runs, pathToFileURL(resolve('mlruns')).href);
 */
export function mlflowStoreFiles(runs: readonly ExportRun[], rootUri: string): { files: StoreFile[]; warnings: string[]; experiments: Map<string, string> } {
  const warnings: string[] = [];
  const files: StoreFile[] = [];
  const experiments = experimentIds(runs);
  const byExperiment = new Map<string, ExportRun[]>();
  for (const run of runs) {
    const id = experiments.get(experimentName(run.record))!;
    byExperiment.set(id, [...(byExperiment.get(id) ?? []), run]);
  }
  for (const [name, id] of [...experiments].sort(([, a], [, b]) => Number(a) - Number(b))) {
    const members = byExperiment.get(id) ?? [];
    const starts = members.map((run) => Date.parse(run.record.created));
    const ends = members.map((run) => (run.record.ended ? Date.parse(run.record.ended) : Date.parse(run.record.created)));
    files.push({
      path: [id, 'meta.yaml'],
      content: stringifyYaml({
        artifact_location: `${rootUri}/${id}`,
        creation_time: Math.min(...starts),
        experiment_id: id,
        last_update_time: Math.max(...ends),
        lifecycle_stage: 'active',
        name,
      }),
    });
    for (const run of members) files.push(...runFiles(run, id, rootUri, warnings));
  }
  return { files: withoutCollisions(files, warnings), warnings, experiments };
}

function experimentName(record: RunRecord): string {
  return record.experiment ?? record.project;
}

/** Experiment name -> id: an MLflow import's own id when free, else the next number from 1 (0 is MLflow's Default). */
function experimentIds(runs: readonly ExportRun[]): Map<string, string> {
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  const names = [...new Set(runs.map((run) => experimentName(run.record)))].sort();
  for (const name of names) {
    const own = runs.map((run) => mlflowOf(run.record).experiment_id).find((id, i) => typeof id === 'string' && experimentName(runs[i]!.record) === name);
    if (typeof own === 'string' && /^\d+$/.test(own) && !taken.has(own)) {
      ids.set(name, own);
      taken.add(own);
    }
  }
  let next = 1;
  for (const name of names) {
    if (ids.has(name)) continue;
    while (taken.has(String(next))) next++;
    ids.set(name, String(next));
    taken.add(String(next));
  }
  return ids;
}

function mlflowOf(record: RunRecord): { experiment_id?: unknown; lifecycle_stage?: unknown; tags?: unknown } {
  const value = (record as Record<string, unknown>).mlflow;
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function runFiles(run: ExportRun, experimentId: string, rootUri: string, warnings: string[]): StoreFile[] {
  const { record } = run;
  const files: StoreFile[] = [];
  const where = `run ${record.id}`;
  const startMs = Date.parse(record.created);
  const endMs = record.ended ? Date.parse(record.ended) : null;
  const mlflow = mlflowOf(record);
  const fromMlflow = mlflow.experiment_id !== undefined;
  files.push({
    path: [experimentId, record.id, 'meta.yaml'],
    content: stringifyYaml({
      artifact_uri: `${rootUri}/${experimentId}/${record.id}/artifacts`,
      end_time: record.status === 'running' ? null : endMs,
      entry_point_name: '',
      experiment_id: experimentId,
      lifecycle_stage: typeof mlflow.lifecycle_stage === 'string' ? mlflow.lifecycle_stage : 'active',
      run_id: record.id,
      run_name: record.name,
      run_uuid: record.id,
      source_name: '',
      source_type: 4,
      source_version: '',
      start_time: startMs,
      status: STATUS_NUMBER[record.status],
      tags: [],
      user_id: record.user ?? '',
    }),
  });
  const add = (folder: string, key: string, content: string): void => {
    const path = keyPath(key);
    if (!path) warnings.push(`${where}: ${folder} key ${JSON.stringify(key)} cannot be a file path (empty, ".", "..", ".git", "\\" or NUL in it); left out`);
    else files.push({ path: [experimentId, record.id, folder, ...path], content });
  };

  for (const [key, value] of flattenParams(record.params)) add('params', key, paramText(value));

  const tags = new Map<string, string>();
  if (mlflow.tags !== null && typeof mlflow.tags === 'object') {
    for (const [key, value] of Object.entries(mlflow.tags as Record<string, unknown>)) if (typeof value === 'string') tags.set(key, value);
  }
  for (const tag of record.tags) {
    const { key, value } = parseTag(tag);
    tags.set(key, value ?? '');
  }
  tags.set('mlflow.runName', record.name);
  if (record.user) tags.set('mlflow.user', record.user);
  if (record.notes) tags.set('mlflow.note.content', record.notes);
  if (record.command) tags.set('mlflow.source.name', record.command);
  if (record.git?.commit) tags.set('mlflow.source.git.commit', record.git.commit);
  if (record.git?.branch) tags.set('mlflow.source.git.branch', record.git.branch);
  // An imported run keeps MLflow's own spelling of the remote (older clients wrote mlflow.gitRepoURL).
  if (record.git?.remote && !tags.has('mlflow.gitRepoURL')) tags.set('mlflow.source.git.repoURL', record.git.remote);
  if (record.parents[0]) tags.set('mlflow.parentRunId', record.parents[0]);
  if (record.parents.length > 1) tags.set('runpages.parents', record.parents.join(','));
  if (!fromMlflow) tags.set('runpages.project', record.project);
  for (const [key, value] of [...tags].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) add('tags', key, value);

  const names = new Set([...Object.keys(run.series), ...Object.keys(record.metrics)]);
  for (const name of [...names].sort()) {
    // The importer stored MLflow's `step` and `time` metrics as `_step` and `_time` (metrics.jsonl's names).
    const key = fromMlflow && (name === '_step' || name === '_time') ? name.slice(1) : name;
    const data = run.series[name];
    const lines: string[] = [];
    if (data?.value.length) {
      let rounded = 0;
      for (let i = 0; i < data.value.length; i++) {
        const time = data.time?.[i];
        const ms = time === undefined || time === 0 ? startMs : Math.round(time * 1000);
        // MLflow reads steps with Python's int(): a fractional step would make the whole file unreadable.
        const step = Math.round(data.step[i]!);
        if (step !== data.step[i]) rounded++;
        lines.push(`${ms} ${metricText(data.value[i]!)} ${step}`);
      }
      if (rounded)
        warnings.push(`${where}: metric ${JSON.stringify(name)} has ${rounded} fractional steps; MLflow steps are whole numbers, so they are rounded`);
    } else if (record.metrics[name] !== undefined) {
      lines.push(`${endMs ?? startMs} ${metricText(record.metrics[name]!)} 0`);
    }
    if (lines.length) add('metrics', key, `${lines.join('\n')}\n`);
  }
  return files;
}

/** Leaf params by key; nested objects joined with `.`, lists kept whole. */
function flattenParams(params: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0)
      out.push(...flattenParams(value as Record<string, unknown>, `${prefix}${key}.`));
    else out.push([`${prefix}${key}`, value]);
  }
  return out;
}

/** A param's text as MLflow (Python's `str`) would hold it. */
function paramText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'number') return metricText(value);
  return JSON.stringify(value, null, 1).replace(/\n\s*/g, ' ').replace(/\[ /g, '[').replace(/ \]/g, ']').replace(/\{ /g, '{').replace(/ \}/g, '}');
}

/** Values as Python's float parser reads them back: `nan`, `inf`, `-inf` included. */
function metricText(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return String(value);
}

/**
 * A key's path components, or undefined when one is unsafe: MLflow stores `a/b` as folder `a`,
 * file `b`, so each component must be a plain name.
 *
 * @example
 * keyPath('train/loss') // ['train', 'loss']
 * keyPath('../x')       // undefined
 */
export function keyPath(key: string): string[] | undefined {
  const parts = key.split('/');
  const safe = parts.every(
    (part) =>
      part !== '' && part !== '.' && part !== '..' && part.toLowerCase() !== '.git' && !part.includes('\\') && !part.includes('\0') && part.length <= 255,
  );
  return safe ? parts : undefined;
}

/** A key that is both a file and a folder (`a` and `a/b`) cannot be written twice: the later one goes. */
function withoutCollisions(files: StoreFile[], warnings: string[]): StoreFile[] {
  const out: StoreFile[] = [];
  const filesAt = new Set<string>();
  const foldersAt = new Set<string>();
  for (const file of files) {
    const full = file.path.join('/');
    const folders = file.path.slice(0, -1).map((_, i) => file.path.slice(0, i + 1).join('/'));
    if (filesAt.has(full) || foldersAt.has(full) || folders.some((folder) => filesAt.has(folder))) {
      warnings.push(`${full}: another key of the run already takes this path (MLflow keeps "a" and "a/b" in one folder); left out`);
      continue;
    }
    filesAt.add(full);
    for (const folder of folders) foldersAt.add(folder);
    out.push(file);
  }
  return out;
}
