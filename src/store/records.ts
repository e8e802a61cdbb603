/**
 * The run records the store commands (`pull`, `verify`) need: only `run.yaml` files, read from the
 * runs branch without a checkout (or from a folder laid out like it), validated by the one loader.
 */
import type { InvalidRun, LoadedRun, RunFiles } from '../index/load.ts';

/**
 * Loads run records from `from` (a branch or a folder, as `runpages build --from`). `idPrefix`
 * limits a branch read to runs whose id starts with it, so pulling one run never reads them all.
 *
 * @example const { runs } = await loadRunRecords(cwd, 'runs', '01JC1A');
 */
export async function loadRunRecords(cwd: string, from: string, idPrefix = ''): Promise<{ runs: LoadedRun[]; invalid: InvalidRun[] }> {
  const { isDirectorySource, loadRuns, parseRuns } = await import('../index/load.ts');
  if (isDirectorySource(from, cwd)) {
    const loaded = await loadRuns({ from, cwd });
    return { runs: loaded.runs.filter((run) => run.record.id.startsWith(idPrefix)), invalid: loaded.invalid };
  }
  const { readBranchFiles } = await import('../branch/read.ts');
  const files: RunFiles[] = [];
  const wanted = /^(runs\/[^/]+\/[^/]+\/([^/]+))\/run\.yaml$/;
  const keep = (path: string): boolean => wanted.exec(path)?.[2]?.startsWith(idPrefix) === true;
  for await (const file of readBranchFiles(cwd, from, keep)) {
    files.push({ folder: (wanted.exec(file.path) as RegExpExecArray)[1] as string, runYaml: file.content.toString('utf8') });
  }
  return parseRuns(files);
}
