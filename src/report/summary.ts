/**
 * The stakeholder summary of one project: the goal metric's best value against target, baseline and
 * last week, in plain sentences; best-so-far over time; a leaderboard with the params that matter;
 * what changed from the baseline to the best run; recent activity. Pure: the clock is passed in.
 */
import { ownValue } from '../run/keys.ts';
import type { Goal, ProjectConfig } from '../config.ts';
import type { RunRecord } from '../run/schema.ts';
import { compareRuns, flattenParams, showParam, type WhyDiffers } from './compare.ts';
import { chooseGoal, countsTowardsBest, byCreated } from './goal.ts';
import { formatDifference, formatValue, isBetter, metricFormat, sentenceLabel, type Direction, type MetricFormat } from './metric.ts';

const WEEK_MS = 7 * 24 * 3600 * 1000;

export interface RunValue {
  id: string;
  name: string;
  created: string;
  value: number;
}

export interface LeaderboardRow extends RunValue {
  rank: number;
  user: string | undefined;
  /** Values of `Summary.leaderboardParams`, in that order. */
  params: (string | undefined)[];
}

export interface ParamChange {
  key: string;
  from: string | undefined;
  to: string | undefined;
}

export interface WhatChanged {
  from: RunValue;
  to: RunValue;
  params: ParamChange[];
  why: WhyDiffers;
}

export interface Activity {
  id: string;
  name: string;
  status: string;
  created: string;
  user: string | undefined;
  value: number | undefined;
}

export interface Summary {
  project: string;
  title: string;
  goal: Goal;
  format: MetricFormat;
  /** Set when the goal was chosen by runpages: a sentence saying so and how to configure it. */
  defaultNote: string | undefined;
  /** The headline sentence, for the page, the Open Graph description and the home page card. */
  headline: string;
  /** Further sentences, counted back from `asOf`: the change over the last week, activity. */
  sentences: string[];
  best: RunValue | undefined;
  /** Gap to the target (positive: still short of it), in metric units. */
  targetGap: number | undefined;
  baselineValue: number | undefined;
  baselineRun: RunValue | undefined;
  /** Best value minus the baseline value (signed). */
  baselineChange: number | undefined;
  lastWeek: RunValue | undefined;
  /** Each time the best value improved, in time order. */
  bestSoFar: RunValue[];
  /** Every run with a value, in time order (for plotting beneath the best-so-far line). */
  points: RunValue[];
  leaderboardParams: string[];
  leaderboard: LeaderboardRow[];
  whatChanged: WhatChanged | undefined;
  recent: Activity[];
  runCount: number;
  /** The reference time every sentence counts from (ISO): the build's `now`. */
  asOf: string;
}

export interface SummaryOptions {
  project: string;
  config?: ProjectConfig | undefined;
  /** Rows in the leaderboard. */
  top?: number;
  /** Entries in recent activity. */
  recent?: number;
}

function bestOf(values: RunValue[], direction: Direction): RunValue | undefined {
  let best: RunValue | undefined;
  for (const candidate of values) if (!best || isBetter(candidate.value, best.value, direction)) best = candidate;
  return best;
}

/** "94.1 % validation accuracy" for percents, "a val/loss of 0.213" otherwise. */
function quantity(value: number, format: MetricFormat): string {
  const label = sentenceLabel(format.label);
  return format.format === 'percent' ? `${formatValue(value, format)} ${label}` : `${article(label)} ${label} of ${formatValue(value, format)}`;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

function runLabel(run: RunValue): string {
  return `run ${run.name}`;
}

/**
 * Summarises a project's runs for people who were not in the room.
 * @example summarize(records, { project: 'mnist', config }, Date.now()).headline
 */
export function summarize(records: RunRecord[], options: SummaryOptions, now: number): Summary | undefined {
  const chosen = chooseGoal(records, options.config);
  if (!chosen) return undefined;
  const { goal } = chosen;
  const format = { ...metricFormat(goal.metric, options.config), direction: goal.direction };
  const title = options.config?.title ?? options.project;

  const points: RunValue[] = records
    .filter((r) => countsTowardsBest(r) && Number.isFinite(ownValue(r.metrics, goal.metric)))
    .map((r) => ({ id: r.id, name: r.name, created: r.created, value: ownValue(r.metrics, goal.metric) as number }))
    .sort(byCreated);
  const best = bestOf(points, goal.direction);

  const bestSoFar: RunValue[] = [];
  for (const point of points) {
    const last = bestSoFar.at(-1);
    if (!last || isBetter(point.value, last.value, goal.direction)) bestSoFar.push(point);
  }

  // Baseline: a number, a run (id, id prefix or name), or by default the first run.
  let baselineRun: RunValue | undefined;
  let baselineValue: number | undefined;
  if (typeof goal.baseline === 'number') baselineValue = goal.baseline;
  else {
    const ref = goal.baseline;
    baselineRun = ref === undefined ? points[0] : (points.find((p) => p.id === ref || p.name === ref) ?? points.find((p) => p.id.startsWith(ref)));
    baselineValue = baselineRun?.value;
  }
  const baselineChange = best && baselineValue !== undefined ? best.value - baselineValue : undefined;
  const targetGap = best && goal.target !== undefined ? (goal.direction === 'max' ? goal.target - best.value : best.value - goal.target) : undefined;

  // Every sentence counts from the same reference time, `now` (the build's clock, stated on the page).
  const weekAgo = now - WEEK_MS;
  const lastWeek = bestOf(
    points.filter((p) => Date.parse(p.created) <= weekAgo),
    goal.direction,
  );

  const top = [...points].sort((a, b) => (goal.direction === 'max' ? b.value - a.value : a.value - b.value) || byCreated(a, b)).slice(0, options.top ?? 10);
  const recordById = new Map(records.map((r) => [r.id, r]));
  const leaderboardParams = paramsThatMatter(top.map((p) => recordById.get(p.id) as RunRecord));
  const leaderboard = top.map((p, i) => {
    const record = recordById.get(p.id) as RunRecord;
    const flat = flattenParams(record.params);
    return { ...p, rank: i + 1, user: record.user, params: leaderboardParams.map((key) => showParam(flat[key])) };
  });

  const from = baselineRun ?? points[0];
  const whatChanged =
    best && from && from.id !== best.id ? changes(recordById.get(from.id) as RunRecord, recordById.get(best.id) as RunRecord, from, best) : undefined;

  const recent = [...records]
    .sort((a, b) => byCreated(b, a))
    .slice(0, options.recent ?? 8)
    .map((r) => ({ id: r.id, name: r.name, status: r.status, created: r.created, user: r.user, value: ownValue(r.metrics, goal.metric) }));

  const headline = headlineSentence({ best, format, goal, targetGap, baselineChange, baselineRun, title });
  const missingBaseline =
    typeof goal.baseline === 'string' && !baselineRun
      ? [`The configured baseline run "${goal.baseline}" has no finished run with ${goal.metric}; check projects.${options.project}.goal.baseline.`]
      : [];
  const sentences = [...(best && lastWeek ? [weekSentence(best, lastWeek, format)] : []), activitySentence(records, now), ...missingBaseline];
  const defaultNote = chosen.defaulted
    ? `No goal is configured for this project, so runs are ranked by ${goal.metric} (${goal.direction === 'max' ? 'higher' : 'lower'} is better). Set projects.${options.project}.goal in runpages.config.yaml to choose the metric, target and baseline.`
    : undefined;

  return {
    project: options.project,
    title,
    goal,
    format,
    defaultNote,
    headline,
    sentences,
    best,
    targetGap,
    baselineValue,
    baselineRun,
    baselineChange,
    lastWeek,
    bestSoFar,
    points,
    leaderboardParams,
    leaderboard,
    whatChanged,
    recent,
    runCount: records.length,
    asOf: new Date(now).toISOString(),
  };
}

function headlineSentence(input: {
  best: RunValue | undefined;
  format: MetricFormat;
  goal: Goal;
  targetGap: number | undefined;
  baselineChange: number | undefined;
  baselineRun: RunValue | undefined;
  title: string;
}): string {
  const { best, format, goal, targetGap, baselineChange, baselineRun } = input;
  if (!best) return `No finished run of ${input.title} has reported ${goal.metric} yet.`;
  const clauses: string[] = [];
  if (targetGap !== undefined && goal.target !== undefined) {
    const target = `the ${formatValue(goal.target, format)} target`;
    clauses.push(
      targetGap > 0
        ? `${formatDifference(targetGap, format)} short of ${target}`
        : targetGap < 0
          ? `beating ${target} by ${formatDifference(targetGap, format)}`
          : `exactly on ${target}`,
    );
  }
  const bestIsBaseline = baselineRun !== undefined && baselineRun.id === best.id;
  if (baselineChange !== undefined && !bestIsBaseline) {
    const baseline = baselineRun ? `the baseline (run ${baselineRun.name})` : `the ${formatValue(goal.baseline as number, format)} baseline`;
    clauses.push(
      baselineChange === 0 ? `level with ${baseline}` : `${formatDifference(baselineChange, format)} ${baselineChange > 0 ? 'above' : 'below'} ${baseline}`,
    );
  }
  const tail = clauses.length === 0 ? '' : `, ${clauses.join(' and ')}`;
  const run = bestIsBaseline ? `${runLabel(best)}, the baseline` : runLabel(best);
  return `The best model reaches ${quantity(best.value, format)} (${run})${tail}.`;
}

function weekSentence(best: RunValue, lastWeek: RunValue, format: MetricFormat): string {
  const change = best.value - lastWeek.value;
  const then = formatValue(lastWeek.value, format);
  if (change === 0 || best.id === lastWeek.id) return `No improvement over the last week: the best a week earlier was already ${then}.`;
  const word = isBetter(best.value, lastWeek.value, format.direction) ? 'Up' : 'Down';
  return `${word} ${formatDifference(change, format)} from the best a week earlier (${then}, ${runLabel(lastWeek)}).`;
}

function activitySentence(records: RunRecord[], now: number): string {
  const recent = records.filter((r) => now - Date.parse(r.created) <= WEEK_MS);
  const users = [...new Set(recent.map((r) => r.user).filter((u): u is string => Boolean(u)))].sort();
  const total = `${records.length} ${records.length === 1 ? 'run' : 'runs'} in all`;
  if (recent.length === 0) return `No runs in the last 7 days (${total}).`;
  const who = users.length === 0 ? '' : ` by ${users.length === 1 ? users[0] : `${users.slice(0, -1).join(', ')} and ${users.at(-1)}`}`;
  return `${recent.length} ${recent.length === 1 ? 'run' : 'runs'} in the last 7 days${who} (${total}).`;
}

/** Params that vary by design but explain nothing (random seeds). */
const NOISE_PARAM = /(^|[._/])(seed|random_seed|random_state)$/i;

/** Params whose values vary among the given runs (seeds aside), most varied first, at most `limit`. */
export function paramsThatMatter(records: RunRecord[], limit = 5): string[] {
  const flat = records.map((r) => flattenParams(r.params));
  const keys = [...new Set(flat.flatMap((p) => Object.keys(p)))].filter((key) => !NOISE_PARAM.test(key));
  return keys
    .map((key) => ({ key, distinct: new Set(flat.map((p) => showParam(p[key]))).size }))
    .filter((k) => k.distinct > 1)
    .sort((a, b) => b.distinct - a.distinct || a.key.localeCompare(b.key))
    .slice(0, limit)
    .map((k) => k.key);
}

function changes(fromRecord: RunRecord, toRecord: RunRecord, from: RunValue, to: RunValue): WhatChanged {
  const comparison = compareRuns([{ record: fromRecord }, { record: toRecord }]);
  const params = comparison.params.filter((row) => row.differs).map((row) => ({ key: row.key, from: row.values[0], to: row.values[1] }));
  return { from, to, params, why: comparison.why };
}
