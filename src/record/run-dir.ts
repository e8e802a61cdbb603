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
import { protoKeyPaths, setOwn } from '../run/keys.ts';
import { lstat, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RunpagesError } from '../errors.ts';
import type { PendingObject, PreparedRun } from '../run/prepared.ts';
import { MAX_STORED_POINTS, RUN_SCHEMA, SERIES_SCHEMA, type RunRecord, type RunStatus, type SeriesData, type SeriesInfo } from '../run/schema.ts';
import { InvalidRunError, parseRunRecord } from '../run/validate.ts';
import { addYamlFields, parseYaml, stringifyYaml } from '../run/yaml.ts';
import { sha256Bytes } from '../store/hash.ts';
import { downsample } from './downsample.ts';
import { MEDIA_MANIFEST_FILE, readRunMedia } from './media-dir.ts';
import { classifyRunFile, readRunText, warnOnStderr, type RunFileWarn } from './read-run-file.ts';
import { friendlyName, ulid } from './id.ts';
import { readArtifacts } from './run-dir-artifacts.ts';
import { asMapping, isMapping, notMapping } from './run-dir-json.ts';
import { readMetrics, readSummary } from './run-dir-metrics.ts';
import { checkOverrides, mergeParams, overrideParams, readParams } from './run-dir-params.ts';
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
