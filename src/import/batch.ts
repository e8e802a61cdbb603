/**
 * Publishing imported runs: prepare each (skipping, with the reason, those that fail validation),
 * then publish in batches through the same path as recorded runs, so thousands of runs land in a
 * few commits.
 */
import { join } from 'node:path';
import { publishRuns } from '../branch/publish.ts';
import { listBranchFiles, readBlobs } from '../branch/read.ts';
import { parseYaml } from '../run/yaml.ts';
import { runFolder } from '../run/prepared.ts';
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
  /** Media kept (docs/design.md#media); those left out are warnings. */
  media: number;
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
  // Two sources giving one id would overwrite each other on the branch (and race in the queue):
  // the second is refused, naming both, before anything is written. So is a run whose id the branch
  // already holds in another folder (another project or month): it would be a second run of that id.
  const sourceOf = new Map<string, string>();
  const onBranch = await branchFolders(options.cwd, options.config);
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
      await keepFormerId(run, onBranch, options.cwd);
      const id = String(run.record.id);
      const earlier = sourceOf.get(id);
      if (earlier !== undefined) {
        outcome.skipped.push({ source: task.source, reason: duplicateIdReason(id, earlier, task.source) });
        options.onProgress?.(++done, tasks.length);
        continue;
      }
      sourceOf.set(id, task.source);
      outcome.warnings.push(...run.warnings);
      outcome.refused.push(...(run.refused ?? []));
      // What preparing leaves out (a bad medium, an unreadable artifact) is counted with the rest.
      const prepared = await prepareImportedRun(run, { cwd: options.cwd, stagingRoot, warn: (message) => outcome.warnings.push(`${task.source}: ${message}`) });
      const existing = onBranch.get(id);
      const folder = runFolder(prepared.record);
      if (existing !== undefined && existing.folder !== folder) {
        outcome.skipped.push({
          source: task.source,
          reason: `run id ${id} is already on ${existing.ref} at ${existing.folder}; importing it as ${folder} would make a second run with that id, so it is not imported (import it into the same project as before, or remove one of them)`,
        });
        options.onProgress?.(++done, tasks.length);
        continue;
      }
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

interface BranchRun {
  folder: string;
  ref: string;
  /** Blob of its run.yaml. */
  sha: string;
}

/**
 * Gives the run the id an older runpages gave it, when the branch holds it under that id: same
 * project and name, same source files. Ids of two runs that collided under the old scheme are
 * claimed by the one the branch kept; the other keeps its new id.
 */
async function keepFormerId(run: ImportedRun, onBranch: Map<string, BranchRun>, cwd: string): Promise<void> {
  for (const former of run.formerIds ?? []) {
    const stored = onBranch.get(former);
    if (stored === undefined || stored.folder.split('/')[1] !== run.record.project) continue;
    let record: unknown;
    for await (const file of readBlobs(cwd, [{ path: `${stored.folder}/run.yaml`, sha: stored.sha }]))
      record = parseYaml(file.content.toString('utf8'), file.path);
    const old = record as { name?: unknown; imported?: { files?: unknown } } | null;
    const files = (run.record.imported as { files?: unknown } | undefined)?.files;
    if (old?.name === run.record.name && JSON.stringify(old?.imported?.files) === JSON.stringify(files)) {
      run.record.id = former;
      return;
    }
  }
}

/** Where each run id lives on the runs branch (the local branch, else the remote's), before this import. */
async function branchFolders(cwd: string, config: Config): Promise<Map<string, BranchRun>> {
  const folders = new Map<string, BranchRun>();
  for (const ref of [config.branch, `${config.remote}/${config.branch}`]) {
    let files: Awaited<ReturnType<typeof listBranchFiles>>;
    try {
      files = await listBranchFiles(cwd, ref, (path) => path.startsWith('runs/') && path.endsWith('/run.yaml'));
    } catch (error) {
      // No such branch yet (or no repository, which publishing reports itself): nothing to collide with.
      if (isRunpagesError(error) && (error.code === 'branch-not-found' || error.code === 'not-a-repository')) continue;
      throw error;
    }
    for (const { path, sha } of files) {
      const folder = path.slice(0, -'/run.yaml'.length);
      const id = folder.slice(folder.lastIndexOf('/') + 1);
      if (!folders.has(id)) folders.set(id, { folder, ref, sha });
    }
    return folders;
  }
  return folders;
}

function duplicateIdReason(id: string, first: string, second: string): string {
  return `run id ${id} is also the id of ${first}, imported just before; two sources of one id would overwrite each other, so ${second} is not imported: if it is a copy of the same run, remove one of them`;
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
    media: mediaCount(prepared),
    source,
  };
}

/** Entries of the run's media.json, as prepared. */
function mediaCount(prepared: PreparedRun): number {
  const manifest = prepared.files['media.json'];
  if (manifest === undefined) return 0;
  const media = (JSON.parse(manifest) as { media?: unknown }).media;
  return Array.isArray(media) ? media.length : 0;
}
