/**
 * The runs to export with their series at full resolution: series.json from the branch (or folder),
 * and for each downsampled series the full one from the object store. A full series that cannot be
 * read (the store is elsewhere, the object missing) falls back to the branch's points, with a warning
 * that says how many points are left out.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readBranchFiles } from '../branch/read.ts';
import type { LoadedRun } from '../index/load.ts';
import type { RunSource } from '../index/source.ts';
import { parseSeriesText } from '../run/parse-text.ts';
import type { SeriesData, SeriesFile } from '../run/schema.ts';
import type { ObjectStore } from '../store/store.ts';
import type { ExportRun } from './mlflow.ts';

/**
 * Adds the series to each run of `runs` (as loadRunRecords returns them from `source`).
 *
 * @example
 * const { runs } = await loadRunRecords(cwd, { branch: 'runs' });
 * const { exported, warnings } = await withFullSeries(cwd, { branch: 'runs' }, runs, openStore(config.store, cwd));
 */
export async function withFullSeries(
  cwd: string,
  source: RunSource,
  runs: readonly LoadedRun[],
  store: ObjectStore | undefined,
): Promise<{ exported: ExportRun[]; warnings: string[] }> {
  const warnings: string[] = [];
  const seriesByFolder = new Map<string, SeriesFile>();
  const wanted = new Set(runs.filter((run) => Object.keys(run.record.series).length > 0).map((run) => `${run.folder}/series.json`));
  if ('folder' in source) {
    const root = source.folder;
    for (const file of wanted) {
      // A folder's runs are named `runs/<path under the folder>`, as on a branch.
      const text = await readFile(join(root, file.slice('runs/'.length)), 'utf8').catch(() => undefined);
      if (text !== undefined) seriesByFolder.set(file.slice(0, -'/series.json'.length), parseSeriesText(text, file));
    }
  } else {
    for await (const file of readBranchFiles(cwd, source.branch, (path) => wanted.has(path))) {
      seriesByFolder.set(file.path.slice(0, -'/series.json'.length), parseSeriesText(file.content.toString('utf8'), file.path));
    }
  }
  const exported: ExportRun[] = [];
  for (const run of runs) {
    const stored = seriesByFolder.get(run.folder)?.series ?? {};
    const series: Record<string, SeriesData> = {};
    for (const [name, info] of Object.entries(run.record.series)) {
      const branch = stored[name] ?? { step: [], value: [] };
      series[name] = branch;
      if (!info.sha256) continue;
      const full = store
        ? await fullSeries(store, info.sha256, name).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))
        : new Error('no object store');
      if (full instanceof Error || full === undefined) {
        const why = full instanceof Error ? full.message.split('\n')[0] : 'the stored object has no such series';
        warnings.push(
          `run ${run.record.id}: series ${JSON.stringify(name)} exported with the branch's ${branch.value.length} of ${info.points} points (full series ${info.sha256.slice(0, 12)}… not read: ${why})`,
        );
      } else series[name] = full;
    }
    exported.push({ record: run.record, series });
  }
  return { exported, warnings };
}

async function fullSeries(store: ObjectStore, sha256: string, name: string): Promise<SeriesData | undefined> {
  const bytes = await store.getBytes(sha256);
  return parseSeriesText(Buffer.from(bytes).toString('utf8'), `object ${sha256}`).series[name];
}
