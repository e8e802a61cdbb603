/**
 * The one writer for files whose names come from run data (`runpages pull`, the importers): the
 * path must pass `artifactPathProblem` (no `..`, no `.git`, no absolute path, no control
 * characters), each folder on the way is created or checked one at a time with `lstat` so a
 * symbolic link already in the destination is never followed, the bytes go to a temporary file in
 * the final folder and are renamed into place (a rename replaces a link, never writes through it),
 * and an existing different file is only replaced when the caller asks.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, realpath, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { artifactPathProblem } from '../run/artifact-path.ts';

/** What happened to one write. `refused` says why nothing was written. */
export type SafeWriteOutcome = { status: 'written' } | { status: 'unchanged' } | { status: 'refused'; reason: string };

async function lstatOrUndefined(path: string) {
  return lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}

/**
 * The folder that will hold `relativePath` under `root`, created one level at a time; a reason
 * string when a level is a symbolic link or a file.
 */
async function safeFolder(root: string, parts: readonly string[]): Promise<string | { reason: string }> {
  let current = root;
  for (const [i, part] of parts.entries()) {
    const next = join(current, part);
    let info = await lstatOrUndefined(next);
    if (!info) {
      await mkdir(next).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      info = await lstat(next);
    }
    const shown = parts.slice(0, i + 1).join('/');
    if (info.isSymbolicLink()) return { reason: `the destination folder ${shown} is a symbolic link (never followed)` };
    if (!info.isDirectory()) return { reason: `${shown} in the destination is a file, not a folder` };
    current = next;
  }
  return current;
}

/**
 * Writes `relativePath` under `root`: `produce(temp)` writes the bytes to a temporary path in the
 * final folder, which is then renamed into place. `unchanged(file)` says whether an existing file
 * already holds the right bytes; a different existing file is replaced only with `overwrite`.
 *
 * @example
 * await writeInside(out, 'plots/loss.png', (temp) => store.getFile(sha, temp), { unchanged: sameHash });
 */
export async function writeInside(
  root: string,
  relativePath: string,
  produce: (temp: string) => Promise<void>,
  options: { overwrite?: boolean; unchanged?: (file: string) => Promise<boolean> } = {},
): Promise<SafeWriteOutcome> {
  const problem = artifactPathProblem(relativePath);
  if (problem) return { status: 'refused', reason: `the path ${problem}` };
  const parts = relativePath.split('/');
  const name = parts.pop() as string;
  const folder = await safeFolder(await realpath(root), parts);
  if (typeof folder !== 'string') return { status: 'refused', reason: folder.reason };
  const file = join(folder, name);
  const existing = await lstatOrUndefined(file);
  if (existing?.isSymbolicLink()) return { status: 'refused', reason: 'a symbolic link is already at that path in the destination (never followed)' };
  if (existing && !existing.isFile()) return { status: 'refused', reason: 'a folder or special file is already at that path in the destination' };
  if (existing) {
    if (options.unchanged && (await options.unchanged(file))) return { status: 'unchanged' };
    if (!options.overwrite) return { status: 'refused', reason: 'a different file is already there (pass --force to replace it)' };
  }
  const temp = join(folder, `.${name.slice(0, 100)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await produce(temp);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return { status: 'written' };
}
