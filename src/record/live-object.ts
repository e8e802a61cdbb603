/**
 * Writing the live object (docs/recording.md#the-live-object; format in src/run/live-object.ts)
 * beside a running job: small (status, heartbeat, step, the latest metrics), replaced in place,
 * never queued: a write that fails is skipped.
 */
import type { Config } from '../config.ts';
import { liveObject, liveObjectEvery } from '../run/live-object.ts';
import type { RunRecord } from '../run/schema.ts';
import { startHeartbeats, type Heartbeats } from './heartbeat.ts';
import { prepareRunDir, type RunOverrides } from './run-dir.ts';
import type { RunSession } from './session.ts';

/**
 * Writes the run's live object every interval beside the job (and never in its way), when the config
 * has one; `stop(final)` ends it, writing the final status once so an open page says the run ended.
 *
 * @example const live = startLiveObject(session, config, { overrides }); … await live?.stop('finished');
 */
export function startLiveObject(
  session: RunSession,
  config: Config,
  options: { overrides?: RunOverrides; env?: NodeJS.ProcessEnv; beforeBeat?: () => void } = {},
): (Heartbeats & { finish(status: string): Promise<void> }) | undefined {
  const intervalS = liveObjectEvery(config, options.env ?? process.env);
  if (intervalS === undefined) return undefined;
  let store: import('../store/store.ts').ObjectStore | undefined;
  const write = async (status: string | undefined): Promise<void> => {
    options.beforeBeat?.();
    const heartbeat = session.now().toISOString();
    const snapshot = await prepareRunDir(
      session.dir,
      { ...options.overrides, status: 'running' },
      { cwd: session.root, now: session.now, live: { heartbeat }, warn: () => {} },
    );
    const object = liveObject({ ...snapshot.record, ...(status ? { status: status as RunRecord['status'] } : {}) }, heartbeat);
    if (!store) {
      const { openStore } = await import('../store/open.ts');
      store = openStore(config.store, session.root);
    }
    await store.putLive?.(`${session.id}.json`, Buffer.from(JSON.stringify(object)));
  };
  const beats = startHeartbeats(intervalS, () => write(undefined));
  return {
    stop: () => beats.stop(),
    async finish(status: string) {
      await beats.stop();
      await write(status).catch(() => {});
    },
  };
}
