/**
 * Stress (issues 18.3 and 14.2): the push budget under load, with real clocks (commits carry their
 * real committer time, which is what writers count the budget from). Writers run as 10 clones ("machines")
 * of 5 jobs each against one bare origin, whose post-receive hook logs every push.
 *
 * - 50 concurrent `commit` writers: every run lands, no minute of the branch holds more than the
 *   default 6 pushes, and runs coalesce (fewer pushes than runs).
 * - 50 concurrent live jobs (`record` with 5 s heartbeats, 100 s each: the 10 minutes at a
 *   tenth of the timescale): heartbeats that find no slot are skipped, all 50 final runs land
 *   finished with all their points, and the budget holds throughout.
 *
 * The figures (pushes per minute, runs landed, time to land the last) are printed; only counts are
 * asserted, never times.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseRunRecord } from '../../src/run/validate.ts';
import { parseYaml } from '../../src/run/yaml.ts';
import { runCli } from '../helpers/cli.ts';
import { git, makeTestRepo, type TestRepo } from '../helpers/git.ts';
import { branchRunFolders } from '../helpers/layout.ts';

const MACHINES = 10;
const JOBS_EACH = 5;
const PER_MINUTE = 6;
/** Real dates: the budget is counted from committer times, which the test identity otherwise pins. */
const REAL_DATES = { GIT_AUTHOR_DATE: undefined, GIT_COMMITTER_DATE: undefined };

const repos: TestRepo[] = [];
afterAll(() => {
  for (const repo of repos) repo.cleanup();
});

/** An origin whose hook logs each accepted push (time, refs), and clones of it. */
function setUp(name: string): { repo: TestRepo; log: string; clones: string[] } {
  const repo = makeTestRepo({ 'README.md': `# ${name}\n`, '.gitignore': '.runpages/\n' });
  repos.push(repo);
  const log = join(repo.origin, 'pushes.log');
  const hook = join(repo.origin, 'hooks', 'post-receive');
  writeFileSync(hook, `#!/bin/sh\nrefs=$(cat | awk '{print $3}' | tr '\\n' ' ')\necho "$(date +%s.%N) $refs" >> ${JSON.stringify(log)}\n`);
  chmodSync(hook, 0o755);
  const clones = Array.from({ length: MACHINES }, (_, m) => {
    const dir = join(repo.dir, '..', `machine${m}`);
    execFileSync('git', ['clone', '-q', repo.origin, dir]);
    return dir;
  });
  return { repo, log, clones };
}

interface PushFigures {
  pushes: number;
  branchPushes: number;
  /** Most branch commits of the origin in any 60 s of committer time (what the budget bounds). */
  maxPerMinute: number;
  /** Most accepted pushes in any 60 s as the origin received them (includes push latency). */
  maxReceivedPerMinute: number;
}

function pushFigures(origin: string, log: string, since: number): PushFigures {
  const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  const received = lines.map((line) => Number(line.split(' ')[0]));
  const branchPushes = lines.filter((line) => line.includes('refs/heads/runs')).length;
  const times = git(origin, 'log', '--first-parent', '--format=%ct', 'runs')
    .split('\n')
    .map(Number)
    .filter((time) => time >= Math.floor(since));
  const maxIn = (list: number[]): number => Math.max(0, ...list.map((start) => list.filter((time) => time >= start && time < start + 60).length));
  return { pushes: lines.length, branchPushes, maxPerMinute: maxIn(times), maxReceivedPerMinute: maxIn(received) };
}

function perMinute(figures: PushFigures, seconds: number): string {
  return `${figures.pushes} pushes (${figures.branchPushes} to the branch) in ${seconds.toFixed(0)} s = ${((figures.pushes / seconds) * 60).toFixed(1)} a minute on average, at most ${figures.maxPerMinute} in any minute of committer time (${figures.maxReceivedPerMinute} as received)`;
}

it(`holds ${MACHINES * JOBS_EACH} concurrent commit writers to ${PER_MINUTE} pushes a minute, every run landing`, async () => {
  const { repo, log, clones } = setUp('writers');
  const started = Date.now();
  let lastLanded = 0;
  const failures: string[] = [];
  await Promise.all(
    clones.flatMap((dir, m) =>
      Array.from({ length: JOBS_EACH }, async (_, j) => {
        const runDir = join(dir, `run${j}`);
        mkdirSync(runDir);
        writeFileSync(join(runDir, 'metrics.jsonl'), `{"step": 1, "acc": ${(m * JOBS_EACH + j) / 100}}\n`);
        const result = await runCli(['commit', runDir, '--project', 'stress', '--name', `m${m}-j${j}`, '--json'], {
          cwd: dir,
          env: REAL_DATES,
          timeoutMs: 900_000,
        });
        if (result.code !== 0) failures.push(`m${m}-j${j}: ${result.stderr}`);
        lastLanded = Math.max(lastLanded, Date.now());
      }),
    ),
  );
  const seconds = (Date.now() - started) / 1000;
  expect(failures).toEqual([]);
  const names = branchRunFolders(repo.origin).map((folder) => /^name: (\S+)$/m.exec(git(repo.origin, 'show', `runs:${folder}/run.yaml`))?.[1]);
  const expected = clones.flatMap((_, m) => Array.from({ length: JOBS_EACH }, (_, j) => `m${m}-j${j}`));
  expect(names.sort()).toEqual(expected.sort());
  const figures = pushFigures(repo.origin, log, started / 1000);
  console.log(
    `${MACHINES * JOBS_EACH} commit writers on ${MACHINES} clones, budget ${PER_MINUTE}/min: ${names.length} runs landed, the last after ${((lastLanded - started) / 1000).toFixed(1)} s; ${perMinute(figures, seconds)}`,
  );
  expect(figures.maxPerMinute).toBeLessThanOrEqual(PER_MINUTE);
  expect(figures.maxReceivedPerMinute).toBeLessThanOrEqual(PER_MINUTE); // as GitHub counts them
  expect(figures.branchPushes).toBeLessThan(names.length); // coalesced: runs share pushes
  expect(figures.pushes).toBe(figures.branchPushes); // no announcements under a budget
});

it(`keeps ${MACHINES * JOBS_EACH} live jobs with 5 s heartbeats within the budget, all final runs landing`, async () => {
  const { repo, log, clones } = setUp('live');
  const steps = 100;
  // Writes a metrics line a second straight into the run directory (no process per line).
  const job = `for i in $(seq 1 ${steps}); do echo "{\\"step\\": $i, \\"loss\\": $i}" >> "$RUNPAGES_DIR/metrics.jsonl"; sleep 1; done`;
  const started = Date.now();
  let lastLanded = 0;
  const results = await Promise.all(
    clones.flatMap((dir, m) =>
      Array.from({ length: JOBS_EACH }, async (_, j) => {
        const result = await runCli(['record', '--project', 'live', '--name', `m${m}-j${j}`, '--', 'sh', '-c', job], {
          cwd: dir,
          env: { ...REAL_DATES, RUNPAGES_LIVE_INTERVAL: '5' },
          timeoutMs: 900_000,
        });
        lastLanded = Math.max(lastLanded, Date.now());
        return result;
      }),
    ),
  );
  const seconds = (Date.now() - started) / 1000;
  for (const result of results) expect(result.code, result.stderr).toBe(0);
  const records = branchRunFolders(repo.origin).map((folder) => parseRunRecord(parseYaml(git(repo.origin, 'show', `runs:${folder}/run.yaml`), folder), folder));
  expect(records).toHaveLength(MACHINES * JOBS_EACH);
  expect(records.every((record) => record.status === 'finished')).toBe(true);
  expect(records.every((record) => record.series.loss?.points === steps)).toBe(true);
  const figures = pushFigures(repo.origin, log, started / 1000);
  const heartbeatsPossible = Math.floor(steps / 5) * MACHINES * JOBS_EACH;
  console.log(
    `${MACHINES * JOBS_EACH} live jobs (${steps} s, heartbeat every 5 s: up to ${heartbeatsPossible} heartbeats) on ${MACHINES} clones, budget ${PER_MINUTE}/min: ${records.length} final runs landed finished with all ${steps} points, the last ${((lastLanded - started) / 1000).toFixed(1)} s after the start; ${perMinute(figures, seconds)}`,
  );
  expect(figures.maxPerMinute).toBeLessThanOrEqual(PER_MINUTE);
  expect(figures.maxReceivedPerMinute).toBeLessThanOrEqual(PER_MINUTE);
});
