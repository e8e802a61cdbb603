/**
 * Live runs and crashed ones (docs/recording.md#live-runs). A run's record says `running` from the
 * moment its job starts; the recorder refreshes its `heartbeat` time every interval. A `running`
 * record whose heartbeat is older than the stale window is shown as `crashed` (W&B's word): its
 * process vanished without saying how it ended. This is decided here, from (record, now), when runs
 * are loaded; the record on the branch keeps what it had, so a run that reports again is live again.
 */
import type { Config } from '../config.ts';
import type { RunRecord, RunStatus } from './schema.ts';

/** Seconds between heartbeats when the config does not say. */
export const DEFAULT_HEARTBEAT_S = 120;
/** A run is stale after this many missed heartbeats (one late push is not a crash). */
const MISSED_HEARTBEATS = 3;
/**
 * A `running` record without a heartbeat (written before heartbeats existed, by a client that sends
 * none, or crash evidence published by hand) is judged from `created`: without any sign of life
 * only a long silence is proof, since training jobs run for hours.
 */
export const NO_HEARTBEAT_STALE_S = 24 * 60 * 60;

export interface LiveSettings {
  /** Seconds between heartbeats; undefined when `live: false` turned them off. */
  interval: number | undefined;
  /** Seconds without a heartbeat after which a running run is crashed. */
  staleAfter: number;
}

/** The config's `live` section, normalised. */
export function liveSettings(config: Pick<Config, 'live'> | undefined): LiveSettings {
  const live = config?.live ?? { interval: DEFAULT_HEARTBEAT_S };
  if (live === false) return { interval: undefined, staleAfter: MISSED_HEARTBEATS * DEFAULT_HEARTBEAT_S };
  return { interval: live.interval, staleAfter: live.staleAfter ?? MISSED_HEARTBEATS * live.interval };
}

/**
 * The status to show for a record at `now`: `crashed` for a `running` run gone quiet, else its own.
 *
 * @example liveStatus({ status: 'running', created: '2026-11-19T10:00:00Z' }, new Date('2026-12-04T00:00:00Z'), settings) // 'crashed'
 */
export function liveStatus(record: Pick<RunRecord, 'status' | 'created' | 'heartbeat'>, now: Date, settings: Pick<LiveSettings, 'staleAfter'>): RunStatus {
  if (record.status !== 'running') return record.status;
  const beat = record.heartbeat === undefined ? undefined : Date.parse(record.heartbeat);
  const last = beat !== undefined && !Number.isNaN(beat) ? beat : Date.parse(record.created);
  const window = beat !== undefined && !Number.isNaN(beat) ? settings.staleAfter : Math.max(settings.staleAfter, NO_HEARTBEAT_STALE_S);
  return now.getTime() - last > window * 1000 ? 'crashed' : 'running';
}

/**
 * Runs as they are to be shown at `now`: each stale `running` record replaced by a copy saying
 * `crashed` (the others are returned as they are, so caches keyed by object stay valid).
 *
 * @example const { runs } = await loadRunRecords(cwd, source); const shown = withLiveStatus(runs, now, liveSettings(config));
 */
export function withLiveStatus<T extends { record: RunRecord }>(runs: readonly T[], now: Date, settings: Pick<LiveSettings, 'staleAfter'>): T[] {
  return runs.map((run) => {
    const status = liveStatus(run.record, now, settings);
    return status === run.record.status ? run : { ...run, record: { ...run.record, status } };
  });
}
