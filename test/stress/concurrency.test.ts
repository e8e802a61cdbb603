/**
 * Stress: 50 writers (separate clones, as on 50 machines) each commit 4 runs one after another, all
 * pushing to one bare origin at once: 200 runs must land, none lost, none duplicated. Prints the
 * wall time and the push retries (`pushAttempts` beyond the first, from `commit --json`).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { git, makeTestRepo } from '../helpers/git.ts';
import { branchRunIds } from '../helpers/layout.ts';

const WRITERS = 50;
const RUNS_EACH = 4;
// No push budget here (push.perMinute: 0): this is the race at full speed, with announcements;
// test/stress/push-rate.test.ts holds writers to the default budget.
const repo = makeTestRepo({ 'README.md': '# test\n', 'runpages.config.yaml': 'push:\n  perMinute: 0\n' });
afterAll(() => repo.cleanup());

it(`lands ${WRITERS} x ${RUNS_EACH} runs from concurrent writers, none lost or duplicated`, async () => {
  const clones = Array.from({ length: WRITERS }, (_, w) => {
    const dir = join(repo.dir, '..', `writer${w}`);
    execFileSync('git', ['clone', '-q', repo.origin, dir]);
    return dir;
  });
  const started = Date.now();
  const attempts: number[] = [];
  const failures: string[] = [];
  await Promise.all(
    clones.map(async (dir, w) => {
      for (let r = 0; r < RUNS_EACH; r++) {
        const runDir = join(dir, `run${r}`);
        mkdirSync(runDir);
        writeFileSync(join(runDir, 'metrics.jsonl'), `{"step": 1, "acc": ${(w * RUNS_EACH + r) / 1000}}\n`);
        const result = await runCli(['commit', runDir, '--project', 'stress', '--name', `w${w}-r${r}`, '--json'], { cwd: dir, timeoutMs: 600_000 });
        if (result.code !== 0) failures.push(`w${w}-r${r}: ${result.stderr}`);
        else attempts.push((JSON.parse(result.stdout) as { pushAttempts: number }).pushAttempts);
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  const retries = attempts.reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  console.log(
    `${WRITERS} writers x ${RUNS_EACH} runs: ${seconds.toFixed(1)} s, ${retries} push retries in total, at most ${Math.max(...attempts)} attempts for one run`,
  );
  expect(failures).toEqual([]);

  const files = git(repo.origin, 'ls-tree', '-r', '--name-only', 'runs', 'runs/')
    .split('\n')
    .filter((file) => file.endsWith('/run.yaml'));
  const names = files.map((file) => /^name: (\S+)$/m.exec(git(repo.origin, 'show', `runs:${file}`))?.[1]);
  const expected = Array.from({ length: WRITERS * RUNS_EACH }, (_, i) => `w${Math.floor(i / RUNS_EACH)}-r${i % RUNS_EACH}`);
  expect(names.sort()).toEqual(expected.sort());
  expect(new Set(branchRunIds(repo.origin)).size).toBe(WRITERS * RUNS_EACH);
  // Announcements of writers that lost a round are cleaned up once their runs landed.
  expect(git(repo.origin, 'for-each-ref', 'refs/runpages/')).toBe('');
  // Dangling commits are the losers' attempts, unreferenced by design; anything else is damage.
  expect(execFileSync('git', ['fsck', '--strict', '--no-dangling'], { cwd: repo.origin, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toBe('');
});
