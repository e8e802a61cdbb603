/**
 * The companion of a job that records itself from a language without runpages' timers (the Python
 * client, docs/recording.md#live-runs): `runpages live <run-dir>` runs beside the job, publishes the
 * run directory's heartbeats exactly as `record` does, samples the job's process tree for system
 * metrics (src/record/system.ts), and stops when its stdin closes. The job holds the other end of
 * that pipe, so the companion ends with it however it ends: a clean finish
 * closes the pipe before the final publish, and a job killed with SIGKILL closes it too, leaving
 * the run to go stale and show as crashed.
 */
import { loadConfig } from '../config.ts';
import { heartbeatInterval, heartbeatRun } from './heartbeat.ts';
import { startSystemMetrics, systemInterval } from './system.ts';
import { startLiveObject } from './live-object.ts';
import { attachRunDir, readRunYaml } from './session.ts';

export interface CompanionOptions {
  dir: string;
  /** Closed (or ended) by the job when it is done. */
  input: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  warn: (message: string) => void;
  /** The job's process, whose tree is sampled for system metrics (the companion's parent). */
  jobPid?: number;
}

/**
 * Heartbeats of `dir` until `input` ends; resolves once the last one in flight has stopped, so the
 * job's final publish is the last word.
 *
 * @example await accompanyRun({ dir, input: process.stdin, env: process.env, warn: ui.warn });
 */
export async function accompanyRun(options: CompanionOptions): Promise<void> {
  const ended = new Promise<void>((resolve) => {
    options.input.once('end', resolve);
    options.input.once('close', resolve);
    options.input.once('error', () => resolve());
    options.input.resume();
  });
  // Only a run still in progress: heartbeats of a finished one would publish it as running again.
  const status = (await readRunYaml(options.dir)).status;
  if (status !== undefined && status !== 'running') {
    options.warn(`${options.dir} holds a run that is ${String(status)}, not running: no heartbeats to send`);
    return;
  }
  const session = await attachRunDir(options.dir);
  const config = loadConfig(session.root);
  const intervalS = heartbeatInterval(config, options.env, options.warn);
  const heartbeats = intervalS === undefined ? undefined : heartbeatRun(session, { config, intervalS, overrides: {} });
  const systemS = systemInterval(config, options.env, options.warn);
  // The job is the process that started us; our own subtree (git, nvidia-smi) is not the job's.
  const system =
    systemS === undefined || options.jobPid === undefined
      ? undefined
      : startSystemMetrics({
          dir: session.dir,
          rootPid: options.jobPid,
          exclude: new Set([process.pid, process.ppid].filter((pid) => pid !== options.jobPid)),
          intervalS: systemS,
          startedAt: session.startedAt,
          now: session.now,
        });
  const live = startLiveObject(session, config, { env: options.env });
  await ended;
  await Promise.all([heartbeats?.stop(), system?.stop(), live?.stop()]);
}
