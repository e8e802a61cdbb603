/** Talking to a remote: fetch some refs, push some refs. Never prompts: a training job has no one to answer. */
import { randomBytes } from 'node:crypto';
import { RunpagesError } from '../errors.ts';
import { git, GitCommandError, gitMaybe, GitTimeoutError, type GitTimeout } from './exec.ts';

const NETWORK_ENV = { GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };

/** Bounds on every fetch and push: a remote that accepts and never answers (or an ssh that hangs) must not hang a training job's publish. */
export const GIT_TIMEOUT_ENV = { idleMs: 'RUNPAGES_GIT_IDLE_TIMEOUT', totalMs: 'RUNPAGES_GIT_TIMEOUT' } as const;
const DEFAULT_GIT_TIMEOUTS = { idleMs: 60_000, totalMs: 600_000 };

/** The bounds the environment sets (seconds, decimals allowed) over the defaults (60 s silent, 600 s in all). */
export function gitTimeoutsFromEnv(env: NodeJS.ProcessEnv = process.env): { idleMs: number; totalMs: number } {
  const out = { ...DEFAULT_GIT_TIMEOUTS };
  for (const [key, name] of Object.entries(GIT_TIMEOUT_ENV) as [keyof typeof out, string][]) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) {
      throw new RunpagesError('invalid-timeout', `${name}=${JSON.stringify(raw)} is not a positive number`, {
        hint: `Set ${name} to a number of seconds (default ${DEFAULT_GIT_TIMEOUTS[key] / 1000}), or unset it.`,
      });
    }
    out[key] = Math.round(value * 1000);
  }
  return out;
}

/**
 * The arguments and bounds for a network command: progress on (it is the command's sign of life,
 * which the idle bound watches), and git's own low-speed limit for http(s) remotes.
 */
function network(command: 'fetch' | 'push', remote: string): { prefix: string[]; timeout: GitTimeout } {
  const { idleMs, totalMs } = gitTimeoutsFromEnv();
  const lowSpeedTime = String(Math.max(1, Math.round(idleMs / 1000)));
  return {
    prefix: ['-c', 'http.lowSpeedLimit=1024', '-c', `http.lowSpeedTime=${lowSpeedTime}`, command, '--progress'],
    timeout: {
      idleMs,
      totalMs,
      what: `to git ${command} ${command === 'fetch' ? 'from' : 'to'} "${remote}"`,
      settings: `${GIT_TIMEOUT_ENV.idleMs}=${idleMs / 1000}, ${GIT_TIMEOUT_ENV.totalMs}=${totalMs / 1000}`,
    },
  };
}

/** True when `name` is a configured remote of the repository at `cwd`. */
export async function hasRemote(cwd: string, name: string): Promise<boolean> {
  const remotes = (await gitMaybe(cwd, ['remote'])) ?? '';
  return remotes.split('\n').includes(name);
}

/** The URL of a remote, or undefined when it is not configured. */
export async function remoteUrl(cwd: string, name: string): Promise<string | undefined> {
  return (await gitMaybe(cwd, ['remote', 'get-url', name])) || undefined;
}

/**
 * Fetches the named remote refs (full names; a trailing `/*` takes a whole namespace) and returns
 * each one found with its commit. Refs the remote lacks are simply absent from the result.
 * They land in private refs, deleted afterwards, so concurrent publishers in one clone never contend
 * for `refs/remotes/...` or FETCH_HEAD (`--refmap=` turns off git's opportunistic update of the
 * remote-tracking branch). Throws GitCommandError when the remote is unreachable.
 */
export async function fetchRefs(cwd: string, remote: string, refs: readonly string[], signal?: AbortSignal): Promise<Map<string, string>> {
  const scratch = `refs/runpages/fetch/${process.pid}-${randomBytes(4).toString('hex')}`;
  const { prefix, timeout } = network('fetch', remote);
  const fetch = (names: readonly string[]): Promise<string> =>
    git(cwd, [...prefix, '--no-tags', '--no-write-fetch-head', '--refmap=', remote, ...names.map((name) => `+${name}:${scratch}/${name}`)], {
      env: NETWORK_ENV,
      timeout,
      ...(signal ? { signal } : {}),
    });
  try {
    await fetch(refs);
  } catch (error) {
    // A missing exact ref fails the whole fetch; namespaces (`/*`) may match nothing without error.
    const globs = refs.filter((name) => name.endsWith('/*'));
    if (!(error instanceof GitCommandError && /couldn't find remote ref/i.test(error.stderr))) throw error;
    if (globs.length > 0) await fetch(globs);
  }
  const listing = await git(cwd, ['for-each-ref', '--format=%(objectname) %(refname)', `${scratch}/`]);
  const found = new Map<string, string>();
  for (const line of listing.split('\n').filter(Boolean)) {
    const [sha, name] = line.split(' ') as [string, string];
    found.set(name.slice(scratch.length + 1), sha);
  }
  if (found.size > 0) {
    await gitMaybe(cwd, ['update-ref', '--stdin'], { input: [...found.keys()].map((name) => `delete ${scratch}/${name}\n`).join('') });
  }
  return found;
}

/** Fetches only `branch` from `remote` and returns its tip, or undefined when the remote has no such branch. */
export async function fetchBranch(cwd: string, remote: string, branch: string, signal?: AbortSignal): Promise<string | undefined> {
  return (await fetchRefs(cwd, remote, [`refs/heads/${branch}`], signal)).get(`refs/heads/${branch}`);
}

/**
 * Pushes refspecs (`<commit>:<ref>`, or `:<ref>` to delete). Returns `behind` when a ref was
 * rejected because the remote moved on (someone else pushed first: fetch, rebuild, retry); throws
 * GitCommandError for anything a retry cannot fix (unreachable, no permission, a hook said no).
 * `leases` (`<ref>:<expected sha>`) make an update or delete conditional.
 */
export async function pushRefs(
  cwd: string,
  remote: string,
  refspecs: readonly string[],
  options: { leases?: readonly string[]; signal?: AbortSignal } = {},
): Promise<'pushed' | 'behind'> {
  const leases = (options.leases ?? []).map((lease) => `--force-with-lease=${lease}`);
  const { prefix, timeout } = network('push', remote);
  try {
    await git(cwd, [...prefix, '--porcelain', '--no-verify', ...leases, remote, ...refspecs], {
      env: NETWORK_ENV,
      timeout,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return 'pushed';
  } catch (error) {
    if (!(error instanceof GitCommandError) || error instanceof GitTimeoutError) throw error;
    // Porcelain ref lines: `<flag>\t<from>:<to>\t<summary>`; `!` marks a rejected ref.
    const refLines = error.stdout.split('\n').filter((line) => /^[ +\-*=!]\t/.test(line));
    // The refs landed, but updating the local remote-tracking ref failed (another push held its lock).
    if (refLines.length > 0 && refLines.every((line) => !line.startsWith('!'))) return 'pushed';
    const behind = refLines.some(
      (line) => /\[rejected\]/.test(line) || (/\[remote rejected\]/.test(line) && /lock|failed to update ref|incorrect old value|stale info/i.test(line)),
    );
    if (behind) return 'behind';
    throw error;
  }
}

/** Pushes `commit` to `branch` on `remote` as a fast-forward (see pushRefs). */
export async function pushCommit(cwd: string, remote: string, commit: string, branch: string, signal?: AbortSignal): Promise<'pushed' | 'behind'> {
  return pushRefs(cwd, remote, [`${commit}:refs/heads/${branch}`], signal ? { signal } : {});
}
