/**
 * TensorBoard logdirs as runs: every folder holding event files (`*tfevents*`) is one run, as in
 * TensorBoard itself (Keras's `train/` and `validation/` are two runs). Its scalar tags become
 * series with their steps and wall times; the first and last wall times are the run's start and end;
 * hyperparameters logged through the hparams plugin (Lightning, `add_hparams`) become params.
 *
 * Ids are stable, so re-importing the same logdir publishes nothing new: `tb-` and a hash of the run's
 * first event file name (which TensorBoard writers make unique: time, host, pid, counter).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { RunpagesError } from '../errors.ts';
import type { ImportTask, Skipped } from './batch.ts';
import { SourceRoot, type Refused } from './contained.ts';
import { decodeEvent } from './event.ts';
import type { ImportedRun, ImportedSeries } from './imported-run.ts';
import { projectName } from './project-name.ts';
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
export async function scanTensorBoard(logdir: string, options: TensorBoardOptions = {}): Promise<{ tasks: ImportTask[]; skipped: Skipped[]; refused: Refused[] }> {
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
  for (const file of files) {
    const path = join(folder, file);
    const { records, problems } = readTfRecords(await readFile(path));
    for (const problem of problems) warnings.push(`${path} at byte ${problem.offset}: ${problem.message}`);
    for (const record of records) {
      let event;
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
      if (event.hparams) Object.assign(params, event.hparams);
      for (const { tag, value } of event.scalars) {
        let data = series.get(tag);
        if (!data) series.set(tag, (data = { step: [], value: [], time: [] }));
        data.step.push(event.step);
        data.value.push(value);
        data.time.push(event.wallTime);
      }
    }
  }
  const firstFile = files[0] ?? folder;
  const id = `tb-${createHash('sha256').update(firstFile).digest('hex').slice(0, 24)}`;
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
      imported: { from: 'tensorboard', files: [...files] },
    },
    series,
    summary: {},
    source: folder,
    warnings,
  };
}
