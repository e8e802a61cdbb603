/**
 * Run records alone, for commands that need no series (`pull`, `verify`, `ls`, `show`): only
 * `run.yaml` files, read from the runs branch without a checkout (or from a folder laid out like
 * it), validated by the one loader (`parseRuns`). On a branch, records validated by an earlier
 * command are reused by blob id (see run-cache.ts): only new or changed runs are read and parsed.
 */
import { runFileOf, type RunPath } from '../run/layout.ts';
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
export async function loadRunRecords(cwd: string, source: RunSource, idPrefix = '', shown?: ShownAt): Promise<{ runs: LoadedRun[]; invalid: InvalidRun[] }> {
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
  const [{ listBranchFiles, readBlobs }, { gitMaybe }, { RecordCache }] = await Promise.all([
    import('../branch/read.ts'),
    import('../git/exec.ts'),
    import('./run-cache.ts'),
  ]);
  const runYaml = (path: string): RunPath | undefined => {
    const run = runFileOf(path);
    return run?.file === 'run.yaml' ? run : undefined;
  };
  const keep = (path: string): boolean => runYaml(path)?.id.startsWith(idPrefix) === true;
  const listed = await listBranchFiles(cwd, ref, keep);
  const gitDir = await gitMaybe(cwd, ['rev-parse', '--git-common-dir']);
  const cache = gitDir === undefined ? undefined : RecordCache.open(cwd, gitDir);
  const folderOf = (path: string): string => (runYaml(path) as RunPath).folder;
  const cached: LoadedRun[] = [];
  const unread: typeof listed = [];
  for (const file of listed) {
    const folder = folderOf(file.path);
    const hit = cache?.get(RecordCache.key(folder, file.sha));
    if (hit) cached.push({ record: hit.record, folder, hash: hit.hash, seriesNames: [] });
    else unread.push(file);
  }
  const files: (RunFiles & { sha: string })[] = [];
  for await (const file of readBlobs(cwd, unread)) files.push({ folder: folderOf(file.path), runYaml: file.content.toString('utf8'), sha: file.sha });
  const loaded = parseRuns(files, cached);
  if (cache) {
    const shaOf = new Map(files.map((file) => [file.folder, file.sha]));
    for (const run of loaded.runs) {
      const sha = shaOf.get(run.folder);
      if (sha !== undefined) cache.set(RecordCache.key(run.folder, sha), { record: run.record, hash: run.hash });
    }
    // A read of some runs (an id prefix) says nothing about the others.
    if (idPrefix === '') cache.keepOnly(new Set(listed.map((file) => RecordCache.key(folderOf(file.path), file.sha))));
    cache.save();
  }
  return loaded;
}
