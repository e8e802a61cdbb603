/**
 * Writing an exported store: into a new or empty folder only, so no file of the user's is replaced
 * and no symlink already there can take a write elsewhere; every path comes as checked components
 * (export/mlflow.ts `keyPath`), each file created exclusively.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { RunpagesError } from '../errors.ts';
import type { StoreFile } from './mlflow.ts';

/** Throws unless `dir` is absent or an empty folder. */
export async function checkEmptyTarget(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw new RunpagesError('export-target', `Cannot write to ${dir}: ${error.code ?? error.message}`, { hint: 'Pass a new folder, e.g. ./mlruns-export.' });
  });
  if (entries.length) {
    throw new RunpagesError('export-target', `${dir} is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, e.g. ${entries.sort()[0]})`, {
      hint: 'Export into a new folder, or remove this one first: runpages never writes over an existing store.',
    });
  }
}

/**
 * Writes `files` under `root` (created when absent).
 *
 * @example
 * await checkEmptyTarget('mlruns');
 * await writeStoreFiles('mlruns', mlflowStoreFiles(runs, uri).files);
 */
export async function writeStoreFiles(root: string, files: readonly StoreFile[]): Promise<void> {
  const base = resolve(root);
  await mkdir(base, { recursive: true });
  for (const file of files) {
    const path = join(base, ...file.path);
    // Components are checked where they are made; this keeps the promise if a caller forgets.
    if (!path.startsWith(base + sep) || file.path.some((part) => part === '..' || part === '.' || part === '' || part.toLowerCase() === '.git')) {
      throw new Error(`unsafe export path ${JSON.stringify(file.path)}`);
    }
    await mkdir(join(base, ...file.path.slice(0, -1)), { recursive: true });
    await writeFile(path, file.content, { flag: 'wx' });
  }
}
