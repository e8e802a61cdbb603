/**
 * `runpages pull`: a run's artifacts from the store into a folder, verified. Which artifacts and
 * where each lands is decided by a pure plan that refuses any path leaving the output folder; the
 * download re-checks the real folder (symlinks) right before writing.
 */
import { mkdir, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { RunpagesError } from '../errors.ts';
import type { Artifact, RunRecord } from '../run/schema.ts';
import { sha256File } from './hash.ts';
import type { ObjectStore } from './store.ts';

export interface PullItem {
  path: string;
  sha256: string;
  size: number;
  /** Absolute destination, inside the output folder. */
  file: string;
}

/** True when `child` is `parent` itself or lies inside it (both absolute and normalised). */
function isInside(parent: string, child: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}

function unsafePath(runId: string, path: string): RunpagesError {
  return new RunpagesError('unsafe-artifact-path', `Run ${runId} lists the artifact path ${JSON.stringify(path)}, which would be written outside the output folder`, {
    hint: 'Nothing was written. Artifact paths must be relative without ".." segments; fix the run record that lists it.',
  });
}

/**
 * The artifacts of `record` to pull, and where each goes under `outDir` (absolute). `selector` is
 * an artifact path, or a folder prefix of several (`plots` or `plots/`); omitted: all artifacts.
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
      const listed = known.length === 0 ? 'it has no artifacts' : `it has: ${known.slice(0, 10).join(', ')}${known.length > 10 ? `, ... (${known.length} in all)` : ''}`;
      throw new RunpagesError('no-such-artifact', `Run ${record.id} has no artifact ${JSON.stringify(selector)}; ${listed}`, {
        hint: 'Give an artifact path or a folder of them exactly as `runpages show <run>` lists them, or omit it to pull every artifact.',
      });
    }
  }
  return chosen
    .map((artifact) => {
      const path = artifact.path;
      if (path === '' || isAbsolute(path) || path.includes('\\') || path.includes('\0') || path.split('/').some((part) => part === '..')) {
        throw unsafePath(record.id, path);
      }
      const file = resolve(root, path);
      if (file === root || !isInside(root, file)) throw unsafePath(record.id, path);
      return { path, sha256: artifact.sha256, size: artifact.size, file };
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The nearest folder at or above `path` that exists. */
async function existingAncestor(path: string): Promise<string> {
  let current = path;
  while (!(await stat(current).then(() => true, () => false))) {
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return current;
}

/** What happened to one planned artifact. */
export type PullResult = PullItem & { status: 'pulled' | 'already-there' | 'missing' | 'corrupt' };

/**
 * Downloads the planned artifacts, verified; a file already at its destination with the right
 * hash is left alone. A missing or corrupt object is recorded and the others still come down;
 * anything else (an unreachable store, a path escaping through a symlink) stops the pull. The
 * output folder's real location is checked before each write, so a symlinked subfolder cannot
 * redirect a download elsewhere.
 */
export async function pullArtifacts(
  store: ObjectStore,
  runId: string,
  items: readonly PullItem[],
  outDir: string,
  onProgress?: (done: number, total: number) => void,
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
  const realRoot = await realpath(outDir);
  const results: PullResult[] = [];
  for (const item of items) {
    const folder = dirname(item.file);
    // Check before creating folders (a symlink could point them elsewhere) and after.
    if (!isInside(realRoot, await realpath(await existingAncestor(folder)))) throw unsafePath(runId, item.path);
    await mkdir(folder, { recursive: true });
    if (!isInside(realRoot, await realpath(folder))) throw unsafePath(runId, item.path);
    const existing = await sha256File(item.file).catch(() => undefined);
    let status: PullResult['status'] = 'already-there';
    if (existing?.sha256 !== item.sha256) {
      try {
        await store.getFile(item.sha256, item.file);
        status = 'pulled';
      } catch (error) {
        if (!(error instanceof RunpagesError) || (error.code !== 'object-missing' && error.code !== 'object-corrupt')) throw error;
        status = error.code === 'object-missing' ? 'missing' : 'corrupt';
      }
    }
    results.push({ ...item, status });
    onProgress?.(results.length, items.length);
  }
  return results;
}

/** The error for a pull that left some artifacts behind, naming each; undefined when all came down. */
export function pullFailure(runId: string, store: string, results: readonly PullResult[]): RunpagesError | undefined {
  const failed = results.filter((r) => r.status === 'missing' || r.status === 'corrupt');
  if (failed.length === 0) return undefined;
  const list = failed.map((r) => `${r.path} (${r.status === 'missing' ? 'missing from the store' : 'the store copy is corrupt'}: ${r.sha256})`);
  return new RunpagesError('pull-incomplete', `${failed.length} of ${results.length} artifacts of run ${runId} could not be pulled from ${store}:\n  ${list.join('\n  ')}`, {
    hint: 'The other artifacts were written. `runpages verify --deep` lists every damaged object and the runs using it; publish the run again from the machine that has its files to restore them.',
  });
}
