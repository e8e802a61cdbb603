/**
 * What is running now, as of the build (docs/recording.md#live-runs): the rows of the home and
 * project pages' "Running now" tables and the notice on a live or crashed run's page. Every time is
 * counted from the build's `now`, so the same branch and clock give the same pages. Pure.
 */
import type { ProjectConfig } from '../config.ts';
import type { RunRecord } from '../run/schema.ts';
import { ownValue, setOwn } from '../run/keys.ts';
import { LIVE_OBJECT_SCHEMA, type LiveObject } from '../run/live-object.ts';
import { formatDateTime, formatMetric, formatNumber, formatRelative } from './format.ts';

/** A crashed run stays in "Running now" (marked) for this long after it was last heard from. */
export const CRASHED_SHOWN_S = 24 * 3600;

export interface LiveRow {
  id: string;
  name: string;
  project: string;
  status: 'running' | 'crashed';
  /** "3 minutes ago", counted from the build's now. */
  heard: string;
  /** The time itself, for a tooltip. */
  heardAt: string;
  /** "400 / 1,000" with the share done, when the job said how many steps it takes; else the step alone. */
  progress?: { text: string; percent?: number };
  /** The project's goal metric so far. */
  goal?: { label: string; value: string };
}

/** When a live run was last heard from: its heartbeat, else its creation. */
export function lastHeard(record: Pick<RunRecord, 'heartbeat' | 'created'>): string {
  return record.heartbeat ?? record.created;
}

/**
 * Running runs, and those that crashed within the last day, most recently heard from first.
 *
 * @example liveRows(project.runs.map((r) => r.record), now, { goal: project.goal, config: project.config })
 */
export function liveRows(
  records: readonly RunRecord[],
  now: Date,
  project: (name: string) => { goal?: { metric: string } | undefined; config?: ProjectConfig | undefined } | undefined = () => undefined,
): LiveRow[] {
  const rows: Array<LiveRow & { at: number }> = [];
  for (const record of records) {
    if (record.archived === true || (record.status !== 'running' && record.status !== 'crashed')) continue;
    const heardAt = lastHeard(record);
    const at = Date.parse(heardAt);
    if (record.status === 'crashed' && !(now.getTime() - at <= CRASHED_SHOWN_S * 1000)) continue;
    const row: LiveRow & { at: number } = {
      id: record.id,
      name: record.name,
      project: record.project,
      status: record.status,
      heard: formatRelative(heardAt, now),
      heardAt,
      at,
    };
    const progress = progressOf(record);
    if (progress) row.progress = progress;
    const info = project(record.project);
    const metric = info?.goal?.metric;
    const value = metric === undefined ? undefined : ownValue(record.metrics, metric);
    if (metric !== undefined && value !== undefined) {
      const display = ownValue(info?.config?.metrics, metric);
      row.goal = { label: display?.label ?? metric, value: formatMetric(value, display) };
    }
    rows.push(row);
  }
  return rows.sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : 1)).map(({ at: _at, ...row }) => row);
}

/** A run's progress: step of total, when it said how many steps it takes. */
export function progressOf(record: Pick<RunRecord, 'step' | 'total_steps'>): LiveRow['progress'] | undefined {
  if (record.step === undefined) return undefined;
  if (record.total_steps === undefined || record.total_steps <= 0) return { text: `step ${formatNumber(record.step)}` };
  const percent = Math.max(0, Math.min(100, Math.floor((100 * record.step) / record.total_steps)));
  return { text: `${formatNumber(record.step)} / ${formatNumber(record.total_steps)}`, percent };
}

/**
 * The notice at the top of a running or crashed run's page, or undefined for a run that ended.
 *
 * @example liveNotice({ status: 'running', heartbeat: '2026-12-04T10:00:00Z', created: '…', step: 40, total_steps: 100 }, new Date('2026-12-04T10:03:00Z'))
 * // "Running, last heard from 3 minutes ago (4 Dec 2026, 10:00 UTC), at step 40 / 100 (40 %). The charts show the points so far, as of this site's build."
 */
export function liveNotice(record: Pick<RunRecord, 'status' | 'heartbeat' | 'created' | 'step' | 'total_steps'>, now: Date): string | undefined {
  if (record.status !== 'running' && record.status !== 'crashed') return undefined;
  const heardAt = lastHeard(record);
  const heard = `${formatRelative(heardAt, now)} (${formatDateTime(heardAt)})`;
  const progress = progressOf(record);
  const at = progress
    ? `, at ${progress.text.startsWith('step') ? progress.text : `step ${progress.text}`}${progress.percent === undefined ? '' : ` (${progress.percent} %)`}`
    : '';
  if (record.status === 'running') {
    return `Running, last heard from ${heard}${at}. The charts show the points so far, as of this site's build.`;
  }
  return `Crashed: nothing heard from this run since ${heard}${at}; its process stopped without saying how it ended. The charts show the last points it sent.`;
}

/**
 * A live object as fetched (untrusted JSON), checked field by field; undefined when it is not one.
 *
 * @example parseLiveObject({ schema: 'runpages/live@1', id: '01J…', status: 'running', heartbeat: '…', metrics: {} })
 */
export function parseLiveObject(data: unknown, id: string): LiveObject | undefined {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const o = data as Record<string, unknown>;
  if (
    o.schema !== LIVE_OBJECT_SCHEMA ||
    o.id !== id ||
    typeof o.status !== 'string' ||
    typeof o.heartbeat !== 'string' ||
    Number.isNaN(Date.parse(o.heartbeat))
  )
    return undefined;
  const metrics: Record<string, number> = {};
  if (o.metrics !== null && typeof o.metrics === 'object' && !Array.isArray(o.metrics)) {
    for (const [name, value] of Object.entries(o.metrics as Record<string, unknown>).slice(0, 50))
      if (typeof value === 'number' && Number.isFinite(value)) setOwn(metrics, name, value);
  }
  const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
  const step = number(o.step);
  const total = number(o.total_steps);
  return {
    schema: LIVE_OBJECT_SCHEMA,
    id,
    status: o.status,
    heartbeat: o.heartbeat,
    ...(step === undefined ? {} : { step }),
    ...(total === undefined ? {} : { total_steps: total }),
    metrics,
  };
}

/**
 * The notice a running run's page shows from its live object, at the reader's `now`; `metric` (the
 * project's goal) leads the latest values.
 *
 * @example liveObjectNotice(object, new Date(), 'val/acc') // "Running (live), last heard from 1 minute ago, at step 410 / 1,000 (41 %). Latest: val/acc 0.83, loss 0.21."
 */
export function liveObjectNotice(object: LiveObject, now: Date, metric?: string): string {
  const progress = progressOf({
    ...(object.step === undefined ? {} : { step: object.step }),
    ...(object.total_steps === undefined ? {} : { total_steps: object.total_steps }),
  });
  const at = progress
    ? `, at ${progress.text.startsWith('step') ? progress.text : `step ${progress.text}`}${progress.percent === undefined ? '' : ` (${progress.percent} %)`}`
    : '';
  const names = Object.keys(object.metrics).sort((a, b) => Number(b === metric) - Number(a === metric) || (a < b ? -1 : 1));
  const latest = names.length
    ? ` Latest: ${names
        .slice(0, 4)
        .map((name) => `${name} ${formatNumber(object.metrics[name] as number)}`)
        .join(', ')}.`
    : '';
  const heard = formatRelative(object.heartbeat, now);
  if (object.status !== 'running')
    return `${object.status[0]?.toUpperCase() ?? ''}${object.status.slice(1)} (live, ${heard})${at}.${latest} The site's next build shows the final run.`;
  return `Running (live), last heard from ${heard}${at}.${latest}`;
}
