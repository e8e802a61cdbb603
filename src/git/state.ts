/**
 * The code state a run was recorded from (docs/design.md#run-record `git`): commit, branch, remote, dirty flag, and
 * the uncommitted changes as a patch the recorder stores as an artifact.
 */
import type { GitInfo } from '../run/schema.ts';
import { gitBytes, gitMaybe } from './exec.ts';

/**
 * Captures the git state of the repository containing `cwd`, or undefined outside a repository.
 * `diff` is `git diff HEAD --binary` (applies with `git apply`), preceded by comment lines naming
 * untracked files, present only when the tree is dirty.
 *
 * @example
 * const state = await captureGitState(process.cwd());
 * if (state?.diff) record.git = { ...state.info, diff: (await store.putBytes(state.diff)).sha256 };
 */
export async function captureGitState(cwd: string): Promise<{ info: GitInfo; diff?: Uint8Array } | undefined> {
  const inside = await gitMaybe(cwd, ['rev-parse', '--is-inside-work-tree']);
  if (inside !== 'true') return undefined;
  const info: GitInfo = {};
  const commit = await gitMaybe(cwd, ['rev-parse', '--verify', '-q', 'HEAD^{commit}']);
  if (commit) info.commit = commit;
  const branch = await gitMaybe(cwd, ['symbolic-ref', '--short', '-q', 'HEAD']);
  if (branch) info.branch = branch;
  const remote = await remoteUrl(cwd, branch);
  if (remote) info.remote = remote;

  const status = (await gitBytes(cwd, ['status', '--porcelain', '-z', '--untracked-files=all'])).toString('utf8');
  info.dirty = status.length > 0;
  if (!info.dirty) return { info };

  const untracked = (await gitBytes(cwd, ['ls-files', '--others', '--exclude-standard', '-z'])).toString('utf8').split('\0').filter(Boolean);
  // Before the first commit there is no HEAD to diff against: show what is staged instead.
  const patch = await gitBytes(cwd, commit ? ['diff', 'HEAD', '--binary'] : ['diff', '--cached', '--binary']);
  const header = untracked.length ? `# Untracked files (not in this patch):\n${untracked.map((name) => `#   ${name}\n`).join('')}\n` : '';
  return { info, diff: Buffer.concat([Buffer.from(header, 'utf8'), patch]) };
}

/** The URL of the branch's upstream remote (else `origin`, else the first remote), without credentials. */
async function remoteUrl(cwd: string, branch: string | undefined): Promise<string | undefined> {
  const upstream = branch ? await gitMaybe(cwd, ['config', '--get', `branch.${branch}.remote`]) : undefined;
  const remotes = ((await gitMaybe(cwd, ['remote'])) ?? '').split('\n').filter(Boolean);
  const name = [upstream, 'origin', remotes[0]].find((candidate) => candidate && remotes.includes(candidate));
  if (!name) return undefined;
  const url = await gitMaybe(cwd, ['remote', 'get-url', name]);
  return url ? stripCredentials(url) : undefined;
}

/**
 * Removes secrets from a remote URL: all user info from http(s) URLs (the user name is often the
 * token itself), the password from other URLs. scp-like `git@host:path` has none to remove.
 */
export function stripCredentials(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (!parsed.username && !parsed.password) return url;
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}
