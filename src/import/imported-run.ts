/**
 * An imported run (from MLflow, TensorBoard, ...) before it becomes a PreparedRun. Importers only
 * translate; this module turns their output into a run directory (docs/design.md#run-directory) in a staging folder and
 * hands it to `prepareRunDir`, so imported runs are validated, redacted, downsampled and stored
 * exactly like recorded ones.
 */
import { componentProblem } from '../run/artifact-path.ts';
import { copyFile, link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { prepareRunDir, stringifyRecord } from '../record/run-dir.ts';
import type { MediaKind } from '../run/media.ts';
import type { PendingObject, PreparedRun } from '../run/prepared.ts';
import type { Refused } from './contained.ts';

/** One series at full resolution, in the order it was logged. `time` is unix seconds. */
export interface ImportedSeries {
  step: number[];
  value: number[];
  time: number[];
}

export interface ImportedRun {
  /** run.yaml fields: at least id, name, project, status, created. */
  record: Record<string, unknown>;
  series: Map<string, ImportedSeries>;
  /** Summary values that differ from "the last point of each series" (e.g. MLflow's latest-value rule). */
  summary: Record<string, number>;
  /** A folder whose files become the run's artifacts. */
  artifactsDir?: string;
  /**
   * Images, histograms, curves, tables and texts (docs/design.md#media), in the order logged. They
   * become the run directory's media.jsonl and media/, so they are checked, left out with a warning
   * when bad, and stored exactly as a recorded run's.
   */
  media?: ImportedMedium[];
  /** Where the run came from, for messages. */
  source: string;
  /** Problems read past (a corrupt record, a renamed metric), reported in the import summary. */
  warnings: string[];
  /**
   * Ids an older runpages gave this run. When the branch holds the run under one of them (same
   * project, name and source files), that id is kept, so upgrading does not import the run twice.
   */
  formerIds?: string[];
  /** Paths not read: symbolic links, or outside the folder imported. Named and counted in the import summary. */
  refused?: Refused[];
}

/** One medium of an imported run: a media.jsonl line and its file. */
export interface ImportedMedium {
  key: string;
  kind: MediaKind;
  step?: number;
  caption?: string;
  /** Unix seconds. */
  time?: number;
  /** The file's bytes, or a file of the source (linked into the staging folder, never copied into memory). */
  content: { data: Uint8Array } | { path: string };
  /** Extension of the file (`png`, `json`, `txt`); the reader sniffs images by their bytes anyway. */
  ext: string;
}

/** Column names metrics.jsonl reserves; metrics with these names are renamed with a leading `_`. */
const RESERVED_KEYS = new Set(['step', 'time']);

/** The metric key a series is stored under (`step` and `time` are taken by metrics.jsonl itself). */
export function seriesKey(name: string): string {
  return RESERVED_KEYS.has(name) ? `_${name}` : name;
}

/**
 * Builds the PreparedRun of an imported run through a staging run directory under `stagingRoot`,
 * removed afterwards. Artifact objects point at the source files, so nothing large is kept.
 *
 * @example
 * const prepared = await prepareImportedRun(run, { cwd, stagingRoot: join(cwd, '.runpages/import') });
 */
export async function prepareImportedRun(
  run: ImportedRun,
  options: { cwd: string; stagingRoot: string; warn?: (message: string) => void },
): Promise<PreparedRun> {
  const dir = join(options.stagingRoot, `${String(run.record.id)}-${process.pid}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  try {
    await writeFile(join(dir, 'run.yaml'), stringifyRecord(run.record));
    await writeFile(join(dir, 'metrics.jsonl'), metricsLines(run.series));
    if (Object.keys(run.summary).length) await writeFile(join(dir, 'summary.json'), jsonWithNonFinite(renameKeys(run.summary)));
    const staged = join(dir, 'artifacts');
    if (run.artifactsDir) await mirror(run.artifactsDir, staged, '', run.warnings, run.source);
    const mediaSources = run.media?.length ? await stageMedia(run.media, dir) : new Map<string, ImportedMedium['content']>();
    const warn = options.warn ?? ((message: string) => run.warnings.push(`${run.source}: ${message}`));
    const prepared = await prepareRunDir(dir, {}, { cwd: options.cwd, warn });
    // The staging folder goes away: objects point back at the source files (or hold the bytes).
    const objects: PendingObject[] = [];
    for (const object of prepared.objects) {
      const path = 'path' in object.source ? object.source.path : undefined;
      const medium = path === undefined ? undefined : mediaSources.get(path);
      if (path === undefined) objects.push(object);
      else if (medium) objects.push({ ...object, source: 'path' in medium ? { path: medium.path } : { data: medium.data } });
      else if (run.artifactsDir && path.startsWith(staged + sep)) objects.push({ ...object, source: { path: join(run.artifactsDir, relative(staged, path)) } });
      // Anything else read from the staging folder is kept in memory before the folder is removed.
      else if (path.startsWith(dir + sep)) objects.push({ ...object, source: { data: new Uint8Array(await readFile(path)) } });
      else objects.push(object);
    }
    prepared.objects = objects;
    return prepared;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Writes media.jsonl and media/<n>.<ext> in the staging run directory; returns where each staged
 * file's bytes really are, by its staged path.
 */
async function stageMedia(media: readonly ImportedMedium[], dir: string): Promise<Map<string, ImportedMedium['content']>> {
  const sources = new Map<string, ImportedMedium['content']>();
  await mkdir(join(dir, 'media'), { recursive: true });
  const lines: string[] = [];
  for (const [index, medium] of media.entries()) {
    const file = `media/${index + 1}.${medium.ext}`;
    const target = join(dir, file);
    if ('data' in medium.content) await writeFile(target, medium.content.data);
    else {
      const from = medium.content.path;
      await link(from, target).catch(() => copyFile(from, target));
    }
    sources.set(target, medium.content);
    const { key, kind, step, caption, time } = medium;
    lines.push(
      JSON.stringify({
        key,
        kind,
        ...(step === undefined ? {} : { step }),
        ...(caption === undefined ? {} : { caption }),
        file,
        ...(time === undefined ? {} : { time }),
      }),
    );
  }
  await writeFile(join(dir, 'media.jsonl'), `${lines.join('\n')}\n`);
  return sources;
}

/** One metrics.jsonl line per point, so each series keeps its own steps and times. */
function metricsLines(series: Map<string, ImportedSeries>): string {
  const lines: string[] = [];
  for (const [name, data] of series) {
    const key = JSON.stringify(seriesKey(name));
    for (let i = 0; i < data.value.length; i++) {
      lines.push(`{"step":${data.step[i]},${key}:${numberText(data.value[i]!)},"time":${data.time[i]}}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** JSON has no NaN or Infinity; run-dir reads these spellings as the numbers. */
function numberText(value: number): string {
  if (Number.isNaN(value)) return '"NaN"';
  if (value === Infinity) return '"Infinity"';
  if (value === -Infinity) return '"-Infinity"';
  return String(value);
}

function jsonWithNonFinite(values: Record<string, number>): string {
  return `{${Object.entries(values)
    .map(([key, value]) => `${JSON.stringify(key)}:${numberText(value)}`)
    .join(',')}}\n`;
}

function renameKeys(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [seriesKey(key), value]));
}

/**
 * Hard links (copies across file systems) of every file under `from`, so staging costs no space.
 * Names that could not be pulled safely (a .git folder, control characters) are left out with a
 * warning; links are never followed (importers refuse them by name).
 */
async function mirror(from: string, to: string, prefix: string, warnings: string[], source: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const path = `${prefix}${entry.name}`;
    const problem = componentProblem(entry.name);
    if (problem) {
      warnings.push(`${source}: artifact ${JSON.stringify(path)} not imported: its name ${problem}`);
      continue;
    }
    const sourcePath = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) await mirror(sourcePath, target, `${path}/`, warnings, source);
    else if (entry.isFile()) await link(sourcePath, target).catch(() => copyFile(sourcePath, target));
  }
}
