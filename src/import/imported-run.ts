/**
 * An imported run (from MLflow, TensorBoard, ...) before it becomes a PreparedRun. Importers only
 * translate; this module turns their output into a run directory (docs/design.md#run-directory) in a staging folder and
 * hands it to `prepareRunDir`, so imported runs are validated, redacted, downsampled and stored
 * exactly like recorded ones.
 */
import { componentProblem } from '../run/artifact-path.ts';
import { copyFile, link, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { prepareRunDir, stringifyRecord } from '../record/run-dir.ts';
import type { PreparedRun } from '../run/prepared.ts';
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
export async function prepareImportedRun(run: ImportedRun, options: { cwd: string; stagingRoot: string }): Promise<PreparedRun> {
  const dir = join(options.stagingRoot, `${String(run.record.id)}-${process.pid}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  try {
    await writeFile(join(dir, 'run.yaml'), stringifyRecord(run.record));
    await writeFile(join(dir, 'metrics.jsonl'), metricsLines(run.series));
    if (Object.keys(run.summary).length) await writeFile(join(dir, 'summary.json'), jsonWithNonFinite(renameKeys(run.summary)));
    const staged = join(dir, 'artifacts');
    if (run.artifactsDir) await mirror(run.artifactsDir, staged, '', run.warnings, run.source);
    const prepared = await prepareRunDir(dir, {}, { cwd: options.cwd });
    if (run.artifactsDir) {
      const from = run.artifactsDir;
      prepared.objects = prepared.objects.map((object) =>
        'path' in object.source && object.source.path.startsWith(staged + sep)
          ? { ...object, source: { path: join(from, relative(staged, object.source.path)) } }
          : object,
      );
    }
    return prepared;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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
  return `{${Object.entries(values).map(([key, value]) => `${JSON.stringify(key)}:${numberText(value)}`).join(',')}}\n`;
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
