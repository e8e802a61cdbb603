/**
 * Publishing imported runs: prepare each (skipping, with the reason, those that fail validation),
 * then publish in batches through the same path as recorded runs, so thousands of runs land in a
 * few commits.
 */
import { join } from 'node:path';
import { publishRuns } from '../branch/publish.ts';
import type { Config } from '../config.ts';
import { isRunpagesError } from '../errors.ts';
import type { PreparedRun } from '../run/prepared.ts';
import { prepareImportedRun, type ImportedRun } from './imported-run.ts';
import type { Refused } from './contained.ts';

/** Something the importer did not import, and why. */
export interface Skipped {
  source: string;
  reason: string;
}

/** One run to import, read only when its turn comes so a large import never holds every history at once. */
export interface ImportTask {
  source: string;
  /** Reads the run; throws RunpagesError when the source is malformed (the run is skipped with the message). */
  load: () => Promise<ImportedRun>;
}

export interface ImportedSummary {
  id: string;
  name: string;
  project: string;
  status: string;
  series: number;
  points: number;
  artifacts: number;
  source: string;
}

export interface ImportOutcome {
  imported: ImportedSummary[];
  skipped: Skipped[];
  /** Runs prepared but left in the publish queue (`runpages sync` retries them). */
  queued: { id: string; reason: string }[];
  /** Problems read past in imported runs. */
  warnings: string[];
  /** Paths not read because they are symbolic links or lie outside the folder imported. */
  refused: Refused[];
}

export interface ImportPublishOptions {
  cwd: string;
  config: Config;
  /** Validate and report, publish nothing. */
  dryRun?: boolean;
  /** Runs per commit. */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

const DEFAULT_BATCH = 500;
export const STAGING_DIR = '.runpages/import';

/**
 * Prepares and publishes imported runs in batches.
 *
 * @example
 * const outcome = await publishImported(tasks, { cwd, config });
 * console.log(`${outcome.imported.length} imported, ${outcome.skipped.length} skipped`);
 */
export async function publishImported(tasks: readonly ImportTask[], options: ImportPublishOptions): Promise<ImportOutcome> {
  const outcome: ImportOutcome = { imported: [], skipped: [], queued: [], warnings: [], refused: [] };
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const stagingRoot = join(options.cwd, STAGING_DIR);
  let batch: PreparedRun[] = [];
  let done = 0;
  const flush = async (): Promise<void> => {
    if (batch.length && !options.dryRun) {
      const result = await publishRuns(batch, { cwd: options.cwd, config: options.config });
      outcome.queued.push(...result.queued);
    }
    batch = [];
  };
  for (const task of tasks) {
    try {
      const run = await task.load();
      outcome.warnings.push(...run.warnings);
      outcome.refused.push(...(run.refused ?? []));
      const prepared = await prepareImportedRun(run, { cwd: options.cwd, stagingRoot });
      batch.push(prepared);
      outcome.imported.push(summarize(prepared, task.source));
    } catch (error) {
      // A malformed or unreadable run is reported and skipped; anything else is a bug and stops the import.
      if (isRunpagesError(error)) outcome.skipped.push({ source: task.source, reason: error.message });
      else if (isFileSystemError(error)) outcome.skipped.push({ source: task.source, reason: `cannot read it: ${error.message}` });
      else throw error;
    }
    options.onProgress?.(++done, tasks.length);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return outcome;
}

function isFileSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

function summarize(prepared: PreparedRun, source: string): ImportedSummary {
  const { record } = prepared;
  const series = Object.values(record.series);
  return {
    id: record.id,
    name: record.name,
    project: record.project,
    status: record.status,
    series: series.length,
    points: series.reduce((sum, info) => sum + info.points, 0),
    artifacts: record.artifacts.length,
    source,
  };
}
