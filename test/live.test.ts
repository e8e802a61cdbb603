/**
 * Live runs: while a job runs under `runpages record`, its run is on origin's runs branch as
 * `running` with the points so far; at the end it is `finished` with all of them, in one folder.
 * Heartbeats never overlap, skip a busy branch within limits, and follow RUNPAGES_LIVE_INTERVAL.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { busyGap, heartbeatDue, heartbeatInterval, startHeartbeats } from '../src/record/heartbeat.ts';
import type { RunRecord } from '../src/run/schema.ts';
import { parseRunRecord } from '../src/run/validate.ts';
import { parseYaml } from '../src/run/yaml.ts';
import { BIN, runCli } from './helpers/cli.ts';
import { git, makeTestRepo, type TestRepo } from './helpers/git.ts';

const NODE = process.execPath;

let repo: TestRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

describe('the heartbeat rules', () => {
  it('push when the branch is quiet, skip a busy one, but never let a run go two intervals unseen', () => {
    expect(busyGap(120)).toBe(10);
    expect(busyGap(2)).toBe(1);
    expect(heartbeatDue({ intervalS: 120, branchAgeS: 60, sinceLandedS: 120 })).toBe(true);
    expect(heartbeatDue({ intervalS: 120, branchAgeS: 3, sinceLandedS: 120 })).toBe(false);
    expect(heartbeatDue({ intervalS: 120, branchAgeS: 3, sinceLandedS: 240 })).toBe(true);
    // The first heartbeat always goes.
    expect(heartbeatDue({ intervalS: 120, branchAgeS: 0, sinceLandedS: undefined })).toBe(true);
  });

  it('take the interval from RUNPAGES_LIVE_INTERVAL, then the config; 0, off and live: false turn them off', () => {
    const config = parseConfig({ live: { interval: 30 } });
    expect(heartbeatInterval(config, {})).toBe(30);
    expect(heartbeatInterval(parseConfig({}), {})).toBe(120);
    expect(heartbeatInterval(config, { RUNPAGES_LIVE_INTERVAL: '2' })).toBe(2);
    expect(heartbeatInterval(config, { RUNPAGES_LIVE_INTERVAL: '0' })).toBeUndefined();
    expect(heartbeatInterval(config, { RUNPAGES_LIVE_INTERVAL: 'off' })).toBeUndefined();
    expect(heartbeatInterval(parseConfig({ live: false }), {})).toBeUndefined();
    const warnings: string[] = [];
    expect(heartbeatInterval(config, { RUNPAGES_LIVE_INTERVAL: 'soon' }, (w) => warnings.push(w))).toBe(30);
    expect(warnings[0]).toContain('RUNPAGES_LIVE_INTERVAL is "soon"');
  });

  it('never run two heartbeats at once, swallow failures, and stop waits for the one in flight', async () => {
    let running = 0;
    let most = 0;
    let calls = 0;
    let ended = 0;
    const heartbeats = startHeartbeats(0.02, async () => {
      calls++;
      running++;
      most = Math.max(most, running);
      await sleep(70);
      running--;
      ended++;
      if (calls % 2 === 0) throw new Error('remote unreachable');
    });
    await sleep(400);
    await heartbeats.stop();
    expect(most).toBe(1);
    expect(calls).toBeGreaterThanOrEqual(2);
    // Slow beats make the timer skip: far fewer calls than 400 / 20 ticks.
    expect(calls).toBeLessThan(10);
    expect(ended).toBe(calls);
    const after = calls;
    await sleep(100);
    expect(calls).toBe(after);
  });
});

/** Every run.yaml on origin's runs branch, with its series.json's point count for `loss`. */
function originRuns(origin: string): Array<{ path: string; record: RunRecord; points: number }> {
  let paths: string[];
  try {
    paths = git(origin, 'ls-tree', '-r', '--name-only', 'runs').split('\n').filter((p) => p.endsWith('/run.yaml'));
  } catch {
    return [];
  }
  return paths.map((path) => {
    const record = parseRunRecord(parseYaml(git(origin, 'show', `runs:${path}`), path), path);
    let points = 0;
    try {
      const series = JSON.parse(git(origin, 'show', `runs:${path.replace(/run\.yaml$/, 'series.json')}`)) as { series: Record<string, { step: number[] }> };
      points = series.series.loss?.step.length ?? 0;
    } catch {
      // No series.json yet: no points.
    }
    return { path, record, points };
  });
}

describe('runpages record with heartbeats', () => {
  it('is on origin as running with points while the job runs, then finished with all of them, in one folder', async () => {
    repo = makeTestRepo({
      'README.md': '# test\n',
      'job.sh': `"$NODE" "$BIN" log --total-steps 8
for i in 1 2 3 4 5 6 7 8; do "$NODE" "$BIN" log --step $i loss=0.$i; sleep 1; done
echo trained
`,
    });
    const { dir, origin } = repo;
    writeFileSync(join(dir, 'runpages.config.yaml'), 'live: { interval: 600 }\n');
    const job = runCli(['record', '--project', 'demo', '--', 'sh', 'job.sh'], { cwd: dir, env: { NODE, BIN, RUNPAGES_LIVE_INTERVAL: '2' } });
    let done = false;
    void job.then(() => (done = true));
    const seen: Array<{ status: string; points: number; step?: number; total?: number; heartbeat?: string; folders: number }> = [];
    while (!done) {
      const runs = originRuns(origin);
      const first = runs[0];
      if (first) {
        seen.push({
          status: first.record.status,
          points: first.points,
          folders: runs.length,
          ...(first.record.step === undefined ? {} : { step: first.record.step }),
          ...(first.record.total_steps === undefined ? {} : { total: first.record.total_steps }),
          ...(first.record.heartbeat === undefined ? {} : { heartbeat: first.record.heartbeat }),
        });
      }
      await sleep(250);
    }
    const result = await job;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('trained\n');

    const live = seen.filter((s) => s.status === 'running');
    expect(live.length, JSON.stringify(seen)).toBeGreaterThan(0);
    expect(live.some((s) => s.points > 0 && s.points < 8 && s.step === s.points && s.total === 8 && s.heartbeat !== undefined)).toBe(true);
    // More than one heartbeat landed: the points grew while it ran.
    expect(new Set(live.map((s) => s.points)).size).toBeGreaterThan(1);
    expect(seen.every((s) => s.folders === 1)).toBe(true);

    const runs = originRuns(origin);
    expect(runs).toHaveLength(1);
    const final = runs[0]!;
    expect(final.record).toMatchObject({ status: 'finished', exit_code: 0, total_steps: 8, metrics: { loss: 0.8 } });
    expect(final.points).toBe(8);
    expect(final.record.series.loss?.points).toBe(8);
    expect(final.record.output_tail).toBe('trained');
    // Nothing queued: heartbeats never enter the queue, and the final run landed.
    const queue = join(dir, '.runpages', 'queue');
    expect(existsSync(queue) ? readdirSync(queue) : []).toEqual([]);
  }, 60_000);

  it('sends no heartbeat for a job shorter than the first beat, nor with RUNPAGES_LIVE_INTERVAL=off', async () => {
    repo = makeTestRepo();
    const { dir, origin } = repo;
    const result = await runCli(['record', '--project', 'demo', '--', 'sh', '-c', 'sleep 2; echo ok'], { cwd: dir, env: { RUNPAGES_LIVE_INTERVAL: 'off' } });
    expect(result.code, result.stderr).toBe(0);
    // One commit for the run (plus the branch's first): no heartbeat commit before it.
    expect(git(origin, 'log', '--format=%s', 'runs').split('\n')).toHaveLength(1);
    expect(originRuns(origin)[0]?.record.status).toBe('finished');
  }, 30_000);
});
