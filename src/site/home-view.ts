/**
 * The home page's project cards: run counts, activity, the summary's headline and the best value of
 * the goal metric (configured, or as chooseGoal picks it). Pure; the page lays it out.
 */
import type { SiteProject } from './data.ts';
import { formatDate, formatMetric, formatRelative, plural } from './format.ts';

export interface ProjectCard {
  name: string;
  title: string;
  description?: string;
  /** The project summary's plain-language headline (src/report/summary.ts), when it has metrics. */
  headline?: string;
  runs: string;
  statuses: { status: string; count: number }[];
  latest?: { relative: string; date: string };
  /** Runs created per week over the last {@link ACTIVITY_WEEKS} weeks, oldest first. */
  activity: number[];
  best?: { label: string; value: string; runId: string; runName: string; configured: boolean; direction: 'max' | 'min' };
}

const STATUS_ORDER = ['finished', 'running', 'failed', 'killed', 'crashed'];
export const ACTIVITY_WEEKS = 12;
const WEEK_MS = 7 * 86_400_000;

/** Runs created in each of the `weeks` weeks up to `now`, oldest first. */
export function weeklyActivity(created: string[], now: Date, weeks = ACTIVITY_WEEKS): number[] {
  const counts = new Array<number>(weeks).fill(0);
  for (const iso of created) {
    const age = Math.floor((now.getTime() - new Date(iso).getTime()) / WEEK_MS);
    if (age >= 0 && age < weeks) counts[weeks - 1 - age] = (counts[weeks - 1 - age] ?? 0) + 1;
  }
  return counts;
}

/**
 * A small bar chart of weekly activity as SVG markup (numbers only, so safe to inline).
 *
 * @example activitySvg([0, 2, 5]) // '<svg …><rect …/>…</svg>'
 */
export function activitySvg(counts: number[], width = 120, height = 28): string {
  const max = Math.max(1, ...counts);
  const bar = width / counts.length;
  const rects = counts
    .map((count, i) => {
      const h = count === 0 ? 1 : Math.max(2, Math.round((count / max) * height));
      return `<rect x="${(i * bar + 1).toFixed(1)}" y="${height - h}" width="${(bar - 2).toFixed(1)}" height="${h}" rx="1"${count === 0 ? ' class="zero"' : ''}/>`;
    })
    .join('');
  return `<svg class="activity" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" aria-hidden="true">${rects}</svg>`;
}

/**
 * @example projectCard(project, new Date(data.generated))
 */
export function projectCard(project: SiteProject, now: Date): ProjectCard {
  const goal = project.goal;
  const best = project.best;
  const bestRun = best ? project.runs.find((r) => r.record.id === best.id) : undefined;
  const display = goal ? project.config.metrics?.[goal.metric] : undefined;
  const headline = project.summary?.headline;
  return {
    name: project.name,
    title: project.title,
    ...(project.description ? { description: project.description } : {}),
    ...(headline ? { headline } : {}),
    runs: plural(project.runs.length, 'run'),
    statuses: STATUS_ORDER.flatMap((status) => {
      const count = project.statusCounts[status] ?? 0;
      return count > 0 ? [{ status, count }] : [];
    }),
    activity: weeklyActivity(
      project.runs.map((r) => r.record.created),
      now,
    ),
    ...(project.latest ? { latest: { relative: formatRelative(project.latest, now), date: formatDate(project.latest) } } : {}),
    ...(goal && best && bestRun
      ? {
          best: {
            label: display?.label ?? goal.metric,
            value: formatMetric(best.value, display),
            runId: best.id,
            runName: bestRun.record.name,
            configured: goal.configured,
            direction: goal.direction,
          },
        }
      : {}),
  };
}
