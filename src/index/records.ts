/**
 * Run records alone, for commands that need no series (`pull`, `verify`, `ls`, `show`): only
 * `run.yaml` files, read from the runs branch without a checkout (or from a folder laid out like
 * it), validated by the one loader (`parseRuns`).
 */
import { withLiveStatus, type LiveSettings } from '../run/liveness.ts';
import type { InvalidRun, LoadedRun, RunFiles } from './load.ts';
import type { RunSource } from './source.ts';

/** Shows runs as they are at `now`: a `running` run gone quiet says `crashed` (see src/run/liveness.ts). */
export interface ShownAt {
  now: Date;
  live: Pick<LiveSettings, 'staleAfter'>;
}

/**
 * Loads run records from a source. `idPrefix` limits a branch read to runs whose id starts with it, so pulling
 * one run never reads them all. With `shown`, statuses are as a user should see them at that time.
 *
 * @example const { runs } = await loadRunRecords(cwd, { branch: 'runs' }, '01JC1A', { now, live: liveSettings(config) });
 */
export async function loadRunRecords(
  cwd: string,
  source: RunSource,
  idPrefix = '',
  shown?: ShownAt,
): Promise<{ runs: LoadedRun[]; invalid: InvalidRun[] }> {
  const loaded = await loadRecords(cwd, source, idPrefix);
  return shown ? { ...loaded, runs: withLiveStatus(loaded.runs, shown.now, shown.live) } : loaded;
}

async function loadRecords(cwd: string, source: RunSource, idPrefix: string): Promise<{ runs: LoadedRun[]; invalid: InvalidRun[] }> {
  const { loadRuns, parseRuns } = await import('./load.ts');
  if ('folder' in source) {
    const loaded = await loadRuns({ source, cwd });
    return { runs: loaded.runs.filter((run) => run.record.id.startsWith(idPrefix)), invalid: loaded.invalid };
  }
  const ref = source.branch;
  const { readBranchFiles } = await import('../branch/read.ts');
  const files: RunFiles[] = [];
  const wanted = /^(runs\/[^/]+\/[^/]+\/([^/]+))\/run\.yaml$/;
  const keep = (path: string): boolean => wanted.exec(path)?.[2]?.startsWith(idPrefix) === true;
  for await (const file of readBranchFiles(cwd, ref, keep)) {
    files.push({ folder: (wanted.exec(file.path) as RegExpExecArray)[1] as string, runYaml: file.content.toString('utf8') });
  }
  return parseRuns(files);
}
