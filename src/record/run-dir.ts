/**
 * Reads a run directory (docs/design.md#run-directory) into a PreparedRun: the record and series for the branch, the
 * objects for the store. Anything can write such a directory (the recorder, the Python client, a
 * shell script), so every file is checked here, where it enters, with errors naming file and line.
 *
 * Decisions:
 * - metrics.jsonl tolerates NaN and ±Infinity both as bare tokens (what Python's `json.dumps` writes)
 *   and as the strings "NaN", "Infinity", "-Infinity". Such points count in `series.<key>.points` and
 *   may be the summary's last value (YAML `.nan`), but are left out of series.json, which is JSON.
 * - A line without `step` continues from the previous step (+1, from 0). Nested objects flatten with
 *   `/` (`{"val": {"acc": 1}}` is `val/acc`); `null` means "not logged on this line".
 * - A truncated last line without a newline (a job killed mid-write) is ignored, not an error.
 * - summary.json overrides the last value of each series; both end up in `metrics`.
 * - The recorder leaves the git patch beside run.yaml as `git.diff`; it becomes an object.
 * - A directory without an id gets its id, creation time and project written into run.yaml (comments
 *   kept) once it validates, so committing it again updates the same run instead of adding another.
 */
import { keyPath, ownValue, protoKeyPaths, setOwn, setPath } from '../run/keys.ts';
import { artifactPathProblem } from '../run/artifact-path.ts';
import { lstat, readdir, realpath, stat, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { basename, dirname, extname, join } from 'node:path';
import { RunpagesError } from '../errors.ts';
import type { PendingObject, PreparedRun } from '../run/prepared.ts';
import {
  MAX_STORED_POINTS,
  PROJECT_PATTERN,
  RUN_SCHEMA,
  SERIES_SCHEMA,
  type Artifact,
  type RunRecord,
  type RunStatus,
  type SeriesData,
  type SeriesInfo,
} from '../run/schema.ts';
import { InvalidRunError, parseRunRecord, showValue, type FieldIssue } from '../run/validate.ts';
import { addYamlFields, parseYaml, stringifyYaml } from '../run/yaml.ts';
import { sha256Bytes } from '../store/hash.ts';
import { downsample } from './downsample.ts';
import { MEDIA_MANIFEST_FILE, readRunMedia } from './media-dir.ts';
import {
  classifyRunFile,
  hashRunFile,
  MAX_METRICS_FILE_BYTES,
  openRunFile,
  readRunText,
  streamRunFile,
  warnOnStderr,
  type OpenRunFile,
  type RunFileWarn,
} from './read-run-file.ts';
import { friendlyName, ulid } from './id.ts';
import { redactDiff, redactRecord } from './redact.ts';

/** Values given on the command line (or the API) that win over the directory's own. */
export interface RunOverrides {
  project?: string;
  name?: string;
  tags?: string[];
  /** `key=value` params; values are read as YAML scalars (`0.1` is a number); dotted keys nest. */
  params?: Record<string, string>;
  status?: RunStatus;
}

export interface RunDirContext {
  /** Where the command runs: the default project is the name of the git repository containing it. */
  cwd: string;
  now?: () => Date;
  /** Told about files left out of the run (a FIFO named notes.md, ...); default: a warning on stderr. */
  warn?: RunFileWarn;
  /**
   * A snapshot of a run still in progress, for a heartbeat (docs/recording.md#live-runs): the record
   * gets the heartbeat time, the last step and the output so far, and refers to no object (artifacts,
   * the diff and full-resolution series are hashed and uploaded with the final run only), so a
   * heartbeat never reads big files nor needs the store.
   */
  live?: { heartbeat: string; outputTail?: string };
}

/** The file the recorder leaves the uncommitted-changes patch in. */
export const GIT_DIFF_FILE = 'git.diff';
const MAX_ISSUES = 20;

/**
 * Reads and validates a run directory. Throws InvalidRunError (naming file, line, field and value)
 * for malformed input, so nothing is published for it.
 *
 * @example
 * const prepared = await prepareRunDir('.runpages/runs/01J…', { tags: ['baseline'] }, { cwd: process.cwd() });
 * await publishRuns([prepared], { cwd, config });
 */
export async function prepareRunDir(dir: string, overrides: RunOverrides, context: RunDirContext): Promise<PreparedRun> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new RunpagesError('run-dir-missing', `${dir} is not a run directory (it does not exist or is not a folder)`, {
      hint: 'Pass the folder that holds run.yaml, params.yaml, metrics.jsonl, ... (see docs/recording.md).',
    });
  }
  const now = context.now ?? (() => new Date());
  const warn = context.warn ?? warnOnStderr;
  const base = await readRunYaml(dir, warn);
  const params = mergeParams(mergeParams(asMapping(base.params), (await readParams(dir, warn)) ?? {}), overrideParams(overrides.params));
  const live = context.live;
  const { series, lastValues, lastStep } = await readMetrics(dir, warn);
  const summary = await readSummary(dir, warn);
  const notes = await readRunText(dir, 'notes.md', warn);
  // A heartbeat refers to no object: artifacts and the diff go with the final run only.
  const artifacts = live ? [] : await readArtifacts(dir, warn);
  const objects: PendingObject[] = artifacts.map((a) => ({ sha256: a.sha256, size: a.size, source: { path: a.source } }));
  // Like artifacts, media go with the final run only: a heartbeat refers to no object.
  const media = live ? undefined : await readRunMedia(dir, warn);
  if (media) objects.push(...media.objects.filter((object) => !objects.some((o) => o.sha256 === object.sha256)));

  const git = asMapping(base.git);
  // Read bounded like every run file, and redacted before hashing: the store (and every run page that
  // links it) never sees the raw patch.
  const diffText = live ? undefined : await readRunText(dir, GIT_DIFF_FILE, warn, Number.MAX_SAFE_INTEGER);
  if (diffText !== undefined) {
    const bytes = Buffer.from(redactDiff(diffText));
    const sha256 = sha256Bytes(bytes);
    objects.push({ sha256, size: bytes.length, source: { data: bytes } });
    git.diff = sha256;
    git.dirty = true;
  }

  const seriesFile: Record<string, SeriesData> = {};
  const seriesInfo: Record<string, SeriesInfo> = {};
  for (const [key, full] of [...series].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const data = full.data();
    const stored = downsample(data, MAX_STORED_POINTS);
    const entry: SeriesInfo = { points: full.points, stored: stored.value.length };
    if (stored !== data && !live) {
      const bytes = Buffer.from(JSON.stringify({ schema: SERIES_SCHEMA, series: { [key]: data } }));
      entry.sha256 = sha256Bytes(bytes);
      objects.push({ sha256: entry.sha256, size: bytes.length, source: { data: bytes } });
    }
    if (full.min !== undefined) entry.min = full.min;
    if (full.max !== undefined) entry.max = full.max;
    if (full.last !== undefined) entry.last = full.last;
    setOwn(seriesInfo, key, entry);
    if (stored.value.length > 0) setOwn(seriesFile, key, stored);
  }

  const created = typeof base.created === 'string' ? base.created : now().toISOString();
  const id = typeof base.id === 'string' ? base.id : ulid(Date.parse(created) || now().getTime());
  const project = overrides.project ?? (typeof base.project === 'string' ? base.project : await defaultProject(context.cwd));
  checkOverrides(overrides);

  const known: Record<string, unknown> = {
    schema: base.schema ?? RUN_SCHEMA,
    id,
    name: overrides.name ?? base.name ?? friendlyName(id),
    project,
    experiment: base.experiment,
    status: overrides.status ?? base.status ?? 'finished',
    user: base.user,
    host: base.host,
    created,
    ended: base.ended,
    heartbeat: live?.heartbeat ?? base.heartbeat,
    step: live ? (lastStep ?? base.step) : base.step,
    total_steps: base.total_steps,
    archived: base.archived,
    duration_s: base.duration_s,
    command: base.command,
    exit_code: base.exit_code,
    git: Object.keys(git).length ? git : base.git,
    env: base.env,
    data: base.data,
    params,
    metrics: sortKeys({ ...asMapping(base.metrics), ...lastValues, ...media?.metrics, ...summary }),
    series: Object.keys(seriesInfo).length ? seriesInfo : base.series,
    tags: [...new Set([...(Array.isArray(base.tags) ? base.tags : []), ...(overrides.tags ?? [])])],
    notes: notes ?? base.notes,
    artifacts: artifacts.length ? artifacts.map(({ source: _source, ...artifact }) => artifact) : base.artifacts,
    parents: base.parents,
    output_tail: live?.outputTail ?? base.output_tail,
  };
  const reserved = [...protoKeyPaths(known.params, 'params'), ...protoKeyPaths(known.metrics, 'metrics'), ...protoKeyPaths(known.series, 'series')];
  if (reserved.length > 0) {
    throw new InvalidRunError(
      reserved.map((field) => ({ file: 'run', field, message: 'uses "__proto__" as a name, which JavaScript objects reserve' })),
      'Rename that param, metric or series (e.g. "proto"); names like "constructor" or "toString" are fine.',
    );
  }
  // The one redaction every field leaving the machine goes through, whoever wrote the directory.
  const data = redactRecord(withUnknown(known, base));
  const record = parseRunRecord(data, 'run.yaml');
  if (typeof base.id !== 'string') await persistIdentity(dir, { id, created, project }, warn);
  const files: Record<string, string> = { 'run.yaml': stringifyRecord(data) };
  if (Object.keys(seriesFile).length) files['series.json'] = `${JSON.stringify({ schema: SERIES_SCHEMA, series: seriesFile })}\n`;
  if (media?.manifest) files[MEDIA_MANIFEST_FILE] = media.manifestText;
  return { record, files, objects, ...(media?.manifest ? { media: media.files } : {}) };
}

/** The record as YAML: known fields in a fixed order, then unknown ones sorted; empty fields left out. */
export function stringifyRecord(record: Record<string, unknown> | RunRecord): string {
  const ordered: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    if (Array.isArray(value) && value.length === 0 && key !== 'tags') continue;
    if (isMapping(value) && Object.keys(value).length === 0) continue;
    setOwn(ordered, key, value);
  }
  return stringifyYaml(ordered);
}

/** Writes identity fields into the directory's run.yaml, keeping its comments and layout. */
async function persistIdentity(dir: string, identity: { id: string; created: string; project: string }, warn: RunFileWarn): Promise<void> {
  // Writing to a FIFO blocks like reading one: only a regular run.yaml (or none) is written.
  const found = await classifyRunFile(dir, 'run.yaml');
  if (found.kind !== 'missing' && found.kind !== 'file') return;
  await writeFile(found.kind === 'file' ? found.path : join(dir, 'run.yaml'), addYamlFields((await readRunText(dir, 'run.yaml', warn)) ?? '', identity));
}

/** Fields of run.yaml this version does not know, appended in sorted order (forward compatibility). */
function withUnknown(known: Record<string, unknown>, base: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(known)) if (value !== undefined) setOwn(out, key, value);
  for (const key of Object.keys(base).sort()) if (!Object.hasOwn(known, key)) setOwn(out, key, base[key]);
  return out;
}

async function readRunYaml(dir: string, warn: RunFileWarn): Promise<Record<string, unknown>> {
  const text = await readRunText(dir, 'run.yaml', warn);
  if (text === undefined) return {};
  const data = parseYaml(text, 'run.yaml');
  if (data === null || data === undefined) return {};
  if (!isMapping(data)) throw notMapping('run.yaml', text, data, 'Write run.yaml as `key: value` lines (id, name, project, status, ...).');
  return data;
}

/**
 * Params from params.yaml, params.yml and params.json. A job may write its own params.yaml (a config
 * file) while a client writes params.json: both are read and merged, as long as they agree.
 */
async function readParams(dir: string, warn: RunFileWarn): Promise<Record<string, unknown> | undefined> {
  let merged: Record<string, unknown> | undefined;
  const sources: Record<string, string> = {};
  for (const file of ['params.yaml', 'params.yml', 'params.json']) {
    const text = await readRunText(dir, file, warn);
    if (text === undefined) continue;
    const data = file.endsWith('.json') ? parseJsonFile(text, file) : parseYaml(text, file);
    if (data === null || data === undefined) {
      merged ??= {};
      continue;
    }
    if (!isMapping(data)) throw notMapping(file, text, data, `Write ${file} as a mapping of names to values, e.g. \`lr: 0.001\`.`);
    merged = mergeParamFiles(merged ?? {}, data, file, sources, '');
  }
  return merged;
}

/** Merges `next` (from `file`) into `into`; a key both files set to different values is an error. */
function mergeParamFiles(
  into: Record<string, unknown>,
  next: Record<string, unknown>,
  file: string,
  sources: Record<string, string>,
  prefix: string,
): Record<string, unknown> {
  const out = { ...into };
  for (const [key, value] of Object.entries(next)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const current = ownValue(out, key);
    if (current === undefined) {
      setOwn(out, key, value);
      markSources(value, path, file, sources);
    } else if (isMapping(current) && isMapping(value)) {
      setOwn(out, key, mergeParamFiles(current, value, file, sources, path));
    } else if (JSON.stringify(current) !== JSON.stringify(value)) {
      const first = ownValue(sources, path) ?? 'another params file';
      throw new InvalidRunError(
        [{ file, field: path, message: `disagrees with ${first} (${showValue(current)})`, value: showValue(value) }],
        `Set ${path} in one params file only, or to the same value in ${first} and ${file}.`,
      );
    }
  }
  return out;
}

/** Remembers which file set each leaf param, to name it in a conflict. */
function markSources(value: unknown, path: string, file: string, sources: Record<string, string>): void {
  setOwn(sources, path, file);
  if (isMapping(value)) for (const [key, inner] of Object.entries(value)) markSources(inner, `${path}.${key}`, file, sources);
}

function notMapping(file: string, text: string, value: unknown, hint: string): InvalidRunError {
  const firstLine = text.split('\n').findIndex((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  return new InvalidRunError(
    [{ file, field: '', line: firstLine < 0 ? 1 : firstLine + 1, message: 'must be a mapping of names to values', value: showValue(value) }],
    hint,
  );
}

/** Bare NaN/Infinity tokens (outside strings) become strings JSON can parse; numbers are restored later. */
const BARE_NONFINITE = /("(?:[^"\\]|\\.)*")|(-?Infinity|NaN)\b/g;

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!/NaN|Infinity/.test(text)) throw error;
    try {
      return JSON.parse(text.replace(BARE_NONFINITE, (match, quoted: string | undefined) => quoted ?? `"${match}"`));
    } catch {
      throw error; // Its position refers to the text as written.
    }
  }
}

function parseJsonFile(text: string, file: string, lineOffset = 0): unknown {
  try {
    return parseJsonText(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message);
    const before = text.slice(0, position ? Number(position[1]) : text.length).split('\n');
    const line = position ? before.length : (Number(/line (\d+)/.exec(message)?.[1]) || 1);
    const column = position ? ` at column ${before.at(-1)!.length + 1}` : '';
    // V8 quotes the whole text in some messages ("Unexpected token 'x', "…" is not valid JSON"): keep the token only.
    const reason = message.replace(/ at position \d+.*$/s, '').replace(/, (\.\.\.)?".*" is not valid JSON$/s, '');
    throw new InvalidRunError(
      [{ file, field: '', line: line + lineOffset, message: `is not valid JSON${column}: ${reason}` }],
      file.endsWith('.jsonl')
        ? `Fix the JSON at the line shown (each line of ${file} is one complete JSON object).`
        : `Fix the JSON at the line shown (${file} holds one JSON object).`,
    );
  }
}

/** A metric value from JSON: numbers, and the non-finite spellings JSON cannot carry. */
function metricNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const spelled: Record<string, number> = {
    nan: Number.NaN, infinity: Infinity, '+infinity': Infinity, '-infinity': -Infinity, inf: Infinity, '+inf': Infinity, '-inf': -Infinity,
  };
  return spelled[value.toLowerCase()];
}

/** Flattens nested objects with `/`: `{val: {acc: 1}}` becomes `val/acc`. */
function flatten(value: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [key, inner] of Object.entries(value)) {
    const name = prefix ? `${prefix}/${key}` : key;
    if (isMapping(inner)) flatten(inner, name, out);
    else setOwn(out, name, inner);
  }
  return out;
}

class SeriesBuilder {
  points = 0;
  step: number[] = [];
  value: number[] = [];
  time: number[] = [];
  timed = true;
  min: number | undefined;
  max: number | undefined;
  last: number | undefined;

  add(step: number, value: number, time: number | undefined): void {
    this.points++;
    this.last = value;
    if (!Number.isFinite(value)) return;
    if (this.min === undefined || value < this.min) this.min = value;
    if (this.max === undefined || value > this.max) this.max = value;
    this.step.push(step);
    this.value.push(value);
    if (time === undefined) this.timed = false;
    else this.time.push(time);
  }

  data(): SeriesData {
    return this.timed && this.time.length ? { step: this.step, value: this.value, time: this.time } : { step: this.step, value: this.value };
  }
}

function timeSeconds(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value > 1e11 ? value / 1000 : value;
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Date.parse(value) / 1000;
  return undefined;
}

/** The lines of a text file, streamed (metrics.jsonl can outgrow a string), and whether it ends with a newline. */
async function* fileLines(file: OpenRunFile): AsyncGenerator<string, boolean> {
  const input = streamRunFile(file, { encoding: 'utf8' });
  let lastChar = '';
  input.on('data', (chunk: string | Buffer) => {
    if (typeof chunk === 'string' && chunk.length > 0) lastChar = chunk.at(-1)!;
  });
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) yield line;
  } finally {
    input.destroy();
  }
  return lastChar === '\n';
}

async function readMetrics(dir: string, warn: RunFileWarn): Promise<{ series: Map<string, SeriesBuilder>; lastValues: Record<string, number>; lastStep?: number }> {
  const file = 'metrics.jsonl';
  const series = new Map<string, SeriesBuilder>();
  const opened = await openRunFile(dir, file, { maxBytes: MAX_METRICS_FILE_BYTES, warn });
  if (!opened) return { series, lastValues: {} };
  let lastStep: number | undefined;
  const issues: FieldIssue[] = [];
  // A parse error on the last line is only an error if a newline follows it: without one it is a
  // write cut short by a kill, and the line is dropped.
  let pending: FieldIssue[] = [];
  let previousStep = -1;
  const lines = fileLines(opened);
  let lineNumber = 0;
  for (;;) {
    const next = await lines.next();
    if (next.done) {
      if (next.value) issues.push(...pending);
      break;
    }
    lineNumber++;
    issues.push(...pending);
    pending = [];
    if (issues.length >= MAX_ISSUES) {
      await lines.return(false);
      break;
    }
    const line = next.value.trim();
    if (line === '') continue;
    let parsed: unknown;
    try {
      parsed = parseJsonFile(line, file, lineNumber - 1);
    } catch (error) {
      if (!(error instanceof InvalidRunError)) throw error;
      pending = error.issues;
      continue;
    }
    if (!isMapping(parsed)) {
      issues.push({ file, line: lineNumber, field: '', message: 'must be a JSON object like {"step": 1, "loss": 0.5}', value: showValue(parsed) });
      continue;
    }
    const row = flatten(parsed);
    let step = previousStep + 1;
    if (row.step !== undefined && row.step !== null) {
      if (typeof row.step !== 'number' || !Number.isFinite(row.step)) {
        issues.push({ file, line: lineNumber, field: 'step', message: 'must be a number', value: showValue(row.step) });
        continue;
      }
      step = row.step;
    }
    previousStep = step;
    lastStep = step;
    let time: number | undefined;
    if (row.time !== undefined && row.time !== null) {
      time = timeSeconds(row.time);
      if (time === undefined) {
        issues.push({ file, line: lineNumber, field: 'time', message: 'must be unix seconds or an ISO 8601 timestamp', value: showValue(row.time) });
        continue;
      }
    }
    for (const [key, raw] of Object.entries(row)) {
      if (key === 'step' || key === 'time' || raw === null) continue;
      const value = metricNumber(raw);
      if (value === undefined) {
        issues.push({ file, line: lineNumber, field: key, message: 'must be a number (or "NaN", "Infinity")', value: showValue(raw) });
        continue;
      }
      let builder = series.get(key);
      if (!builder) series.set(key, (builder = new SeriesBuilder()));
      builder.add(step, value, time);
    }
  }
  if (issues.length) throw new InvalidRunError(issues, 'Fix the lines named above: each line of metrics.jsonl is one JSON object of numbers, e.g. {"step": 10, "loss": 0.52}.');
  const lastValues: Record<string, number> = {};
  for (const [key, builder] of series) if (builder.last !== undefined) lastValues[key] = builder.last;
  return { series, lastValues, ...(lastStep === undefined ? {} : { lastStep }) };
}

async function readSummary(dir: string, warn: RunFileWarn): Promise<Record<string, number>> {
  const file = 'summary.json';
  const text = await readRunText(dir, file, warn);
  if (text === undefined) return {};
  const data = parseJsonFile(text, file);
  if (!isMapping(data)) throw notMapping(file, text, data, 'Write summary.json as an object of final metrics, e.g. {"accuracy": 0.93}.');
  const issues: FieldIssue[] = [];
  const out: Record<string, number> = {};
  for (const [key, raw] of Object.entries(flatten(data))) {
    if (raw === null) continue;
    const value = metricNumber(raw);
    if (value === undefined) issues.push({ file, field: key, message: 'must be a number (or "NaN", "Infinity")', value: showValue(raw) });
    else setOwn(out, key, value);
  }
  if (issues.length) throw new InvalidRunError(issues, 'summary.json holds final scalar metrics only; move other values to params or notes.');
  return out;
}

const MIME_TYPES: Record<string, string> = {
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.svg': 'image/svg+xml',
  '.webp': 'image/webp', '.json': 'application/json', '.jsonl': 'application/jsonl', '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values', '.txt': 'text/plain', '.log': 'text/plain', '.md': 'text/markdown',
  '.html': 'text/html', '.pdf': 'application/pdf', '.yaml': 'application/yaml', '.yml': 'application/yaml',
  '.parquet': 'application/vnd.apache.parquet', '.zip': 'application/zip', '.gz': 'application/gzip',
  '.npy': 'application/octet-stream', '.pt': 'application/octet-stream', '.safetensors': 'application/octet-stream',
  '.onnx': 'application/octet-stream', '.mp4': 'video/mp4', '.wav': 'audio/wav', '.diff': 'text/x-diff', '.patch': 'text/x-diff',
};

/**
 * Every regular file under artifacts/, hashed, sorted by path. A symbolic link leading outside the
 * run is refused; FIFOs, sockets and devices are left out with a warning, never opened; a folder
 * reached twice (a link back up the tree) is walked once.
 */
async function readArtifacts(dir: string, warn: RunFileWarn): Promise<Array<Artifact & { source: string }>> {
  const root = await classifyRunFile(dir, 'artifacts');
  if (root.kind === 'missing') return [];
  if (root.kind !== 'folder') {
    throw new InvalidRunError([{ file: 'artifacts', field: '', message: 'must be a folder of files' }], 'Put artifact files inside an artifacts/ folder.');
  }
  const out: Array<Artifact & { source: string }> = [];
  const walked = new Set<string>();
  const walk = async (folder: string, realFolder: string): Promise<void> => {
    if (walked.has(realFolder)) return;
    walked.add(realFolder);
    for (const entry of await readdir(join(dir, folder))) {
      const name = `${folder}/${entry}`;
      const path = name.slice('artifacts/'.length);
      // Checked here so an unsafe name (a .git folder, a control character) never reaches the branch.
      const problem = artifactPathProblem(path);
      if (problem) {
        throw new InvalidRunError(
          [{ file: `artifacts/${JSON.stringify(path).slice(1, -1)}`, field: '', message: `cannot be an artifact: its path ${problem}` }],
          'Rename or remove that file under artifacts/; `runpages pull` would refuse to write it.',
        );
      }
      const found = await classifyRunFile(dir, name);
      if (found.kind === 'folder') await walk(name, await realpath(found.path));
      else if (found.kind === 'special') warn(`${name} is ${found.what}, not a regular file: left out of the run's artifacts (it was not opened)`);
      else if (found.kind === 'file') {
        const file = await openRunFile(dir, name, { maxBytes: Number.MAX_SAFE_INTEGER, warn });
        if (!file) continue;
        const digest = await hashRunFile(file);
        out.push({ path, ...digest, type: MIME_TYPES[extname(entry).toLowerCase()] ?? 'application/octet-stream', source: file.path });
      }
    }
  };
  await walk('artifacts', await realpath(root.path));
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function checkOverrides(overrides: RunOverrides): void {
  if (overrides.project !== undefined && !PROJECT_PATTERN.test(overrides.project)) {
    throw new InvalidRunError(
      [{ file: '--project', field: 'project', message: 'must be 1-64 letters, digits, ".", "-" or "_", starting with a letter or digit', value: showValue(overrides.project) }],
      'Choose a project name that can be a folder and URL segment, e.g. "image-classifier".',
    );
  }
}

/** `--param a.b=0.1` as nested params with YAML-typed values. */
function overrideParams(params: Record<string, string> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(params ?? {})) {
    let value: unknown = text;
    try {
      const parsed = parseYaml(text, '--param');
      if (parsed === null || typeof parsed !== 'object') value = parsed ?? text;
    } catch {
      // Not valid YAML: keep the text as given.
    }
    setPath(out, keyPath(key, '--param'), value);
  }
  return out;
}

/** Deep merge: mappings merge key by key, anything else in `over` replaces. */
function mergeParams(under: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...under };
  for (const [key, value] of Object.entries(over)) {
    const current = ownValue(out, key);
    setOwn(out, key, isMapping(current) && isMapping(value) ? mergeParams(current, value) : value);
  }
  return out;
}

/** The default project: the name of the folder holding the repository (`.git`) containing cwd, made URL-safe. */
export async function defaultProject(cwd: string): Promise<string> {
  let folder = cwd;
  for (;;) {
    if (await exists(join(folder, '.git'))) break;
    const parent = dirname(folder);
    if (parent === folder) {
      folder = cwd;
      break;
    }
    folder = parent;
  }
  const name = basename(folder)
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
  return name || 'default';
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function asMapping(value: unknown): Record<string, unknown> {
  return isMapping(value) ? { ...value } : {};
}
