/**
 * The home page's project cards: run counts, activity, and the best value of the goal metric (or of
 * the metric most runs report when no goal is configured). Pure; the page lays it out.
 */
import type { SiteProject } from './data.ts';
import { formatDate, formatMetric, formatRelative, plural } from './format.ts';

export interface ProjectCard {
  name: string;
  title: string;
  description?: string;
  runs: string;
  statuses: { status: string; count: number }[];
  latest?: { relative: string; date: string };
  best?: { label: string; value: string; runId: string; runName: string; configured: boolean; direction: 'max' | 'min' };
}

const STATUS_ORDER = ['finished', 'running', 'failed', 'killed'];

/**
 * @example projectCard(project, new Date(data.generated))
 */
export function projectCard(project: SiteProject, now: Date): ProjectCard {
  const goal = project.goal;
  const best = project.best;
  const bestRun = best ? project.runs.find((r) => r.record.id === best.id) : undefined;
  const display = goal ? project.config.metrics?.[goal.metric] : undefined;
  return {
    name: project.name,
    title: project.title,
    ...(project.description ? { description: project.description } : {}),
    runs: plural(project.runs.length, 'run'),
    statuses: STATUS_ORDER.flatMap((status) => {
      const count = project.statusCounts[status] ?? 0;
      return count > 0 ? [{ status, count }] : [];
    }),
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
