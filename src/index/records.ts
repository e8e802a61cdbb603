/**
 * Run records alone, for commands that need no series (`pull`, `verify`, `ls`, `show`): only
 * `run.yaml` files, read from the runs branch without a checkout (or from a folder laid out like
 * it), validated by the one loader (`parseRuns`).
 */
import type { InvalidRun, LoadedRun, RunFiles } from './load.ts';

/**
 * Where runs come from: the configured branch (always a branch, even when a `runs/` folder sits in
 * the working tree, as TensorBoard's does) or what the user passed to `--from` (a branch or folder).
 */
export type RunSource = { branch: string } | { from: string };

/**
 * Loads run records from a source (a plain string is `{ from }`). `idPrefix` limits a branch read to runs whose id starts with it, so pulling
 * one run never reads them all.
 *
 * @example const { runs } = await loadRunRecords(cwd, { branch: 'runs' }, '01JC1A');
 */
export async function loadRunRecords(cwd: string, sourceOrFrom: RunSource | string, idPrefix = ''): Promise<{ runs: LoadedRun[]; invalid: InvalidRun[] }> {
  const source = typeof sourceOrFrom === 'string' ? { from: sourceOrFrom } : sourceOrFrom;
  const { isDirectorySource, loadRuns, parseRuns } = await import('./load.ts');
  if ('from' in source && isDirectorySource(source.from, cwd)) {
    const loaded = await loadRuns({ from: source.from, cwd });
    return { runs: loaded.runs.filter((run) => run.record.id.startsWith(idPrefix)), invalid: loaded.invalid };
  }
  const ref = 'branch' in source ? source.branch : source.from;
  const { readBranchFiles } = await import('../branch/read.ts');
  const files: RunFiles[] = [];
  const wanted = /^(runs\/[^/]+\/[^/]+\/([^/]+))\/run\.yaml$/;
  const keep = (path: string): boolean => wanted.exec(path)?.[2]?.startsWith(idPrefix) === true;
  for await (const file of readBranchFiles(cwd, ref, keep)) {
    files.push({ folder: (wanted.exec(file.path) as RegExpExecArray)[1] as string, runYaml: file.content.toString('utf8') });
  }
  return parseRuns(files);
}
