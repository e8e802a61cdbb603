/**
 * Stress: 50 writers on 50 machines (clones) finishing at the same moment, each publishing one run
 * to one bare origin. All must land, none duplicated; the push rounds each needed are printed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { git, makeTestRepo } from '../helpers/git.ts';

const repo = makeTestRepo();
afterAll(() => repo.cleanup());

it('lands the runs of 50 concurrent writers in separate clones', async () => {
  const writers = 50;
  const clones = Array.from({ length: writers }, (_, i) => {
    const dir = join(repo.dir, '..', `clone${i}`);
    execFileSync('git', ['clone', '-q', repo.origin, dir]);
    const runDir = join(dir, 'out');
    mkdirSync(runDir);
    writeFileSync(join(runDir, 'metrics.jsonl'), `{"step": 1, "acc": ${i / writers}}\n`);
    return { dir, runDir };
  });
  const started = Date.now();
  const results = await Promise.all(
    clones.map(({ dir, runDir }, i) => runCli(['commit', runDir, '--project', 'stress', '--name', `writer-${i}`, '--json'], { cwd: dir, timeoutMs: 600_000 })),
  );
  const seconds = (Date.now() - started) / 1000;
  for (const result of results) expect(result.stderr, result.stderr).not.toContain('error');
  const attempts = results.map((result) => (JSON.parse(result.stdout) as { pushAttempts: number }).pushAttempts);
  const histogram = Object.fromEntries([...new Set(attempts)].sort((a, b) => a - b).map((n) => [n, attempts.filter((a) => a === n).length]));
  console.log(`50 writers: all done in ${seconds.toFixed(1)} s; push rounds (rounds: writers) ${JSON.stringify(histogram)}`);

  const files = git(repo.origin, 'ls-tree', '-r', '--name-only', 'runs', 'runs/').split('\n').filter((file) => file.endsWith('/run.yaml'));
  expect(files).toHaveLength(writers);
  const names = files.map((file) => /name: (\S+)/.exec(git(repo.origin, 'show', `runs:${file}`))?.[1]);
  expect(names.sort()).toEqual(Array.from({ length: writers }, (_, i) => `writer-${i}`).sort());
  // Announcements of writers that lost a round are cleaned up once their runs landed.
  expect(git(repo.origin, 'for-each-ref', 'refs/runpages/')).toBe('');
});
