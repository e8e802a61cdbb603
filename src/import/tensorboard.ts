/**
 * TensorBoard logdirs as runs: every folder holding event files (`*tfevents*`) is one run, as in
 * TensorBoard itself (Keras's `train/` and `validation/` are two runs). Its scalar tags become
 * series with their steps and wall times; the first and last wall times are the run's start and end;
 * hyperparameters logged through the hparams plugin (Lightning, `add_hparams`) become params; images,
 * histograms, text and PR curves become the run's media (tensorboard-media.ts), and what is still
 * left out (audio, graphs, other plugins) is counted in the import's warnings.
 *
 * Ids are stable, so re-importing the same logdir publishes nothing new, and distinct: `tb-` and a hash
 * of the run folder's path under the logdir, its first event file's name and that file's first record
 * (the `file_version` event, whose wall time has microseconds). The file name alone is not enough:
 * tensorboardX names files `events.out.tfevents.<seconds>.<host>`, so runs started on one host in the
 * same second share it. The first record, unlike the whole file, does not change while a run is still
 * writing, so importing a live run twice keeps its id. A run the branch already holds under the old
 * file-name id keeps that one (`formerIds`, resolved in batch.ts).
 */
import { setOwn } from '../run/keys.ts';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { RunpagesError } from '../errors.ts';
import type { ImportTask, Skipped } from './batch.ts';
import { SourceRoot, type Refused } from './contained.ts';
import { decodeEvent } from './event.ts';
import type { ImportedRun, ImportedSeries } from './imported-run.ts';
import { projectName } from './project-name.ts';
import { TensorBoardMedia } from './tensorboard-media.ts';
import { readTfRecords } from './tfrecord.ts';

export interface TensorBoardOptions {
  /** Project for every run (default: the logdir's folder name). */
  project?: string;
}

const EVENT_FILE = /tfevents/;

/**
 * Finds the runs of a logdir; each task reads its event files when called.
 *
 * @example
 * const { tasks } = await scanTensorBoard('lightning_logs', { project: 'autoencoder' });
 * await publishImported(tasks, { cwd, config });
 */
export async function scanTensorBoard(
  logdir: string,
  options: TensorBoardOptions = {},
): Promise<{ tasks: ImportTask[]; skipped: Skipped[]; refused: Refused[] }> {
  const root = resolve(logdir);
  const unreadable = (error: NodeJS.ErrnoException): never => {
    throw new RunpagesError('import-source-missing', `Cannot read the TensorBoard logdir ${logdir}: ${error.code ?? error.message}`, {
      hint: 'Pass the folder TensorBoard was started with (`tensorboard --logdir <this>`).',
    });
  };
  const source = await SourceRoot.open(root).catch(unreadable);
  const folders = await eventFolders(source, root).catch(unreadable);
  if (folders.length === 0) {
    throw new RunpagesError('import-nothing-found', `No TensorBoard event files (*tfevents*) under ${logdir}`, {
      hint: 'Point at the folder holding the runs, e.g. `runpages import tensorboard lightning_logs`.',
    });
  }
  const project = options.project ?? projectName(basename(root), 'tensorboard');
  const tasks = folders.map(({ folder, files }) => {
    const name = relative(root, folder).split(sep).join('/') || basename(root);
    return { source: folder, load: () => readTensorBoardRun(folder, files, { name, project }) };
  });
  return { tasks, skipped: [], refused: source.refused };
}

/** Folders holding event files; symbolic links (files or folders) are refused by name, never followed out of the logdir. */
async function eventFolders(source: SourceRoot, root: string): Promise<Array<{ folder: string; files: string[] }>> {
  const out: Array<{ folder: string; files: string[] }> = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = (await source.entries(folder)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const files = entries.filter((entry) => entry.isFile() && EVENT_FILE.test(entry.name)).map((entry) => entry.name);
    if (files.length) out.push({ folder, files });
    for (const entry of entries) if (entry.isDirectory()) await walk(join(folder, entry.name));
  };
  await walk(root);
  return out;
}

/**
 * Reads one run's event files (in name order, which is creation order) into an ImportedRun.
 * Corrupt records are reported in `warnings` with file and offset; the rest still imports.
 */
export async function readTensorBoardRun(folder: string, files: readonly string[], options: { name: string; project: string }): Promise<ImportedRun> {
  const series = new Map<string, ImportedSeries>();
  const warnings: string[] = [];
  const params: Record<string, unknown> = {};
  let first = Infinity;
  let last = -Infinity;
  let firstRecord: Uint8Array | undefined;
  const media = new TensorBoardMedia();
  for (const file of files) {
    const path = join(folder, file);
    const { records, problems } = readTfRecords(await readFile(path));
    firstRecord ??= records[0]?.data;
    for (const problem of problems) warnings.push(`${path} at byte ${problem.offset}: ${problem.message}`);
    for (const record of records) {
      let event: ReturnType<typeof decodeEvent>;
      try {
        event = decodeEvent(record.data);
      } catch (error) {
        warnings.push(`${path} at byte ${record.offset}: not a valid Event record (${error instanceof Error ? error.message : String(error)}), skipped`);
        continue;
      }
      // Every event (file_version included) carries a wall time; the first marks the run's start.
      if (event.wallTime > 0) {
        first = Math.min(first, event.wallTime);
        last = Math.max(last, event.wallTime);
      }
      if (event.hparams) for (const [key, value] of Object.entries(event.hparams)) setOwn(params, key, value);
      for (const { tag, value } of event.scalars) {
        let data = series.get(tag);
        if (!data) series.set(tag, (data = { step: [], value: [], time: [] }));
        data.step.push(event.step);
        data.value.push(value);
        data.time.push(event.wallTime);
      }
      for (const item of event.items) media.add(item, event.step, event.wallTime);
    }
  }
  const kept = media.media();
  warnings.push(...media.warnings(folder));
  const id = tensorBoardRunId(options.name, files[0] ?? '', firstRecord);
  const created = Number.isFinite(first) ? new Date(first * 1000) : new Date(0);
  const ended = Number.isFinite(last) ? new Date(last * 1000) : created;
  return {
    record: {
      id,
      name: options.name,
      project: options.project,
      status: 'finished',
      created: created.toISOString(),
      ended: ended.toISOString(),
      duration_s: Math.round((ended.getTime() - created.getTime()) / 10) / 100,
      params: Object.fromEntries(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      tags: ['tensorboard'],
      imported: { from: 'tensorboard', folder: options.name, files: [...files] },
    },
    series,
    summary: {},
    ...(kept.length ? { media: kept } : {}),
    source: folder,
    warnings,
    formerIds: [legacyTensorBoardRunId(files[0] ?? folder)],
  };
}

/** `tb-` and 24 hex of a hash of what identifies a run: where it is in the logdir and how it began. */
export function tensorBoardRunId(folder: string, firstFile: string, firstRecord: Uint8Array | undefined): string {
  const hash = createHash('sha256').update(`${folder}\0${firstFile}\0`);
  if (firstRecord) hash.update(firstRecord);
  return `tb-${hash.digest('hex').slice(0, 24)}`;
}

/** The id runpages gave before 2026-12: a hash of the first event file's name alone (it collides). */
export function legacyTensorBoardRunId(firstFile: string): string {
  return `tb-${createHash('sha256').update(firstFile).digest('hex').slice(0, 24)}`;
}
