/**
 * Run records alone, for commands that need no series (`pull`, `verify`, `ls`, `show`): only
 * `run.yaml` files, read from the runs branch without a checkout (or from a folder laid out like
 * it), validated by the one loader (`parseRuns`).
 */
import { runFileOf, type RunPath } from '../run/layout.ts';
import { withLiveStatus, type LiveSettings } from '../run/liveness.ts';
import type { InvalidRun, LoadedRun, RunFiles } from './load.ts';

/**
 * Where runs come from: the configured branch (always a branch, even when a `runs/` folder sits in
 * the working tree, as TensorBoard's does) or what the user passed to `--from` (a branch or folder).
 */
export type RunSource = { branch: string } | { from: string };

/** Shows runs as they are at `now`: a `running` run gone quiet says `crashed` (see src/run/liveness.ts). */
export interface ShownAt {
  now: Date;
  live: Pick<LiveSettings, 'staleAfter'>;
}

/**
 * Loads run records from a source (a plain string is `{ from }`). `idPrefix` limits a branch read to runs whose id starts with it, so pulling
 * one run never reads them all. With `shown`, statuses are as a user should see them at that time.
 *
 * @example const { runs } = await loadRunRecords(cwd, { branch: 'runs' }, '01JC1A', { now, live: liveSettings(config) });
 */
export async function loadRunRecords(
  cwd: string,
  sourceOrFrom: RunSource | string,
  idPrefix = '',
  shown?: ShownAt,
): Promise<{ runs: LoadedRun[]; invalid: InvalidRun[] }> {
  const loaded = await loadRecords(cwd, sourceOrFrom, idPrefix);
  return shown ? { ...loaded, runs: withLiveStatus(loaded.runs, shown.now, shown.live) } : loaded;
}

async function loadRecords(cwd: string, sourceOrFrom: RunSource | string, idPrefix: string): Promise<{ runs: LoadedRun[]; invalid: InvalidRun[] }> {
  const source = typeof sourceOrFrom === 'string' ? { from: sourceOrFrom } : sourceOrFrom;
  const { isDirectorySource, loadRuns, parseRuns } = await import('./load.ts');
  if ('from' in source && isDirectorySource(source.from, cwd)) {
    const loaded = await loadRuns({ from: source.from, cwd });
    return { runs: loaded.runs.filter((run) => run.record.id.startsWith(idPrefix)), invalid: loaded.invalid };
  }
  const ref = 'branch' in source ? source.branch : source.from;
  const { readBranchFiles } = await import('../branch/read.ts');
  const files: RunFiles[] = [];
  const runYaml = (path: string): RunPath | undefined => {
    const run = runFileOf(path);
    return run?.file === 'run.yaml' ? run : undefined;
  };
  const keep = (path: string): boolean => runYaml(path)?.id.startsWith(idPrefix) === true;
  for await (const file of readBranchFiles(cwd, ref, keep)) {
    files.push({ folder: (runYaml(file.path) as RunPath).folder, runYaml: file.content.toString('utf8') });
  }
  return parseRuns(files);
}
