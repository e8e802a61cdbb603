/**
 * Where runs are read from, decided once at the edge (the CLI, or an API caller) and passed down as
 * a {@link RunSource}: every reader then knows without guessing whether it walks a folder or reads a
 * branch from git's object database.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';

/** A git branch (or any ref or commit) of the repository, or a folder laid out like the branch's `runs/` (absolute path). */
export type RunSource = { branch: string } | { folder: string };

/**
 * The source a `--from` names: a folder when one exists at that path, or when the value looks like a
 * path (it has a separator and is not ref-like, such as `origin/runs` or `refs/heads/runs`); else a
 * branch. Without `--from`, the configured branch, even when a `runs/` folder sits in the working
 * tree (TensorBoard writes one).
 *
 * @example runSource('runs', cwd, 'runs') // { folder: '<cwd>/runs' } when that folder exists
 * @example runSource(undefined, cwd, 'experiments') // { branch: 'experiments' }
 */
export function runSource(from: string | undefined, cwd: string, configuredBranch: string): RunSource {
  if (from === undefined) return { branch: configuredBranch };
  const path = isAbsolute(from) ? from : resolve(cwd, from);
  if (existsSync(path) && statSync(path).isDirectory()) return { folder: path };
  const looksLikePath = (from.includes('/') || from.includes('\\')) && !/^(refs\/|origin\/|upstream\/)/.test(from);
  return looksLikePath ? { folder: path } : { branch: from };
}

/** "folder runs" or "branch runs", for progress lines and messages. */
export function describeSource(source: RunSource, cwd: string): string {
  if ('branch' in source) return `branch ${source.branch}`;
  const shown = relative(cwd, source.folder);
  return `folder ${shown === '' ? '.' : shown.startsWith('..') ? source.folder : shown}`;
}
