/**
 * The push rate to one origin (config `push.perMinute`, default GitHub's recommendation of 6 a
 * minute; docs/design.md#branch). Writers on many machines share nothing but the remote, so the
 * bound is read off the remote: every push of runpages moves the branch by one commit, and the
 * committer times of the tip's recent commits say how many landed in the last minute. A writer
 * pushes only while that count is under the bound, and otherwise waits for the oldest to leave the
 * window. Since a push is a compare-and-swap on the tip it counted from, two writers that both saw
 * room cannot both land: at most `perMinute` branch pushes land in any 60 s, as far as the writers'
 * clocks agree (NTP; a skewed clock shifts its window by the skew).
 */
import { git } from '../git/exec.ts';

/** The window the bound applies to, in seconds. */
export const PUSH_WINDOW_S = 60;

/**
 * Seconds a push counts for beyond the minute: a commit's time is taken just before its push
 * reaches the remote, and the remote counts arrivals, so a margin for that latency keeps the
 * bound in arrival times too (the stress test saw 7 arrivals in a minute without it).
 */
export const PUSH_LATENCY_MARGIN_S = 5;

/**
 * Seconds to wait before pushing so that at most `perMinute` pushes fall in any 60 s window,
 * given the times (unix seconds) of recent pushes; 0 means push now. `reserve` keeps slots free for
 * others: heartbeats leave one for final publishes, which must never wait behind them. A
 * `perMinute` of 0 means no bound. Times more than a window in the future (a badly wrong clock) are
 * ignored rather than waited for.
 *
 * @example pushWait([100, 101, 102, 103, 104, 105], 110, 6) // 55: the push at 100 leaves the window (and its margin) at 165
 */
export function pushWait(times: readonly number[], nowS: number, perMinute: number, reserve = 0): number {
  if (!(perMinute > 0)) return 0;
  const allowed = Math.max(1, perMinute - reserve);
  const window = PUSH_WINDOW_S + PUSH_LATENCY_MARGIN_S;
  const recent = times.filter((time) => time > nowS - window && time < nowS + window).sort((a, b) => a - b);
  if (recent.length < allowed) return 0;
  // Pushing now is fine once all but allowed - 1 of them have left the window.
  const leaving = recent[recent.length - allowed] as number;
  return Math.max(0, leaving + window - nowS);
}

/**
 * Committer times (unix seconds) of the last pushes to the branch whose tip is `tip`: its
 * first-parent history, newest first, as many as the bound can need.
 */
export async function recentPushTimes(cwd: string, tip: string, perMinute: number): Promise<number[]> {
  if (!(perMinute > 0)) return [];
  const out = await git(cwd, ['log', '--first-parent', `--max-count=${Math.ceil(perMinute) + 1}`, '--format=%ct', tip]);
  return out
    .split('\n')
    .map((line) => Number(line))
    .filter((time) => Number.isFinite(time) && time > 0);
}
