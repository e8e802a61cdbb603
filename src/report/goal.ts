/**
 * A project's goal: the metric its runs are judged by and which way is better. The one place that
 * picks it, so the home page, the project summary and the run table agree when no goal is configured.
 * Pure.
 */
import { ownValue } from '../run/keys.ts';
import type { Goal, ProjectConfig } from '../config.ts';
import type { RunRecord } from '../run/schema.ts';
import { guessDirection, isBetter, type Direction } from './metric.ts';

/** Metric names that read as a goal, in order of preference, with the direction that improves them. */
const GOAL_LIKE: [RegExp, Direction][] = [
  [/acc(uracy)?\b|acc$/i, 'max'],
  [/f1|auc|map\b|bleu|rouge|r2\b|precision|recall/i, 'max'],
  [/loss/i, 'min'],
];

export interface ChosenGoal {
  goal: Goal;
  /** True when the project has no goal config and the metric was chosen by runpages. */
  defaulted: boolean;
}

/**
 * The project's goal, or a sensible default: the metric logged by the most runs whose name suggests a
 * goal (accuracy, F1, AUC: higher is better; loss: lower), else the most logged metric that has a
 * better direction (see guessDirection: a learning rate or a parameter count is never a goal).
 * @example chooseGoal(records, config.projects.mnist)?.goal // { metric: 'val/acc', direction: 'max' }
 */
export function chooseGoal(records: RunRecord[], project?: ProjectConfig): ChosenGoal | undefined {
  if (project?.goal) return { goal: project.goal, defaulted: false };
  const counts = new Map<string, number>();
  for (const record of records) {
    for (const [name, value] of Object.entries(record.metrics)) {
      if (Number.isFinite(value)) counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  // Most runs first; then validation/test metrics over training ones; then by name, for determinism.
  const ranked = [...counts.entries()].sort(([a, ca], [b, cb]) => cb - ca || Number(/val|test/i.test(b)) - Number(/val|test/i.test(a)) || a.localeCompare(b));
  for (const [pattern, direction] of GOAL_LIKE) {
    const found = ranked.find(([name]) => pattern.test(name));
    if (found) return { goal: { metric: found[0], direction }, defaulted: true };
  }
  // Else the most logged metric that has a better direction (a learning rate or a size is no goal).
  for (const [metric] of ranked) {
    const direction = guessDirection(metric);
    if (direction !== 'none') return { goal: { metric, direction }, defaulted: true };
  }
  return undefined;
}

/** Runs that count towards "best": finished or still running; failed and killed runs report partial values. */
export function countsTowardsBest(record: RunRecord): boolean {
  return record.status === 'finished' || record.status === 'running';
}

/**
 * The counted run with the best finite value of the goal metric; ties go to the run that got there
 * first (earliest `created`, then id), whatever order `records` are in.
 * @example bestRun(records, { metric: 'val/loss', direction: 'min' }) // { id: '01J…', value: 0.21 }
 */
export function bestRun(records: RunRecord[], goal: Pick<Goal, 'metric' | 'direction'>): { id: string; value: number } | undefined {
  let best: RunRecord | undefined;
  let bestValue = 0;
  for (const record of records) {
    const value = ownValue(record.metrics, goal.metric);
    if (!countsTowardsBest(record) || value === undefined || !Number.isFinite(value)) continue;
    if (!best || isBetter(value, bestValue, goal.direction) || (value === bestValue && byCreated(record, best) < 0)) {
      best = record;
      bestValue = value;
    }
  }
  return best ? { id: best.id, value: bestValue } : undefined;
}

/** Oldest first, then by id: the order in which results were reached. */
export function byCreated(a: { created: string; id: string }, b: { created: string; id: string }): number {
  return Date.parse(a.created) - Date.parse(b.created) || a.id.localeCompare(b.id);
}
