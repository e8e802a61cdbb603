/**
 * Run directories written by the wandb client (`wandb/run-<time>-<id>/`, `wandb/offline-run-…/`)
 * as runs. The `.wandb` transaction log (wandb-log.ts, wandb-record.ts) is the source of truth;
 * the side files in `files/` (config.yaml, wandb-summary.json, wandb-metadata.json) fill in only
 * what the log lacks, since offline runs and crashed runs miss most of them.
 *
 * Mapping decisions:
 * - The id is `wandb-<run id>`; folders of the same run id (a resumed run) are read in time order
 *   as one run, so importing again, or after a resume, updates the same run.
 * - Config items become params, nested dicts kept nested; `_wandb` (wandb's own bookkeeping) is left
 *   out; config.yaml's `{value: x}` / `{desc, value}` wrappers are unwrapped.
 * - History rows become series: the step is `_step`, the time `_timestamp`; nested dicts flatten with
 *   `/` as in runpages' own metrics.jsonl (`{"val": {"loss": 1}}` is `val/loss`); keys starting with
 *   `_`, text and booleans are left out; NaN and ±Infinity are kept. Media (dicts with `_type`:
 *   images, tables, histograms) become the run's media when their files are in `files/` (wandb-media.ts).
 * - The summary (the last summary record's values, numbers only) becomes metrics; wandb before 0.18
 *   writes it only at exit, so a crashed run's metrics are each series' last value.
 * - Status: an exit record with code 0 is `finished`, another code `failed`; no exit record (the
 *   process or machine died) is `crashed`, W&B's own word for it.
 * - The group becomes `experiment`, the job type a tag `job_type:<type>`; tags and notes are kept;
 *   git, host, user, OS, Python, CPUs and GPUs come from the run and environment records (or
 *   wandb-metadata.json), the command from the program and its arguments (secrets masked).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { RunpagesError } from '../errors.ts';
import { redactCommand, redactText } from '../record/redact.ts';
import { parseYaml } from '../run/yaml.ts';
import type { ImportTask, Skipped } from './batch.ts';
import type { ImportedRun, ImportedSeries } from './imported-run.ts';
import { projectName } from './project-name.ts';
import { decodeWandbRecord, type WandbEnvironment, type WandbItem, type WandbRunInfo } from './wandb-record.ts';
import { readWandbLog } from './wandb-log.ts';
import { WandbMedia } from './wandb-media.ts';

export interface WandbOptions {
  /** Project for every run (default: the wandb project, fitted to the project pattern). */
  project?: string;
}

/** `run-20240101_120000-abc123` and `offline-run-…`: time and run id. */
const RUN_FOLDER = /^(?:offline-)?run-(\d{8}_\d{6})-(.+)$/;
const OUTPUT_TAIL_LINES = 50;

interface RunFolder {
  path: string;
  time: string;
  id: string;
}

/**
 * Finds the run folders under `dir` (a `wandb/` folder, a project holding one, or one run folder);
 * each task reads one run (all its folders, for a resumed run) when called.
 *
 * @example
 * const { tasks, skipped } = await scanWandb('wandb', { project: 'vision' });
 * await publishImported(tasks, { cwd, config });
 */
export async function scanWandb(dir: string, options: WandbOptions = {}): Promise<{ tasks: ImportTask[]; skipped: Skipped[] }> {
  const root = resolve(dir);
  const skipped: Skipped[] = [];
  const found = await runFolders(root, skipped).catch((error: NodeJS.ErrnoException) => {
    throw new RunpagesError('import-source-missing', `Cannot read the wandb folder ${dir}: ${error.code ?? error.message}`, {
      hint: 'Pass the folder wandb writes runs into (`wandb/` beside the training script), or one `run-…` folder in it.',
    });
  });
  if (found.length === 0 && skipped.length === 0) {
    throw new RunpagesError('import-nothing-found', `No wandb run folders (run-*/offline-run-* holding a .wandb file) under ${dir}`, {
      hint: 'Point at the `wandb/` folder the client wrote, e.g. `runpages import wandb ./wandb`.',
    });
  }
  const byId = new Map<string, RunFolder[]>();
  for (const folder of found) byId.set(folder.id, [...(byId.get(folder.id) ?? []), folder]);
  const tasks = [...byId.values()].map((folders) => {
    const ordered = folders.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.path < b.path ? -1 : 1));
    return {
      source: ordered.map((folder) => folder.path).join(', '),
      load: () =>
        readWandbRun(
          ordered.map((folder) => folder.path),
          options,
        ),
    };
  });
  return { tasks, skipped };
}

async function runFolders(root: string, skipped: Skipped[]): Promise<RunFolder[]> {
  const out: RunFolder[] = [];
  const visit = async (folder: string): Promise<void> => {
    const match = RUN_FOLDER.exec(basename(folder));
    if (match) {
      const id = match[2]!;
      if (await isFile(join(folder, `run-${id}.wandb`))) out.push({ path: folder, time: match[1]!, id });
      else skipped.push({ source: folder, reason: `has no run-${id}.wandb (the transaction log every wandb run writes)` });
      return;
    }
    const entries = (await readdir(folder, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    for (const name of entries) if (!name.startsWith('.')) await visit(join(folder, name));
  };
  const info = await stat(root);
  if (!info.isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
  await visit(root);
  return out;
}

/** Everything a run's records say, accumulated in log order. */
interface RunState {
  info: WandbRunInfo;
  environment: WandbEnvironment;
  config: Record<string, unknown>;
  configSeen: boolean;
  summary: Record<string, number>;
  summarySeen: boolean;
  series: Map<string, ImportedSeries>;
  exit?: { exitCode: number; runtime: number };
  firstTime: number;
  lastTime: number;
  lastStep: number;
  output: string[];
  media: WandbMedia;
  /** The `files/` folder of the run folder being read (a resumed run has several). */
  files: string;
}

/**
 * Reads one run from its folders (in time order; more than one for a resumed run) into an ImportedRun.
 * Problems in the log (a torn last record, a corrupt chunk) are warnings; the rest imports.
 */
export async function readWandbRun(folders: readonly string[], options: WandbOptions = {}): Promise<ImportedRun> {
  const warnings: string[] = [];
  const state: RunState = {
    info: { tags: [], config: [] },
    environment: { args: [] },
    config: {},
    configSeen: false,
    summary: {},
    summarySeen: false,
    series: new Map(),
    firstTime: Infinity,
    lastTime: -Infinity,
    lastStep: -1,
    output: [],
    media: new WandbMedia(),
    files: '',
  };
  let runId = '';
  for (const folder of folders) {
    runId = RUN_FOLDER.exec(basename(folder))?.[2] ?? runId;
    state.files = join(folder, 'files');
    const path = join(folder, `run-${runId}.wandb`);
    const { records, problems } = readWandbLog(await readFile(path));
    for (const problem of problems) warnings.push(`${path} at byte ${problem.offset}: ${problem.message}`);
    for (const { offset, data } of records) {
      try {
        apply(state, decodeWandbRecord(data), (message) => warnings.push(`${path} at byte ${offset}: ${message}`));
      } catch (error) {
        warnings.push(`${path} at byte ${offset}: not a valid wandb Record (${error instanceof Error ? error.message : String(error)}), skipped`);
      }
    }
  }
  const last = folders.at(-1)!;
  await fillFromSideFiles(state, join(last, 'files'), warnings);
  const media = await state.media.read();
  warnings.push(...state.media.warnings(last));
  const run = toImportedRun(state, runId, last, options, warnings);
  return media.length ? { ...run, media } : run;
}

function apply(state: RunState, record: ReturnType<typeof decodeWandbRecord>, warn: (message: string) => void): void {
  switch (record.kind) {
    case 'history':
      applyHistory(state, record.items, record.step, warn);
      return;
    case 'summary':
      state.summarySeen = true;
      for (const item of record.update) for (const [key, value] of numericLeaves(item, warn)) state.summary[key] = value;
      for (const item of record.remove) delete state.summary[item.path.join('/')];
      return;
    case 'config':
      state.configSeen = true;
      for (const item of record.update) setConfig(state.config, item, warn);
      for (const item of record.remove) deletePath(state.config, item.path);
      return;
    case 'run': {
      const { config, tags, ...rest } = record.run;
      const defined = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined && value !== ''));
      state.info = { ...state.info, ...defined, tags: tags.length ? tags : state.info.tags, config: [] };
      if (config.length) state.configSeen = true;
      for (const item of config) setConfig(state.config, item, warn);
      return;
    }
    case 'exit':
      state.exit = { exitCode: record.exitCode, runtime: record.runtime };
      return;
    case 'environment': {
      const { args, ...rest } = record.environment;
      const defined = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined && value !== ''));
      state.environment = { ...state.environment, ...defined, args: args.length ? args : state.environment.args };
      return;
    }
    case 'output':
      state.output.push(...record.line.split('\n').filter((line) => line.trim() !== ''));
      if (state.output.length > OUTPUT_TAIL_LINES * 2) state.output.splice(0, state.output.length - OUTPUT_TAIL_LINES);
      return;
    default:
      return;
  }
}

function applyHistory(state: RunState, items: readonly WandbItem[], recordStep: number | undefined, warn: (message: string) => void): void {
  let step: number | undefined;
  let time: number | undefined;
  const values: Array<[string, number]> = [];
  const media: Array<[string, unknown]> = [];
  for (const item of items) {
    const key = item.path.join('/');
    if (key === '_step' || key === '_timestamp') {
      const value = parsePythonJson(item.json);
      if (typeof value === 'number' && Number.isFinite(value)) {
        if (key === '_step') step = value;
        else time = value;
      }
      continue;
    }
    values.push(...numericLeaves(item, warn));
    if (item.json.includes('"_type"') && !item.path.some((part) => part.startsWith('_'))) media.push(...mediaDicts(key, item.json));
  }
  step ??= recordStep ?? state.lastStep + 1;
  for (const [key, value] of media) state.media.add(key, value, { step, ...(time === undefined ? {} : { time }), files: state.files });
  state.lastStep = step;
  if (time !== undefined) {
    state.firstTime = Math.min(state.firstTime, time);
    state.lastTime = Math.max(state.lastTime, time);
  }
  for (const [key, value] of values) {
    const data = state.series.get(key) ?? { step: [], value: [], time: [] };
    state.series.set(key, data);
    data.step.push(step);
    data.value.push(value);
    data.time.push(time ?? 0);
  }
}

/** The numbers in an item, flattened with `/`; `_` keys, text, booleans and media dicts left out. */
function numericLeaves(item: WandbItem, warn: (message: string) => void): Array<[string, number]> {
  if (item.path.some((part) => part.startsWith('_'))) return [];
  let value: unknown;
  try {
    value = parsePythonJson(item.json);
  } catch {
    warn(`value of "${item.path.join('/')}" is not JSON: ${JSON.stringify(item.json.slice(0, 60))}, skipped`);
    return [];
  }
  return numberLeaves(item.path.join('/'), value);
}

/** The numbers in a parsed value under `prefix`, nested dicts joined with `/`, media dicts (`_type`) and `_` keys left out. */
function numberLeaves(prefix: string, value: unknown): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  const walk = (path: string, inner: unknown): void => {
    if (typeof inner === 'number') out.push([path, inner]);
    else if (inner !== null && typeof inner === 'object' && !Array.isArray(inner) && !('_type' in inner)) {
      for (const [key, nested] of Object.entries(inner)) if (!key.startsWith('_')) walk(`${path}/${key}`, nested);
    }
  };
  if (!prefix.split('/').some((part) => part.startsWith('_'))) walk(prefix, value);
  return out;
}

/** The media dicts (`_type`) in a history value, nested dicts joined with `/` as series are. */
function mediaDicts(prefix: string, json: string): Array<[string, unknown]> {
  let value: unknown;
  try {
    value = parsePythonJson(json);
  } catch {
    return []; // numericLeaves has warned
  }
  const out: Array<[string, unknown]> = [];
  const walk = (path: string, inner: unknown): void => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return;
    if (typeof (inner as { _type?: unknown })._type === 'string') out.push([path, inner]);
    else for (const [key, nested] of Object.entries(inner)) if (!key.startsWith('_')) walk(`${path}/${key}`, nested);
  };
  walk(prefix, value);
  return out;
}

function setConfig(config: Record<string, unknown>, item: WandbItem, warn: (message: string) => void): void {
  if (item.path[0] === '_wandb') return;
  let value: unknown;
  try {
    value = parsePythonJson(item.json);
  } catch {
    warn(`config "${item.path.join('.')}" is not JSON: ${JSON.stringify(item.json.slice(0, 60))}, skipped`);
    return;
  }
  let target = config;
  for (const part of item.path.slice(0, -1)) {
    const next = Object.hasOwn(target, part) ? target[part] : undefined;
    if (next === null || typeof next !== 'object' || Array.isArray(next)) target[part] = {};
    target = target[part] as Record<string, unknown>;
  }
  target[item.path.at(-1)!] = value;
}

function deletePath(config: Record<string, unknown>, path: readonly string[]): void {
  let target: unknown = config;
  for (const part of path.slice(0, -1))
    target = target !== null && typeof target === 'object' && Object.hasOwn(target, part) ? (target as Record<string, unknown>)[part] : undefined;
  if (target !== null && typeof target === 'object') delete (target as Record<string, unknown>)[path.at(-1)!];
}

/** Side files fill only what the log did not say (offline and crashed runs lack most of them). */
async function fillFromSideFiles(state: RunState, files: string, warnings: string[]): Promise<void> {
  const read = async (name: string): Promise<string | undefined> => readFile(join(files, name), 'utf8').catch(() => undefined);
  if (!state.configSeen) {
    const text = await read('config.yaml');
    if (text !== undefined) {
      try {
        const data = parseYaml(text, join(files, 'config.yaml'));
        if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
          for (const [key, wrapped] of Object.entries(data as Record<string, unknown>)) {
            if (key === '_wandb' || key === 'wandb_version') continue;
            state.config[key] = wrapped !== null && typeof wrapped === 'object' && 'value' in wrapped ? (wrapped as { value: unknown }).value : wrapped;
          }
        }
      } catch (error) {
        warnings.push(`${join(files, 'config.yaml')}: not YAML (${error instanceof Error ? error.message : String(error)}), params left out`);
      }
    }
  }
  if (!state.summarySeen) {
    const text = await read('wandb-summary.json');
    if (text !== undefined) {
      try {
        const data = parsePythonJson(text);
        if (data !== null && typeof data === 'object') {
          for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
            for (const [leaf, number] of numberLeaves(key, value)) state.summary[leaf] = number;
          }
        }
      } catch {
        warnings.push(`${join(files, 'wandb-summary.json')}: not JSON, summary taken from the history`);
      }
    }
  }
  if (state.environment.os === undefined && state.environment.python === undefined) {
    const text = await read('wandb-metadata.json');
    if (text !== undefined) {
      try {
        const meta = JSON.parse(text) as Record<string, unknown>;
        const string = (key: string): string | undefined => (typeof meta[key] === 'string' && meta[key] !== '' ? (meta[key] as string) : undefined);
        const gitMeta = meta.git as { remote?: unknown; commit?: unknown } | undefined;
        state.environment = {
          ...state.environment,
          ...definedOnly({
            os: string('os'),
            python: string('python'),
            program: string('program'),
            host: string('host'),
            username: string('username'),
            gpu: string('gpu'),
            cpuCount: typeof meta.cpu_count === 'number' ? meta.cpu_count : undefined,
            gpuCount: typeof meta.gpu_count === 'number' ? meta.gpu_count : undefined,
            startedAt: string('startedAt') ? Date.parse(`${string('startedAt')}Z`) / 1000 : undefined,
            git: gitMeta
              ? definedOnly({
                  remote: typeof gitMeta.remote === 'string' ? gitMeta.remote : undefined,
                  commit: typeof gitMeta.commit === 'string' ? gitMeta.commit : undefined,
                })
              : undefined,
          }),
          args: state.environment.args.length
            ? state.environment.args
            : Array.isArray(meta.args)
              ? meta.args.filter((arg): arg is string => typeof arg === 'string')
              : [],
        };
      } catch {
        warnings.push(`${join(files, 'wandb-metadata.json')}: not JSON, environment left out`);
      }
    }
  }
}

function toImportedRun(state: RunState, folderId: string, folder: string, options: WandbOptions, warnings: string[]): ImportedRun {
  const { info, environment: envRecord } = state;
  const wandbId = info.runId || folderId;
  const id = /^[A-Za-z0-9_-]{1,74}$/.test(wandbId) ? `wandb-${wandbId}` : `wandb-${createHash('sha256').update(wandbId).digest('hex').slice(0, 24)}`;
  const startSeconds = info.startTime ?? envRecord.startedAt ?? (Number.isFinite(state.firstTime) ? state.firstTime : 0);
  const endSeconds = state.exit
    ? Math.max(startSeconds + state.exit.runtime, Number.isFinite(state.lastTime) ? state.lastTime : startSeconds)
    : Number.isFinite(state.lastTime)
      ? state.lastTime
      : undefined;
  if (!state.exit) warnings.push(`${folder}: no exit record (the process or its machine died); imported as crashed`);
  const status = !state.exit ? 'crashed' : state.exit.exitCode === 0 ? 'finished' : 'failed';
  const gitInfo = { ...envRecord.git, ...definedOnly(info.git ?? {}) };
  const git = definedOnly({ commit: nonEmpty(gitInfo.commit), remote: gitInfo.remote ? withoutCredentials(gitInfo.remote) : undefined });
  const env = definedOnly({
    os: envRecord.os,
    cpus: envRecord.cpuCount,
    gpu: envRecord.gpu && envRecord.gpuCount ? Array.from({ length: envRecord.gpuCount }, () => envRecord.gpu!) : undefined,
    // wandb-core writes "CPython 3.11.7", the Python writer "3.11.7".
    runtimes: envRecord.python ? { python: envRecord.python.replace(/^[A-Za-z]+Python /, '') } : undefined,
  });
  const tags = [...info.tags];
  if (info.jobType) tags.push(`job_type:${info.jobType}`);
  const command = envRecord.program ? redactCommand([envRecord.program, ...envRecord.args]) : undefined;
  const record: Record<string, unknown> = {
    id,
    name: nonEmpty(info.displayName) ?? wandbId,
    project: options.project ?? projectName(info.project ?? 'wandb', 'wandb'),
    experiment: nonEmpty(info.group),
    status,
    user: envRecord.username,
    host: info.host ?? envRecord.host,
    created: new Date(startSeconds * 1000).toISOString(),
    ended: endSeconds === undefined ? undefined : new Date(endSeconds * 1000).toISOString(),
    duration_s: endSeconds === undefined ? undefined : Math.round(Math.max(0, endSeconds - startSeconds) * 1000) / 1000,
    exit_code: state.exit?.exitCode,
    command,
    output_tail: state.output.length ? redactText(state.output.slice(-OUTPUT_TAIL_LINES).join('\n')) : undefined,
    git: Object.keys(git).length ? git : undefined,
    env: Object.keys(env).length ? env : undefined,
    params: state.config,
    tags: [...new Set(tags)],
    notes: nonEmpty(info.notes),
    wandb: definedOnly({
      run_id: wandbId,
      entity: nonEmpty(info.entity),
      project: nonEmpty(info.project),
      group: nonEmpty(info.group),
      job_type: nonEmpty(info.jobType),
    }),
  };
  return { record, series: state.series, summary: state.summary, source: folder, warnings };
}

const NON_FINITE = '\u0000runpages-number:';

/**
 * JSON as Python's `json.dumps` writes it: also bare `NaN`, `Infinity` and `-Infinity`.
 *
 * @example
 * parsePythonJson('{"loss": NaN}') // { loss: NaN }
 */
export function parsePythonJson(text: string): unknown {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (inString) {
      out += char;
      if (char === '\\') out += text[++i] ?? '';
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    const token = text.startsWith('NaN', i) ? 'NaN' : text.startsWith('-Infinity', i) ? '-Infinity' : text.startsWith('Infinity', i) ? 'Infinity' : undefined;
    if (token) {
      out += JSON.stringify(NON_FINITE + token);
      i += token.length - 1;
    } else out += char;
  }
  return JSON.parse(out, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(NON_FINITE) ? Number(value.slice(NON_FINITE.length)) : value,
  );
}

function definedOnly<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined)) as Partial<T>;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** `https://user:token@host/…` without the credentials (wandb keeps `user:@`). */
function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]+@/i, '$1');
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() === true;
}
