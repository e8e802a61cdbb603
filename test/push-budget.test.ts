/**
 * The push budget seen by one writer, against a real origin: a heartbeat that finds the minute's
 * slots taken (all but the one kept for final publishes) is skipped and pushes nothing; with a
 * slot free it lands. The clock is passed in, and the branch's commits carry the test identity's
 * fixed date, so nothing here depends on the time it runs.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { publishLive } from '../src/branch/live.ts';
import { publishRuns } from '../src/branch/publish.ts';
import { parseConfig } from '../src/config.ts';
import { git, makeTestRepo, TEST_GIT_ENV, type TestRepo } from './helpers/git.ts';
import { branchRunIds } from './helpers/layout.ts';
import { preparedRun } from './helpers/prepared.ts';

let repo: TestRepo;
// The commits this process makes get the fixed date too.
beforeEach(() => vi.stubEnv('GIT_COMMITTER_DATE', TEST_GIT_ENV.GIT_COMMITTER_DATE as string));
afterEach(() => {
  vi.unstubAllEnvs();
  repo?.cleanup();
});

/** Every commit of the test identity is dated this (helpers/git.ts). */
const COMMITTED = new Date(TEST_GIT_ENV.GIT_COMMITTER_DATE as string);
const config = parseConfig({ push: { perMinute: 6 }, live: { interval: 60 } });

/** `count` pushes of one run each to origin, all dated COMMITTED (budget off, so none waits). */
async function pushRuns(count: number): Promise<void> {
  const unbounded = { ...config, push: { perMinute: 0 } };
  for (let i = 0; i < count; i++) await publishRuns([preparedRun(`pushed${i}`)], { cwd: repo.dir, config: unbounded });
}

describe('heartbeats and the push budget', () => {
  it('skips a heartbeat when the minute has no slot to spare, and lands it when one is free', async () => {
    repo = makeTestRepo();
    await pushRuns(5);
    const tip = git(repo.origin, 'rev-parse', 'runs');
    const live = preparedRun('live', { record: { status: 'running' } });
    // 30 s after five pushes: the sixth slot is the final publishes', so the heartbeat is skipped.
    const skipped = await publishLive(live, { cwd: repo.dir, config, now: () => new Date(COMMITTED.getTime() + 30_000), shouldPush: () => true });
    expect(skipped).toEqual({ pushed: false, reason: 'budget' });
    expect(git(repo.origin, 'rev-parse', 'runs')).toBe(tip);
    expect(git(repo.dir, 'for-each-ref', 'refs/runpages/')).toBe(''); // nothing queued or announced for it

    // Once the oldest of them has left the minute (and its margin), the heartbeat goes up.
    const landed = await publishLive(live, { cwd: repo.dir, config, now: () => new Date(COMMITTED.getTime() + 70_000), shouldPush: () => true });
    expect(landed.pushed).toBe(true);
    expect(branchRunIds(repo.origin)).toContain('live');
  });

  it('has no budget at push.perMinute 0', async () => {
    repo = makeTestRepo();
    await pushRuns(6);
    const live = preparedRun('live', { record: { status: 'running' } });
    const outcome = await publishLive(live, {
      cwd: repo.dir,
      config: { ...config, push: { perMinute: 0 } },
      now: () => new Date(COMMITTED.getTime() + 1_000),
      shouldPush: () => true,
    });
    expect(outcome.pushed).toBe(true);
  });
});
