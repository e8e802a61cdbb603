/**
 * `runpages pull`: a run's artifacts from the store into a folder, verified. Which artifacts and
 * where each lands is decided by a pure plan that marks any unsafe path (see artifact-path.ts:
 * `..`, absolute, `.git`, control characters) as refused; every write goes through `writeInside`,
 * which never follows a symlink in the destination and never replaces a different file unasked.
 * A refused artifact is reported and the others still come down.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RunpagesError } from '../errors.ts';
import { artifactPathProblem } from '../run/artifact-path.ts';
import type { Artifact, RunRecord } from '../run/schema.ts';
import { sha256File } from './hash.ts';
import { writeInside } from './safe-write.ts';
import type { ObjectStore } from './store.ts';

export interface PullItem {
  path: string;
  sha256: string;
  size: number;
  /** Absolute destination, inside the output folder (the folder itself for a refused path). */
  file: string;
  /** Why this artifact will not be written, when its path is unsafe. */
  refused?: string;
}

/**
 * The artifacts of `record` to pull, and where each goes under `outDir` (absolute). `selector` is
 * an artifact path, or a folder prefix of several (`plots` or `plots/`); omitted: all artifacts.
 * An artifact whose path is unsafe is planned as refused, with the reason.
 *
 * @example planPull(record, 'plots', '/tmp/run') // [{ path: 'plots/loss.png', file: '/tmp/run/plots/loss.png', ... }]
 */
export function planPull(record: Pick<RunRecord, 'id' | 'artifacts'>, selector: string | undefined, outDir: string): PullItem[] {
  const root = resolve(outDir);
  let chosen: Artifact[] = record.artifacts;
  if (selector !== undefined && selector !== '' && selector !== '.') {
    const folder = selector.replace(/^\.\//, '').replace(/\/+$/, '');
    chosen = record.artifacts.filter((a) => a.path === folder || a.path.startsWith(`${folder}/`));
    if (chosen.length === 0) {
      const known = record.artifacts.map((a) => a.path).sort();
      const listed =
        known.length === 0 ? 'it has no artifacts' : `it has: ${known.slice(0, 10).join(', ')}${known.length > 10 ? `, ... (${known.length} in all)` : ''}`;
      throw new RunpagesError('no-such-artifact', `Run ${record.id} has no artifact ${JSON.stringify(selector)}; ${listed}`, {
        hint: 'Give an artifact path or a folder of them exactly as `runpages show <run>` lists them, or omit it to pull every artifact.',
      });
    }
  }
  return chosen
    .map((artifact): PullItem => {
      const { path, sha256, size } = artifact;
      const problem = artifactPathProblem(path);
      if (problem) return { path, sha256, size, file: root, refused: `the path ${problem}` };
      return { path, sha256, size, file: resolve(root, ...path.split('/')) };
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** What happened to one planned artifact; `reason` says why a refused one was not written. */
export type PullResult = PullItem & { status: 'pulled' | 'already-there' | 'missing' | 'corrupt' | 'refused'; reason?: string };

/**
 * Downloads the planned artifacts, verified, each through `writeInside`: a file already at its
 * destination with the right hash is left alone, a different one is replaced only with `overwrite`.
 * A refused path, a missing or corrupt object is recorded and the others still come down; anything
 * else (an unreachable store) stops the pull.
 */
export async function pullArtifacts(
  store: ObjectStore,
  // Kept for callers; refusals carry their reason, and the caller names the run when reporting them.
  _runId: string,
  items: readonly PullItem[],
  outDir: string,
  onProgress?: (done: number, total: number) => void,
  options: { overwrite?: boolean } = {},
): Promise<PullResult[]> {
  try {
    await mkdir(outDir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
    throw new RunpagesError('bad-output-folder', `Cannot pull into ${outDir}: it, or a folder above it, is a file`, {
      hint: 'Pass a folder with --out (it is created when missing).',
      cause: error,
    });
  }
  const results: PullResult[] = [];
  for (const item of items) {
    let result: PullResult;
    if (item.refused) result = { ...item, status: 'refused', reason: item.refused };
    else {
      try {
        const outcome = await writeInside(outDir, item.path, (temp) => store.getFile(item.sha256, temp), {
          ...(options.overwrite ? { overwrite: true } : {}),
          unchanged: async (file) => (await sha256File(file).catch(() => undefined))?.sha256 === item.sha256,
        });
        result =
          outcome.status === 'refused'
            ? { ...item, status: 'refused', reason: outcome.reason }
            : { ...item, status: outcome.status === 'written' ? 'pulled' : 'already-there' };
      } catch (error) {
        if (!(error instanceof RunpagesError) || (error.code !== 'object-missing' && error.code !== 'object-corrupt')) throw error;
        result = { ...item, status: error.code === 'object-missing' ? 'missing' : 'corrupt' };
      }
    }
    results.push(result);
    onProgress?.(results.length, items.length);
  }
  return results;
}

/** The error for a pull that left some artifacts behind, naming each; undefined when all came down. */
export function pullFailure(runId: string, store: string, results: readonly PullResult[]): RunpagesError | undefined {
  const failed = results.filter((r) => r.status === 'missing' || r.status === 'corrupt' || r.status === 'refused');
  if (failed.length === 0) return undefined;
  const why = (r: PullResult): string =>
    r.status === 'refused' ? `not written: ${r.reason}` : `${r.status === 'missing' ? 'missing from the store' : 'the store copy is corrupt'}: ${r.sha256}`;
  const list = failed.map((r) => `${JSON.stringify(r.path).slice(1, -1)} (${why(r)})`);
  const damaged = failed.some((r) => r.status !== 'refused');
  return new RunpagesError(
    'pull-incomplete',
    `${failed.length} of ${results.length} artifacts of run ${runId} could not be pulled from ${store}:\n  ${list.join('\n  ')}`,
    {
      hint: damaged
        ? 'The other artifacts were written. `runpages verify --deep` lists every damaged object and the runs using it; publish the run again from the machine that has its files to restore them.'
        : 'The other artifacts were written. A refused path is never written (it could escape the folder or plant a .git folder); pull into an empty folder with --out, or --force to replace different files.',
    },
  );
}
