/**
 * MLflow file stores (`mlruns/`) as runs. The format is the one `mlflow/store/tracking/file_store.py`
 * writes and reads:
 *
 * ```
 * mlruns/<experiment-id>/meta.yaml                 name, experiment_id, lifecycle_stage
 * mlruns/<experiment-id>/<run-id>/meta.yaml        run_id, run_name (2.x), user_id, status, start_time, end_time, lifecycle_stage
 *                                 /metrics/<key>   lines "timestamp value step" (legacy: "timestamp value", step 0)
 *                                 /params/<key>    the raw value
 *                                 /tags/<key>      the raw value; keys with `/` are subfolders
 *                                 /artifacts/      files
 * mlruns/.trash/<experiment-id>/                   deleted experiments
 * ```
 *
 * Mapping decisions:
 * - Experiments become projects (name fitted to the project pattern) unless a project is given; the
 *   experiment's own name is kept in `experiment`.
 * - Runs keep MLflow's 32-hex run id, so re-importing changes nothing.
 * - Status: RUNNING/SCHEDULED (1, 2) -> running, FINISHED (3) -> finished, FAILED (4) -> failed, KILLED (5) -> killed.
 * - Tags: `mlflow.*` system tags map to fields (name, user, notes, command, git, parents); other tags
 *   become runpages tags `key:value` (just `key` when the value is empty), which the query language
 *   reads as `tags.key = 'value'`. Tags not mapped to a field are also kept under `mlflow.tags`
 *   (secret-looking ones redacted), unless longer than 1,000 characters (e.g. `mlflow.log-model.history`).
 * - Series are ordered by step (MLflow files keep logging order); the summary is computed before.
 * - Params keep their raw text unless it reads as a number or boolean (MLflow stores every param as text).
 * - Summary metrics follow MLflow's latest-value rule: the point with the largest step, then the
 *   latest timestamp, then the largest value.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunpagesError } from '../errors.ts';
import { RUN_ID_PATTERN, type RunStatus } from '../run/schema.ts';
import { parseYaml } from '../run/yaml.ts';
import { isSecretKey, REDACTED, redactText } from '../record/redact.ts';
import type { ImportTask, Skipped } from './batch.ts';
import type { ImportedRun, ImportedSeries } from './imported-run.ts';
import { projectName } from './project-name.ts';

export interface MlflowOptions {
  /** Project for every run (default: one project per experiment). */
  project?: string;
  /** Leave artifacts out (metadata and metrics only). */
  artifacts?: boolean;
  /** Import deleted runs and experiments too. */
  includeDeleted?: boolean;
}

const TRASH = '.trash';
/** Folders of the store, or of an experiment, that are not experiments or runs. */
const STORE_FOLDERS = new Set([TRASH, 'models', '.mlflow']);
const EXPERIMENT_FOLDERS = new Set(['tags', 'datasets', 'traces', 'models', 'logged_models']);
const STATUS_BY_NUMBER: Record<number, RunStatus> = { 1: 'running', 2: 'running', 3: 'finished', 4: 'failed', 5: 'killed' };
const STATUS_BY_NAME: Record<string, RunStatus> = { RUNNING: 'running', SCHEDULED: 'running', FINISHED: 'finished', FAILED: 'failed', KILLED: 'killed' };
const MAX_KEPT_TAG = 1000;
/** System tags that become fields of the record, so they are not repeated under `mlflow.tags`. */
const MAPPED_TAGS = new Set([
  'mlflow.runName', 'mlflow.user', 'mlflow.note.content', 'mlflow.parentRunId', 'mlflow.source.name',
  'mlflow.source.git.commit', 'mlflow.source.git.branch', 'mlflow.source.git.repoURL', 'mlflow.gitRepoURL',
]);
const MAX_TAG = 200;

interface Experiment {
  id: string;
  name: string;
  folder: string;
  deleted: boolean;
}

/**
 * Finds the runs of an MLflow file store. Malformed experiments and runs, and deleted ones (unless
 * `includeDeleted`), come back in `skipped` with the reason; each task reads its run when called.
 *
 * @example
 * const { tasks, skipped } = await scanMlflow('mlruns', { artifacts: true });
 * const outcome = await publishImported(tasks, { cwd, config });
 */
export async function scanMlflow(storeDir: string, options: MlflowOptions = {}): Promise<{ tasks: ImportTask[]; skipped: Skipped[] }> {
  const skipped: Skipped[] = [];
  const experiments: Experiment[] = [];
  const top = await folders(storeDir).catch((error: NodeJS.ErrnoException) => {
    const why = error.code === 'ENOENT' ? 'there is no such folder' : error.code === 'ENOTDIR' ? 'it is not a folder' : (error.code ?? error.message);
    throw new RunpagesError('import-source-missing', `Cannot read the MLflow store ${storeDir}: ${why}`, {
      hint: 'Pass the folder MLflow writes to (the `mlruns` folder, or the path of a `file:` tracking URI).',
    });
  });
  for (const name of top) {
    if (STORE_FOLDERS.has(name) || name.startsWith('.')) continue;
    experiments.push(...(await readExperiment(join(storeDir, name), false, skipped)));
  }
  for (const name of await folders(join(storeDir, TRASH)).catch(() => [])) {
    experiments.push(...(await readExperiment(join(storeDir, TRASH, name), true, skipped)));
  }
  if (experiments.length === 0) {
    // Usually the project folder that holds mlruns/ (every folder in it is "skipped" for lack of a meta.yaml).
    const nested = top.includes('mlruns') ? join(storeDir, 'mlruns') : undefined;
    throw new RunpagesError('import-nothing-found', `${storeDir} holds no MLflow experiments (folders with a meta.yaml)`, {
      hint: nested ? `Pass the store inside it: runpages import mlflow ${nested}` : 'Pass the `mlruns` folder itself, the one holding `0/meta.yaml`.',
    });
  }

  const tasks: ImportTask[] = [];
  for (const experiment of experiments) {
    if (experiment.deleted && !options.includeDeleted) {
      skipped.push({ source: experiment.folder, reason: `experiment "${experiment.name}" is deleted (use --include-deleted to import it)` });
      continue;
    }
    for (const name of await folders(experiment.folder)) {
      if (EXPERIMENT_FOLDERS.has(name) || name.startsWith('.')) continue;
      const folder = join(experiment.folder, name);
      let meta: Record<string, unknown>;
      try {
        meta = await readMeta(folder);
      } catch (error) {
        skipped.push({ source: folder, reason: error instanceof Error ? error.message : String(error) });
        continue;
      }
      if (meta.lifecycle_stage === 'deleted' && !options.includeDeleted) {
        skipped.push({ source: folder, reason: 'run is deleted (use --include-deleted to import it)' });
        continue;
      }
      tasks.push({ source: folder, load: () => readMlflowRun(folder, meta, experiment, options) });
    }
  }
  return { tasks, skipped };
}

async function readExperiment(folder: string, deleted: boolean, skipped: Skipped[]): Promise<Experiment[]> {
  let meta: Record<string, unknown>;
  try {
    meta = await readMeta(folder);
  } catch (error) {
    skipped.push({ source: folder, reason: error instanceof Error ? error.message : String(error) });
    return [];
  }
  const id = text(meta.experiment_id) ?? folder.split(sep).at(-1)!;
  const name = text(meta.name) ?? id;
  return [{ id, name, folder, deleted: deleted || meta.lifecycle_stage === 'deleted' }];
}

/** A folder's meta.yaml as a mapping; throws a RunpagesError naming the folder when it is missing or broken. */
async function readMeta(folder: string): Promise<Record<string, unknown>> {
  const file = join(folder, 'meta.yaml');
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch {
    throw new RunpagesError('mlflow-malformed', `${folder} has no meta.yaml, so it is not an MLflow experiment or run`, {
      hint: 'Remove the folder from the store or restore its meta.yaml.',
    });
  }
  const data = parseYaml(content, file);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new RunpagesError('mlflow-malformed', `${file} is not a mapping of fields`, { hint: 'Restore the file from a backup of the store.' });
  }
  return data as Record<string, unknown>;
}

/** Reads one run folder into an ImportedRun; throws RunpagesError for a malformed run. */
async function readMlflowRun(folder: string, meta: Record<string, unknown>, experiment: Experiment, options: MlflowOptions): Promise<ImportedRun> {
  const malformed = (what: string): RunpagesError =>
    new RunpagesError('mlflow-malformed', `${folder}: ${what}`, { hint: 'Fix or remove this run folder, then import again.' });
  const id = text(meta.run_id) ?? text(meta.run_uuid) ?? folder.split(sep).at(-1)!;
  if (!RUN_ID_PATTERN.test(id)) throw malformed(`run id "${id}" is not a valid run id`);
  const status = mlflowStatus(meta.status);
  if (!status) throw malformed(`meta.yaml status ${JSON.stringify(meta.status)} is not an MLflow run status`);
  const startMs = Number(meta.start_time);
  if (!Number.isFinite(startMs) || meta.start_time === null) throw malformed('meta.yaml has no start_time');
  const endMs = meta.end_time === null || meta.end_time === undefined ? undefined : Number(meta.end_time);

  const warnings: string[] = [];
  const tags = await readKeyFiles(join(folder, 'tags'));
  const params = await readKeyFiles(join(folder, 'params'));
  const { series, summary } = await readMetrics(join(folder, 'metrics'), malformed);

  const runTags: string[] = [];
  const keptTags: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) {
    if (!MAPPED_TAGS.has(key) && value.length <= MAX_KEPT_TAG) keptTags[key] = isSecretKey(key) ? REDACTED : redactText(value);
    if (key.startsWith('mlflow.')) continue;
    if (isSecretKey(key)) {
      warnings.push(`${folder}: tag "${key}" looks like a secret; its value is not imported`);
      continue;
    }
    const tag = value === '' ? key : `${key}:${redactText(value)}`;
    if (tag.length <= MAX_TAG) runTags.push(tag);
    else warnings.push(`${folder}: tag "${key}" is longer than ${MAX_TAG} characters; kept under mlflow.tags only`);
  }
  const git: Record<string, string> = {};
  if (tags['mlflow.source.git.commit']) git.commit = tags['mlflow.source.git.commit'];
  if (tags['mlflow.source.git.branch']) git.branch = tags['mlflow.source.git.branch'];
  const remote = tags['mlflow.source.git.repoURL'] ?? tags['mlflow.gitRepoURL'];
  if (remote) git.remote = withoutCredentials(remote);
  const parent = tags['mlflow.parentRunId'];

  const artifactsDir = options.artifacts === false ? undefined : await artifactFolder(folder, meta, warnings);
  const name = nonEmpty(text(meta.run_name)) ?? nonEmpty(tags['mlflow.runName']) ?? nonEmpty(text(meta.name)) ?? id.slice(0, 8);
  const record: Record<string, unknown> = {
    id,
    name,
    project: options.project ?? projectName(experiment.name, `mlflow-${experiment.id}`),
    experiment: experiment.name,
    status,
    user: nonEmpty(text(meta.user_id)) ?? tags['mlflow.user'],
    created: new Date(startMs).toISOString(),
    ended: endMs === undefined || !Number.isFinite(endMs) ? undefined : new Date(endMs).toISOString(),
    duration_s: endMs === undefined || !Number.isFinite(endMs) ? undefined : Math.max(0, endMs - startMs) / 1000,
    command: tags['mlflow.source.name'] === undefined ? undefined : redactText(tags['mlflow.source.name']),
    git: Object.keys(git).length ? git : undefined,
    params: Object.fromEntries(Object.entries(params).map(([key, value]) => [key, paramValue(value)])),
    tags: runTags,
    notes: tags['mlflow.note.content'],
    parents: parent && RUN_ID_PATTERN.test(parent) ? [parent] : undefined,
    mlflow: { experiment_id: experiment.id, lifecycle_stage: text(meta.lifecycle_stage) ?? 'active', tags: keptTags },
  };
  return { record, series, summary, ...(artifactsDir ? { artifactsDir } : {}), source: folder, warnings };
}

function mlflowStatus(value: unknown): RunStatus | undefined {
  if (typeof value === 'number') return STATUS_BY_NUMBER[value];
  if (typeof value === 'string') return STATUS_BY_NAME[value.toUpperCase()] ?? STATUS_BY_NUMBER[Number(value)];
  return undefined;
}

/** Every file under `root` by its path relative to it (`/` separated): MLflow stores `a/b` keys as subfolders. */
async function readKeyFiles(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of await filesUnder(root)) out[path] = await readFile(join(root, ...path.split('/')), 'utf8');
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue; // .DS_Store and other tool droppings are not keys
      const full = join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
    }
  };
  await walk(root);
  return out.sort();
}

/** Metric histories in file order, and each one's latest value by MLflow's rule. */
async function readMetrics(
  root: string,
  malformed: (what: string) => RunpagesError,
): Promise<{ series: Map<string, ImportedSeries>; summary: Record<string, number> }> {
  const series = new Map<string, ImportedSeries>();
  const summary: Record<string, number> = {};
  for (const key of await filesUnder(root)) {
    const data: ImportedSeries = { step: [], value: [], time: [] };
    const lines = (await readFile(join(root, ...key.split('/')), 'utf8')).split('\n');
    let latest = -1;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '') continue;
      const parts = line.split(' ');
      const timestamp = Number(parts[0]);
      const value = metricValue(parts[1]);
      const step = parts.length === 3 ? Number(parts[2]) : 0;
      if ((parts.length !== 2 && parts.length !== 3) || !Number.isFinite(timestamp) || value === undefined || !Number.isFinite(step)) {
        throw malformed(`metrics/${key} line ${i + 1} is not "timestamp value [step]": ${JSON.stringify(line.slice(0, 80))}`);
      }
      data.step.push(step);
      data.value.push(value);
      data.time.push(timestamp / 1000);
      if (latest < 0 || isLater(data, data.step.length - 1, latest)) latest = data.step.length - 1;
    }
    if (latest >= 0) summary[key] = data.value[latest]!;
    series.set(key, byStep(data));
  }
  return { series, summary };
}

/** The points ordered by step (stable, so points of one step keep their logged order), as MLflow's charts draw them. */
function byStep(data: ImportedSeries): ImportedSeries {
  const order = data.step.map((_, i) => i).sort((a, b) => data.step[a]! - data.step[b]! || a - b);
  return { step: order.map((i) => data.step[i]!), value: order.map((i) => data.value[i]!), time: order.map((i) => data.time[i]!) };
}

/** MLflow's latest value: the largest step, then the latest timestamp, then the largest value (NaN lowest). */
function isLater(data: ImportedSeries, a: number, b: number): boolean {
  if (data.step[a] !== data.step[b]) return data.step[a]! > data.step[b]!;
  if (data.time[a] !== data.time[b]) return data.time[a]! > data.time[b]!;
  const va = data.value[a]!;
  const vb = data.value[b]!;
  return !Number.isNaN(va) && (Number.isNaN(vb) || va > vb);
}

/** Values as Python's `str(float)` writes them, `nan`, `inf` and `-inf` included. */
function metricValue(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const lower = text.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}

/** Param text as a number or boolean when it reads as one exactly ("0.1", "true"); otherwise the text. */
function paramValue(value: string): unknown {
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value) && Number.isFinite(Number(value))) return Number(value);
  if (value === 'True' || value === 'true') return true;
  if (value === 'False' || value === 'false') return false;
  return value;
}

/** The run's artifacts: `<run>/artifacts` when present (the store was moved), else a local `artifact_uri`. */
async function artifactFolder(folder: string, meta: Record<string, unknown>, warnings: string[]): Promise<string | undefined> {
  const local = join(folder, 'artifacts');
  if (await isFolder(local)) return local;
  const uri = text(meta.artifact_uri);
  if (!uri) return undefined;
  const path = uri.startsWith('file:') ? safeFileUrl(uri) : uri.includes('://') ? undefined : uri;
  if (path && (await isFolder(path))) return path;
  if (uri.includes('://') && !uri.startsWith('file:')) warnings.push(`${folder}: artifacts at ${uri} are not local; not imported`);
  return undefined;
}

function safeFileUrl(uri: string): string | undefined {
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

async function isFolder(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}

async function folders(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}

function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]+@/i, '$1');
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
