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
import { git, makeTestRepo, TEST_GIT_ENV, type TestRepo } from './helpers/git.ts';

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
    paths = git(origin, 'ls-tree', '-r', '--name-only', 'runs')
      .split('\n')
      .filter((p) => p.endsWith('/run.yaml'));
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

/** Polls origin while `job` runs; resolves with every state seen of its one run. */
async function watchOrigin(origin: string, job: Promise<unknown>): Promise<Array<{ status: string; points: number; step?: number; total?: number }>> {
  let done = false;
  void job.finally(() => (done = true));
  const seen: Array<{ status: string; points: number; step?: number; total?: number }> = [];
  while (!done) {
    const first = originRuns(origin)[0];
    if (first) {
      seen.push({
        status: first.record.status,
        points: first.points,
        ...(first.record.step === undefined ? {} : { step: first.record.step }),
        ...(first.record.total_steps === undefined ? {} : { total: first.record.total_steps }),
      });
    }
    await sleep(250);
  }
  return seen;
}

describe('heartbeats outside record', () => {
  const CLIENT = join(import.meta.dirname, '..', 'clients', 'python', 'src');
  const API = join(import.meta.dirname, '..', 'src', 'api.ts');

  it('the TypeScript API publishes the run as running while it logs, then finished', async () => {
    repo = makeTestRepo({
      'job.ts': `import { startRun } from ${JSON.stringify(API)};
const run = await startRun({ project: 'demo', totalSteps: 12 });
for (let step = 1; step <= 12; step++) {
  run.log({ loss: 1 / step }, { step });
  await new Promise((resolve) => setTimeout(resolve, 500));
}
await run.finish();
`,
    });
    const { dir, origin } = repo;
    const { spawn } = await import('node:child_process');
    const child = spawn(NODE, ['job.ts'], { cwd: dir, env: { ...process.env, ...TEST_GIT_ENV, RUNPAGES_LIVE_INTERVAL: '1' }, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const seen = await watchOrigin(origin, exited);
    expect(await exited).toBe(0);
    expect(
      seen.some((s) => s.status === 'running' && s.points > 0 && s.points < 12 && s.total === 12),
      JSON.stringify(seen),
    ).toBe(true);
    const final = originRuns(origin);
    expect(final).toHaveLength(1);
    expect(final[0]!.record).toMatchObject({ status: 'finished', total_steps: 12 });
    expect(final[0]!.points).toBe(12);
  }, 60_000);

  it('the Python client publishes heartbeats through its companion, and a SIGKILLed job goes quiet and shows as crashed', async () => {
    repo = makeTestRepo({
      'train.py': `import time, runpages
with runpages.start(project="demo", total_steps=100) as run:
    for step in range(1, 101):
        run.log({"loss": 1 / step}, step=step)
        run.flush()
        time.sleep(0.5)
`,
    });
    const { dir, origin } = repo;
    const { spawn } = await import('node:child_process');
    const child = spawn('python3', ['train.py'], {
      cwd: dir,
      env: {
        ...process.env,
        ...TEST_GIT_ENV,
        PYTHONPATH: CLIENT,
        RUNPAGES_BIN: `${NODE} ${BIN}`,
        RUNPAGES_LIVE_INTERVAL: '1',
        RUNPAGES_SYSTEM_INTERVAL: '0.3',
      },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    // Kill the job once a heartbeat with points has landed.
    let heartbeat: string | undefined;
    while (heartbeat === undefined) {
      const first = originRuns(origin)[0];
      // A heartbeat with the job's points and the companion's samples of the Python process.
      if (first?.record.status === 'running' && first.points > 0 && first.record.series['system/memory_mb']) heartbeat = first.record.heartbeat;
      else await sleep(250);
    }
    expect(originRuns(origin)[0]!.record).toMatchObject({ status: 'running', total_steps: 100 });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // The companion ends with the job's pipe: give it a moment, then the branch stops moving.
    await sleep(3000);
    const tip = git(origin, 'rev-parse', 'runs');
    await sleep(3000);
    expect(git(origin, 'rev-parse', 'runs')).toBe(tip);
    const last = originRuns(origin)[0]!.record;
    expect(last.status).toBe('running');
    // Past the stale window (3 intervals of the config's 120 s), ls says crashed.
    const later = new Date(Date.parse(last.heartbeat as string) + 3600_000).toISOString();
    git(dir, 'fetch', 'origin', 'runs');
    const after = await runCli(['ls', '--json', '--from', 'origin/runs'], { cwd: dir, env: { RUNPAGES_NOW: later } });
    expect(
      (JSON.parse(after.stdout) as RunRecord[]).map((r) => r.status),
      after.stderr,
    ).toEqual(['crashed']);
  }, 90_000);
});
