/** Refs: resolve, compare-and-swap update, ancestry. */
import { git, GitCommandError, gitMaybe } from './exec.ts';

/** The commit a revision names, or undefined when it does not exist. */
export async function resolveCommit(cwd: string, rev: string): Promise<string | undefined> {
  return (await gitMaybe(cwd, ['rev-parse', '--verify', '-q', `${rev}^{commit}`])) || undefined;
}

/**
 * Moves `ref` to `sha` only if it still points at `expected` (undefined: only if it does not exist).
 * Returns false when another process moved it first, so the caller can rebuild and retry.
 */
export async function updateRef(cwd: string, ref: string, sha: string, expected: string | undefined, message = 'runpages'): Promise<boolean> {
  try {
    await git(cwd, ['update-ref', '-m', message, ref, sha, expected ?? '']);
    return true;
  } catch (error) {
    if (error instanceof GitCommandError && /but expected|already exists|cannot lock ref|unable to resolve/i.test(error.stderr)) return false;
    throw error;
  }
}

/** Deletes a ref if it exists. */
export async function deleteRef(cwd: string, ref: string): Promise<void> {
  await gitMaybe(cwd, ['update-ref', '-d', ref]);
}

/** True when `ancestor` is reachable from `descendant` (or equal to it). */
export async function isAncestor(cwd: string, ancestor: string, descendant: string): Promise<boolean> {
  return (await gitMaybe(cwd, ['merge-base', '--is-ancestor', ancestor, descendant])) !== undefined;
}

/** The top folder of the work tree containing `cwd`, or undefined outside a repository. */
export async function repoRoot(cwd: string): Promise<string | undefined> {
  return (await gitMaybe(cwd, ['rev-parse', '--show-toplevel'])) || undefined;
}

/** The branch HEAD points at, or undefined when detached. */
export async function currentBranch(cwd: string): Promise<string | undefined> {
  return (await gitMaybe(cwd, ['symbolic-ref', '--short', '-q', 'HEAD'])) || undefined;
}

/** The remote's default branch as last seen (`refs/remotes/<remote>/HEAD`), else the current branch. */
export async function defaultBranch(cwd: string, remote: string): Promise<string | undefined> {
  const remoteHead = await gitMaybe(cwd, ['symbolic-ref', '--short', '-q', `refs/remotes/${remote}/HEAD`]);
  if (remoteHead?.startsWith(`${remote}/`)) return remoteHead.slice(remote.length + 1);
  return currentBranch(cwd);
}
