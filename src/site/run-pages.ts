/**
 * Which runs get a full pre-rendered page (`site.runPages`). At 100k runs full pages (~24 KB each)
 * would not fit GitHub Pages' 1 GB, so above a cap the others get a lean page at the same URL, drawn
 * in the browser from the run data shards. The runs the site points at prominently keep full pages
 * (readable without JavaScript, in link previews and print); then the newest, up to the cap.
 */
import type { Summary } from '../report/summary.ts';

/** `site.runPages` in the config. */
export type RunPagesSetting = 'auto' | 'all' | number;

/** Under `auto`, every run gets a full page up to this many runs... */
export const AUTO_ALL_UP_TO = 20_000;
/** ...and above it, this many do. */
export const AUTO_CAP = 5_000;

/**
 * The run count above which some runs get lean pages (`Infinity`: never), and how many runs get full
 * pages when it is passed. The lean page's `<noscript>` names the threshold.
 *
 * @example runPagesLimit('auto', 30_000) // { threshold: 20000, cap: 5000 }
 */
export function runPagesLimit(setting: RunPagesSetting, runCount: number): { threshold: number; cap: number } {
  if (setting === 'all') return { threshold: Infinity, cap: runCount };
  if (setting === 'auto') return runCount > AUTO_ALL_UP_TO ? { threshold: AUTO_ALL_UP_TO, cap: AUTO_CAP } : { threshold: AUTO_ALL_UP_TO, cap: runCount };
  return { threshold: setting, cap: Math.min(setting, runCount) };
}

/**
 * The runs other pages link prominently, in the order they keep full pages when the cap is tight:
 * each project's best run and baseline run (from its summary), then the leaderboards, then the runs
 * of saved comparisons (`/c/<slug>/`). May repeat ids.
 *
 * @example prominentRuns(data.projects.map((p) => p.summary), await savedComparisons())
 */
export function prominentRuns(summaries: readonly (Summary | undefined)[], comparisons: readonly { runIds: readonly string[] }[]): string[] {
  const heads = summaries.flatMap((summary) => [summary?.best?.id, summary?.baselineRun?.id].filter((id) => id !== undefined));
  const leaderboards = summaries.flatMap((summary) => summary?.leaderboard.map((row) => row.id) ?? []);
  return [...heads, ...leaderboards, ...comparisons.flatMap((comparison) => comparison.runIds)];
}

/**
 * The ids of the runs that get full pages: every run when the cap allows; otherwise the `prominent`
 * ones in their order, then the newest by `created` (ties: the greater id first), until `cap`. Ids
 * that are not runs of the site are skipped. Deterministic: the same inputs give the same set.
 *
 * @example fullPageRuns(data.runs.map((run) => run.record), prominentRuns(...), runPagesLimit(setting, data.runs.length).cap)
 */
export function fullPageRuns(runs: readonly { id: string; created: string }[], prominent: readonly string[], cap: number): Set<string> {
  if (runs.length <= cap) return new Set(runs.map((run) => run.id));
  const known = new Set(runs.map((run) => run.id));
  const chosen = new Set<string>();
  for (const id of prominent) {
    if (chosen.size >= cap) return chosen;
    if (known.has(id)) chosen.add(id);
  }
  // Times parsed once: a comparator parsing dates would parse millions of times at 100k runs.
  const newest = runs.map((run) => ({ id: run.id, time: Date.parse(run.created) || 0 }));
  newest.sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  for (const run of newest) {
    if (chosen.size >= cap) break;
    chosen.add(run.id);
  }
  return chosen;
}
