/**
 * The media manifests (media.json) of a few runs, read for commands that show them (`compare
 * --markdown`): from the loaded runs when they came from a folder, else from the branch. A manifest
 * that cannot be read counts as no media (the run is still compared).
 */
import { InvalidRunError } from '../run/validate.ts';
import { parseMediaManifest, type MediaManifest } from '../run/media.ts';
import type { LoadedRun } from './load.ts';
import type { RunSource } from './source.ts';

/**
 * @example const manifests = await readRunMedia(cwd, { branch: 'runs' }, [runA, runB]);
 */
export async function readRunMedia(cwd: string, source: RunSource, runs: readonly LoadedRun[]): Promise<Array<MediaManifest | undefined>> {
  if ('folder' in source) return runs.map((run) => run.media);
  const ref = source.branch;
  const wanted = new Map(runs.map((run, index) => [`${run.folder}/media.json`, index]));
  const out: Array<MediaManifest | undefined> = runs.map(() => undefined);
  const { readBranchFiles } = await import('../branch/read.ts');
  for await (const file of readBranchFiles(cwd, ref, (path) => wanted.has(path))) {
    try {
      out[wanted.get(file.path) as number] = parseMediaManifest(file.content.toString('utf8'), file.path);
    } catch (error) {
      if (!(error instanceof InvalidRunError)) throw error;
    }
  }
  return out;
}
