/**
 * The live object's format and where it lives (docs/recording.md#the-live-object): where the store
 * is S3 and the config has a `publicUrl`, a running job writes `live/<run id>.json` to the store every
 * `live.objectInterval` seconds (30 by default; src/record/live-object.ts), and the run's page, built
 * while it was running, reads it (src/site/live-view.ts). Pure, shared by writer and page.
 */
import type { Config } from '../config.ts';
import type { RunRecord } from './schema.ts';

export const LIVE_OBJECT_SCHEMA = 'runpages/live@1';
export const DEFAULT_LIVE_OBJECT_S = 30;
/** The metrics a live object carries at most (the first by name): it stays a few KB. */
const MAX_LIVE_METRICS = 50;

export interface LiveObject {
  schema: typeof LIVE_OBJECT_SCHEMA;
  id: string;
  status: string;
  heartbeat: string;
  step?: number;
  total_steps?: number;
  /** Latest value of each metric (finite ones), by name. */
  metrics: Record<string, number>;
}

/**
 * The live object of a run as it stands.
 *
 * @example liveObject(snapshot.record, '2026-12-04T10:00:00.000Z') // { schema: 'runpages/live@1', id, status: 'running', … }
 */
export function liveObject(record: RunRecord, heartbeat: string): LiveObject {
  const metrics: Record<string, number> = {};
  const names = Object.keys(record.metrics)
    .filter((name) => Number.isFinite(record.metrics[name]))
    .sort()
    .slice(0, MAX_LIVE_METRICS);
  for (const name of names) metrics[name] = record.metrics[name] as number;
  return {
    schema: LIVE_OBJECT_SCHEMA,
    id: record.id,
    status: record.status,
    heartbeat,
    ...(record.step === undefined ? {} : { step: record.step }),
    ...(record.total_steps === undefined ? {} : { total_steps: record.total_steps }),
    metrics,
  };
}

/** Where a run's live object is read from: beside the store's objects under `publicUrl`. */
export function liveObjectUrl(config: Pick<Config, 'store' | 'publicUrl' | 'live'>, id: string): string | undefined {
  if (liveObjectEvery(config, {}) === undefined || !config.publicUrl) return undefined;
  return `${config.publicUrl.replace(/\/+$/, '')}/live/${encodeURIComponent(id)}.json`;
}

/**
 * Seconds between live object writes, or undefined when there is none: the store must be S3 and
 * `publicUrl` set; `RUNPAGES_LIVE_OBJECT_INTERVAL` (seconds, `0`/`off`) for one job, else
 * `live.objectInterval` (0 turns it off); `live: false` turns it off with the heartbeats.
 */
export function liveObjectEvery(config: Pick<Config, 'store' | 'publicUrl' | 'live'>, env: NodeJS.ProcessEnv): number | undefined {
  if (!config.store.trim().startsWith('s3://') || !config.publicUrl || config.live === false) return undefined;
  const raw = env.RUNPAGES_LIVE_OBJECT_INTERVAL?.trim().toLowerCase();
  if (raw === '0' || raw === 'off' || raw === 'false') return undefined;
  const fromEnv = raw ? Number(raw) : Number.NaN;
  const seconds = Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : (config.live.objectInterval ?? DEFAULT_LIVE_OBJECT_S);
  return seconds > 0 ? seconds : undefined;
}
