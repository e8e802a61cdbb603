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
 *   become runpages tags `key:value` (just `key` when the value is empty; a `:` in the key escaped,
 *   see query/tags.ts), which the query language reads as `tags.key = 'value'`. Every tag is also
 *   kept whole under `mlflow.tags` (secret-looking ones redacted), so `tags.<any key>` answers as in
 *   MLflow; one longer than MLflow's own limit (8,000 characters) is left out and counted.
 * - Dataset inputs (`<run>/inputs/*` pointing at `<experiment>/datasets/*`) become `data` entries
 *   with the dataset's name, digest, source and context.
 * - Series are ordered by step (MLflow files keep logging order); the summary is computed before.
 * - Params keep their text exactly (MLflow stores every param as text; "1.0" stays "1.0", "True"
 *   stays "True"); queries still compare them as numbers when both sides read as numbers.
 * - Summary metrics follow MLflow's latest-value rule: the point with the largest step, then the
 *   latest timestamp, then the largest value.
 */
import { setOwn } from '../run/keys.ts';
import { lstat, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunpagesError } from '../errors.ts';
import { RUN_ID_PATTERN, type RunStatus } from '../run/schema.ts';
import { parseYaml } from '../run/yaml.ts';
import { isSecretKey, REDACTED, redactText } from '../record/redact.ts';
import { SourceRoot, type Refused } from './contained.ts';
import type { ImportTask, Skipped } from './batch.ts';
import type { ImportedRun, ImportedSeries } from './imported-run.ts';
import { mlflowMedia } from './mlflow-media.ts';
import { projectName } from './project-name.ts';
import { formatTag } from '../query/tags.ts';

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
/** MLflow's own limit on a tag value (MAX_TAG_VAL_LENGTH): a longer one cannot have come from MLflow. */
const MAX_KEPT_TAG = 8000;
/** The run record's limit on one tag string (schema.ts). */
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
export async function scanMlflow(storeDir: string, options: MlflowOptions = {}): Promise<{ tasks: ImportTask[]; skipped: Skipped[]; refused: Refused[] }> {
  const skipped: Skipped[] = [];
  const experiments: Experiment[] = [];
  const root = await SourceRoot.open(storeDir).catch((error: NodeJS.ErrnoException) => {
    throw new RunpagesError(
      'import-source-missing',
      `Cannot read the MLflow store ${storeDir}: ${error.code === 'ENOENT' ? 'there is no such folder' : (error.code ?? error.message)}`,
      {
        hint: 'Pass the folder MLflow writes to (the `mlruns` folder, or the path of a `file:` tracking URI).',
      },
    );
  });
  const top = await folders(root, storeDir).catch((error: NodeJS.ErrnoException) => {
    const why = error.code === 'ENOENT' ? 'there is no such folder' : error.code === 'ENOTDIR' ? 'it is not a folder' : (error.code ?? error.message);
    throw new RunpagesError('import-source-missing', `Cannot read the MLflow store ${storeDir}: ${why}`, {
      hint: 'Pass the folder MLflow writes to (the `mlruns` folder, or the path of a `file:` tracking URI).',
    });
  });
  for (const name of top) {
    if (STORE_FOLDERS.has(name) || name.startsWith('.')) continue;
    experiments.push(...(await readExperiment(root, join(storeDir, name), false, skipped)));
  }
  for (const name of await folders(root, join(storeDir, TRASH)).catch(() => [])) {
    experiments.push(...(await readExperiment(root, join(storeDir, TRASH, name), true, skipped)));
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
    for (const name of await folders(root, experiment.folder)) {
      if (EXPERIMENT_FOLDERS.has(name) || name.startsWith('.')) continue;
      const folder = join(experiment.folder, name);
      let meta: Record<string, unknown>;
      try {
        meta = await readMeta(root, folder);
      } catch (error) {
        skipped.push({ source: folder, reason: error instanceof Error ? error.message : String(error) });
        continue;
      }
      if (meta.lifecycle_stage === 'deleted' && !options.includeDeleted) {
        skipped.push({ source: folder, reason: 'run is deleted (use --include-deleted to import it)' });
        continue;
      }
      tasks.push({ source: folder, load: () => readMlflowRun(root.fork(), folder, meta, experiment, options) });
    }
  }
  return { tasks, skipped, refused: root.refused };
}

async function readExperiment(root: SourceRoot, folder: string, deleted: boolean, skipped: Skipped[]): Promise<Experiment[]> {
  let meta: Record<string, unknown>;
  try {
    meta = await readMeta(root, folder);
  } catch (error) {
    skipped.push({ source: folder, reason: error instanceof Error ? error.message : String(error) });
    return [];
  }
  const id = text(meta.experiment_id) ?? folder.split(sep).at(-1)!;
  const name = text(meta.name) ?? id;
  return [{ id, name, folder, deleted: deleted || meta.lifecycle_stage === 'deleted' }];
}

/** A folder's meta.yaml as a mapping; throws a RunpagesError naming the folder when it is missing or broken. */
async function readMeta(root: SourceRoot, folder: string): Promise<Record<string, unknown>> {
  const file = join(folder, 'meta.yaml');
  let content: string;
  try {
    if (!(await root.allows(file))) throw new Error('not readable');
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
async function readMlflowRun(
  root: SourceRoot,
  folder: string,
  meta: Record<string, unknown>,
  experiment: Experiment,
  options: MlflowOptions,
): Promise<ImportedRun> {
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
  const tags = await readKeyFiles(root, join(folder, 'tags'));
  const params = await readKeyFiles(root, join(folder, 'params'));
  const { series, summary } = await readMetrics(root, join(folder, 'metrics'), malformed);

  const runTags: string[] = [];
  const keptTags: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) {
    if (value.length <= MAX_KEPT_TAG) setOwn(keptTags, key, isSecretKey(key) ? REDACTED : redactText(value));
    else warnings.push(`${folder}: tag "${key}" is ${value.length} characters, over MLflow's ${MAX_KEPT_TAG}; not imported`);
    if (key.startsWith('mlflow.')) continue;
    if (isSecretKey(key)) {
      warnings.push(`${folder}: tag "${key}" looks like a secret; its value is not imported`);
      continue;
    }
    const tag = formatTag(key, redactText(value));
    if (tag.length <= MAX_TAG) runTags.push(tag);
    else if (value.length <= MAX_KEPT_TAG)
      warnings.push(`${folder}: tag "${key}" is longer than ${MAX_TAG} characters; kept under mlflow.tags only (tags.${key} still finds it)`);
  }
  const git: Record<string, string> = {};
  if (tags['mlflow.source.git.commit']) git.commit = tags['mlflow.source.git.commit'];
  if (tags['mlflow.source.git.branch']) git.branch = tags['mlflow.source.git.branch'];
  const remote = tags['mlflow.source.git.repoURL'] ?? tags['mlflow.gitRepoURL'];
  if (remote) git.remote = withoutCredentials(remote);
  const parent = tags['mlflow.parentRunId'];

  const artifactsDir = options.artifacts === false ? undefined : await artifactFolder(root, folder, meta, warnings);
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
    params,
    data: await readDatasetInputs(root, folder, experiment.folder, warnings),
    tags: runTags,
    notes: tags['mlflow.note.content'],
    parents: parent && RUN_ID_PATTERN.test(parent) ? [parent] : undefined,
    mlflow: { experiment_id: experiment.id, lifecycle_stage: text(meta.lifecycle_stage) ?? 'active', tags: keptTags },
  };
  const media = artifactsDir ? await mlflowMedia(artifactsDir, tags, warnings) : [];
  return {
    record,
    series,
    summary,
    ...(artifactsDir ? { artifactsDir } : {}),
    ...(media.length ? { media } : {}),
    source: folder,
    warnings,
    refused: root.refused,
  };
}

function mlflowStatus(value: unknown): RunStatus | undefined {
  if (typeof value === 'number') return STATUS_BY_NUMBER[value];
  if (typeof value === 'string') return STATUS_BY_NAME[value.toUpperCase()] ?? STATUS_BY_NUMBER[Number(value)];
  return undefined;
}

/** Every file under `root` by its path relative to it (`/` separated): MLflow stores `a/b` keys as subfolders. */
async function readKeyFiles(source: SourceRoot, root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of await filesUnder(source, root)) setOwn(out, path, await readFile(join(root, ...path.split('/')), 'utf8'));
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Files under `root` (none when it is missing, a link or outside the store); links inside are refused, not followed. */
async function filesUnder(source: SourceRoot, root: string): Promise<string[]> {
  const out: string[] = [];
  if (!(await source.allows(root))) return out;
  const walk = async (folder: string): Promise<void> => {
    const entries = await source.entries(folder).catch(() => []);
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
  source: SourceRoot,
  root: string,
  malformed: (what: string) => RunpagesError,
): Promise<{ series: Map<string, ImportedSeries>; summary: Record<string, number> }> {
  const series = new Map<string, ImportedSeries>();
  const summary: Record<string, number> = {};
  for (const key of await filesUnder(source, root)) {
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
    if (latest >= 0) setOwn(summary, key, data.value[latest]!);
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

/**
 * The run's dataset inputs (file store: `<run>/inputs/<id>/meta.yaml` names a dataset in
 * `<experiment>/datasets/<id>/meta.yaml`) as `data` entries; an input whose dataset is missing is a warning.
 */
async function readDatasetInputs(root: SourceRoot, folder: string, experimentFolder: string, warnings: string[]): Promise<Record<string, string>[]> {
  const inputs = await folders(root, join(folder, 'inputs')).catch(() => []);
  const data: Record<string, string>[] = [];
  for (const input of inputs) {
    let meta: Record<string, unknown>;
    let dataset: Record<string, unknown>;
    try {
      meta = await readMeta(root, join(folder, 'inputs', input));
      if (meta.source_type !== 'DATASET') continue;
      dataset = await readMeta(root, join(experimentFolder, 'datasets', String(meta.source_id)));
    } catch (error) {
      warnings.push(`${folder}: dataset input ${input} not imported: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const name = text(dataset.name);
    if (!nonEmpty(name)) {
      warnings.push(`${folder}: dataset input ${input} has no name; not imported`);
      continue;
    }
    const entry: Record<string, string> = { name: name! };
    const digest = text(dataset.digest);
    if (digest) entry.digest = digest;
    const source = text(dataset.source);
    if (source) entry.source = redactText(source);
    const sourceType = text(dataset.source_type);
    if (sourceType) entry.source_type = sourceType;
    const tags = meta.tags;
    const context = tags !== null && typeof tags === 'object' ? text((tags as Record<string, unknown>)['mlflow.data.context']) : undefined;
    if (context) entry.context = context;
    data.push(entry);
  }
  return data.sort((a, b) => (a.name! < b.name! ? -1 : a.name! > b.name! ? 1 : 0) || ((a.context ?? '') < (b.context ?? '') ? -1 : 1));
}

/**
 * The run's artifacts: `<run>/artifacts` when present (the store was moved), else a local
 * `artifact_uri`, and only inside the store (a link or a path elsewhere is refused). Links inside
 * the folder are refused here, by name, and never followed when the files are staged.
 */
async function artifactFolder(root: SourceRoot, folder: string, meta: Record<string, unknown>, warnings: string[]): Promise<string | undefined> {
  const local = join(folder, 'artifacts');
  if ((await root.allows(local)) && (await isFolder(local))) return withLinksRefused(root, local);
  if (await lstat(local).catch(() => undefined)) return undefined; // refused above
  const uri = text(meta.artifact_uri);
  if (!uri) return undefined;
  const path = uri.startsWith('file:') ? safeFileUrl(uri) : uri.includes('://') ? undefined : uri;
  if (path && (await root.allows(path)) && (await isFolder(path))) return withLinksRefused(root, path);
  if (uri.includes('://') && !uri.startsWith('file:')) warnings.push(`${folder}: artifacts at ${uri} are not local; not imported`);
  return undefined;
}

/** Walks the artifacts folder once so every link in it is refused by name (staging skips them). */
async function withLinksRefused(root: SourceRoot, folder: string): Promise<string> {
  const walk = async (path: string): Promise<void> => {
    for (const entry of await root.entries(path)) if (entry.isDirectory()) await walk(join(path, entry.name));
  };
  await walk(folder);
  return folder;
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

async function folders(root: SourceRoot, path: string): Promise<string[]> {
  const entries = await root.entries(path);
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
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
