/**
 * Heartbeats of a live run (docs/recording.md#live-runs): while a job runs, its run is published
 * with status `running`, the series and metrics so far, the output tail, its step and the heartbeat
 * time; first after min(interval, 10 s), then every interval. They run beside the job on a timer of the recording process:
 * nothing the job does waits for them, a heartbeat still in flight makes the next one skip, and a
 * failed one is dropped quietly (only the final run is queued).
 *
 * The push rate is bounded: a heartbeat is skipped when the remote branch moved less than
 * {@link busyGap} seconds ago (other runs landing: the branch is busy), unless this run's last
 * landed heartbeat is two intervals old, so a run on a busy branch still lands about every other
 * interval and never looks crashed (crashed means 3 intervals without a heartbeat). Heartbeats
 * also share the origin's push budget (config `push.perMinute`, src/branch/push-rate.ts) and may
 * take all but one of its slots: with none to spare the heartbeat is skipped, never queued, and
 * the final publish (which waits for a slot) keeps the last one free.
 */
import type { Config } from '../config.ts';
import { DEFAULT_HEARTBEAT_S, liveSettings } from '../run/liveness.ts';
import { prepareRunDir, type RunOverrides } from './run-dir.ts';
import type { RunSession } from './session.ts';

/** Seconds: a branch that moved less than this ago is busy (at most half an interval, at most 10 s). */
export function busyGap(intervalS: number): number {
  return Math.min(10, intervalS / 2);
}

/**
 * Whether a heartbeat should push now.
 *
 * @example heartbeatDue({ intervalS: 120, branchAgeS: 3, sinceLandedS: 130 }) // false: busy, and the last landed 1 interval ago
 */
export function heartbeatDue(options: { intervalS: number; branchAgeS: number; sinceLandedS: number | undefined }): boolean {
  const { intervalS, branchAgeS, sinceLandedS } = options;
  if (sinceLandedS === undefined || sinceLandedS >= 2 * intervalS) return true;
  return branchAgeS >= busyGap(intervalS);
}

/**
 * The heartbeat interval in seconds for a job, or undefined when heartbeats are off: the
 * `RUNPAGES_LIVE_INTERVAL` variable (seconds; `0` or `off` turns them off for this job), else the
 * config's `live.interval` (`live: false` turns them off).
 */
export function heartbeatInterval(
  config: Pick<Config, 'live'> | undefined,
  env: NodeJS.ProcessEnv,
  warn: (message: string) => void = () => {},
): number | undefined {
  const raw = env.RUNPAGES_LIVE_INTERVAL?.trim();
  if (raw !== undefined && raw !== '') {
    if (raw === '0' || raw.toLowerCase() === 'off' || raw.toLowerCase() === 'false') return undefined;
    const seconds = Number(raw);
    if (Number.isFinite(seconds) && seconds > 0) return seconds;
    warn(`RUNPAGES_LIVE_INTERVAL is "${raw}", not a number of seconds; using the config's interval`);
  }
  return config ? liveSettings(config).interval : DEFAULT_HEARTBEAT_S;
}

export interface Heartbeats {
  /** Stops the timer, aborts a heartbeat in flight and waits for it to end (so the final publish comes last). */
  stop(): Promise<void>;
}

/** Seconds before the first heartbeat, at most (sooner when the interval is shorter). */
const FIRST_BEAT_MAX_S = 10;

/**
 * Calls `beat` after min(interval, 10 s), then every `intervalS` seconds, never two at a time, on an unreferenced timer (it
 * never keeps the process alive). Errors are swallowed: a heartbeat is best effort.
 *
 * @example
 * const heartbeats = startHeartbeats(120, (signal) => publishSnapshot(signal));
 * // ... the job runs ...
 * await heartbeats.stop();
 */
export function startHeartbeats(intervalS: number, beat: (signal: AbortSignal) => Promise<void>): Heartbeats {
  const controller = new AbortController();
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    // The previous heartbeat still in flight (a slow remote): skip this one rather than pile up.
    if (!inFlight) {
      inFlight = beat(controller.signal)
        .catch(() => {})
        .finally(() => {
          inFlight = undefined;
        });
    }
    timer = setTimeout(tick, intervalS * 1000);
    timer.unref();
  };
  // The first comes soon, but not at once: a job of a few seconds publishes only its final run.
  timer = setTimeout(tick, Math.min(intervalS, FIRST_BEAT_MAX_S) * 1000);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      controller.abort();
      await inFlight;
    },
  };
}

export interface RunHeartbeatOptions {
  config: Config;
  intervalS: number;
  /** The same values the final publish gets, so every snapshot is the run as it will be. */
  overrides: RunOverrides;
  /** The output so far, already masked. */
  outputTail?: () => string;
  /** Called before each snapshot is read (the API flushes its buffered metrics). */
  beforeBeat?: () => void;
}

/**
 * Heartbeats for a recorded run: each reads the run directory as a live snapshot and publishes it
 * (src/branch/live.ts).
 *
 * @example const heartbeats = heartbeatRun(session, { config, intervalS: 120, overrides });
 */
export function heartbeatRun(session: RunSession, options: RunHeartbeatOptions): Heartbeats {
  const { config, intervalS } = options;
  let landedAt: number | undefined;
  return startHeartbeats(intervalS, async (signal) => {
    options.beforeBeat?.();
    const now = session.now();
    const tail = options.outputTail?.();
    const snapshot = await prepareRunDir(
      session.dir,
      { ...options.overrides, status: 'running' },
      { cwd: session.root, now: session.now, live: { heartbeat: now.toISOString(), ...(tail ? { outputTail: tail } : {}) } },
    );
    if (signal.aborted) return;
    const { publishLive } = await import('../branch/live.ts');
    const outcome = await publishLive(snapshot, {
      cwd: session.root,
      config,
      signal,
      now: session.now,
      shouldPush: (branchAgeS) => heartbeatDue({ intervalS, branchAgeS, sinceLandedS: landedAt === undefined ? undefined : (now.getTime() - landedAt) / 1000 }),
    });
    if (outcome.pushed) landedAt = now.getTime();
  });
}
