/**
 * Publishing a live run's heartbeat (docs/recording.md#live-runs): one fetch, one commit on the
 * remote's tip, one push, no queue and no retry. A heartbeat that cannot land is simply skipped (the
 * next one, or the final publish through publish.ts, carries everything), so it never holds up the
 * job nor adds to the queue. The final publish replaces the run's folder whole, so nothing a
 * heartbeat wrote can survive beside the finished run.
 *
 * Heartbeats share the push budget (config `push.perMinute`, src/branch/push-rate.ts) with every
 * writer of the origin, and take at most all but one of its slots: a heartbeat that finds no slot
 * is skipped, never waits nor queues, so final publishes always find room within a minute.
 */
import type { Config } from '../config.ts';
import { ObjectReader } from '../git/objects.ts';
import { resolveCommit } from '../git/refs.ts';
import { fetchRefs, hasRemote, pushCommit } from '../git/remote.ts';
import type { PreparedRun } from '../run/prepared.ts';
import { buildCommit, commitFolders, writeRunTrees } from './commit.ts';
import { pushWait, recentPushTimes } from './push-rate.ts';

export type LiveOutcome =
  | { pushed: true; commit: string }
  /** busy: the branch moved moments ago; budget: the push budget has no slot to spare; behind: another push won. */
  | { pushed: false; reason: 'busy' | 'budget' | 'behind' | 'failed'; detail?: string };

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
  const perMinute = config.push?.perMinute ?? 0;
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
      const times = await recentPushTimes(cwd, tip, Math.max(1, perMinute));
      const nowS = options.now().getTime() / 1000;
      if (!options.shouldPush(nowS - (times[0] ?? 0))) return { pushed: false, reason: 'busy' };
      if (pushWait(times, nowS, perMinute, 1) > 0) return { pushed: false, reason: 'budget' };
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
