/**
 * Paths of runs on the branch, for tests: the layout is decided in src/run/layout.ts only, so a test
 * that names a run's folder or lists a branch's runs goes through here instead of spelling
 * `runs/<project>/<yyyy-mm>/...` itself.
 */
import { execFileSync } from 'node:child_process';
import { legacyRunFolder, parseRunFolder, runBucket, runFileOf, runFolder } from '../../src/run/layout.ts';

export { legacyRunFolder, runFolder };

/** The folder where writers put run `id` of `project` created in `month` (`yyyy-mm`). */
export function runPath(project: string, month: string, id: string): string {
  return `runs/${project}/${month}/${runBucket(id)}/${id}`;
}

/** The folder of that run in the layout before buckets (what branches written by earlier versions hold). */
export function legacyRunPath(project: string, month: string, id: string): string {
  return `runs/${project}/${month}/${id}`;
}

/** The run folders of `ref` in `gitDir` (a work tree or a bare repository), sorted, either layout. */
export function branchRunFolders(gitDir: string, ref = 'runs'): string[] {
  const listing = execFileSync('git', ['ls-tree', '-r', '--name-only', ref], { cwd: gitDir, encoding: 'utf8' });
  return [...new Set(listing.split('\n').flatMap((path) => runFileOf(path)?.folder ?? []))].sort();
}

/** The ids of the runs on `ref`, sorted. */
export function branchRunIds(gitDir: string, ref = 'runs'): string[] {
  return branchRunFolders(gitDir, ref)
    .map((folder) => parseRunFolder(folder)?.id as string)
    .sort();
}
