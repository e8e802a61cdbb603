/**
 * Publishing a live run's heartbeat (docs/recording.md#live-runs): one fetch, one commit on the
 * remote's tip, one push, no queue and no retry. A heartbeat that cannot land is simply skipped (the
 * next one, or the final publish through publish.ts, carries everything), so it never holds up the
 * job nor adds to the queue. The final publish replaces the run's folder whole, so nothing a
 * heartbeat wrote can survive beside the finished run.
 */
import type { Config } from '../config.ts';
import { git } from '../git/exec.ts';
import { ObjectReader } from '../git/objects.ts';
import { resolveCommit } from '../git/refs.ts';
import { fetchRefs, hasRemote, pushCommit } from '../git/remote.ts';
import type { PreparedRun } from '../run/prepared.ts';
import { buildCommit, commitFolders, writeRunTrees } from './commit.ts';

export type LiveOutcome =
  | { pushed: true; commit: string }
  | { pushed: false; reason: 'busy' | 'behind' | 'failed'; detail?: string };

export interface LiveOptions {
  cwd: string;
  config: Config;
  signal?: AbortSignal;
  /**
   * Decides, from the seconds since the remote branch last moved, whether to push now (see
   * heartbeatDue in src/record/heartbeat.ts): a busy branch is left alone.
   */
  shouldPush: (branchAgeS: number) => boolean;
  now: () => Date;
}

/**
 * Puts a run still in progress on the branch: pushed to the remote when there is one (the local
 * branch is left for the final publish to bring up to date), else committed locally.
 *
 * @example const outcome = await publishLive(snapshot, { cwd, config, now, shouldPush: () => true });
 */
export async function publishLive(run: PreparedRun, options: LiveOptions): Promise<LiveOutcome> {
  const { cwd, config, signal } = options;
  const ref = `refs/heads/${config.branch}`;
  const reader = new ObjectReader(cwd);
  try {
    const folders = await writeRunTrees(cwd, [run]);
    if (!(await hasRemote(cwd, config.remote))) {
      const { commit } = await commitFolders(cwd, reader, ref, folders);
      return { pushed: true, commit };
    }
    const tip = (await fetchRefs(cwd, config.remote, [ref], signal)).get(ref);
    if (tip !== undefined) {
      const committed = Number(await git(cwd, ['show', '-s', '--format=%ct', tip]));
      if (!options.shouldPush(options.now().getTime() / 1000 - committed)) return { pushed: false, reason: 'busy' };
    }
    // A remote without the branch yet gets the local one (history and all), or a new one.
    const base = tip ?? (await resolveCommit(cwd, ref));
    const { commit } = await buildCommit(cwd, reader, base, folders);
    if (commit === tip) return { pushed: true, commit };
    return (await pushCommit(cwd, config.remote, commit, config.branch, signal)) === 'pushed' ? { pushed: true, commit } : { pushed: false, reason: 'behind' };
  } catch (error) {
    return { pushed: false, reason: 'failed', detail: error instanceof Error ? error.message : String(error) };
  } finally {
    reader.close();
  }
}
