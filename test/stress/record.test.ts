/**
 * Stress (issue 2): 20 concurrent `runpages record` processes against one bare origin, 5 runs each,
 * every job logging metrics through `runpages log`: all 100 runs land on origin/runs, none lost,
 * none duplicated, and every record exits with its job's code.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.ts';
import { git, makeTestRepo } from '../helpers/git.ts';

// The race at full speed (push.perMinute: 0); push-rate.test.ts holds writers to the default budget.
const repo = makeTestRepo({ 'README.md': '# stress\n', '.gitignore': '.runpages/\n', 'runpages.config.yaml': 'push:\n  perMinute: 0\n' });
afterAll(() => repo.cleanup());

it('lands all 100 runs of 20 concurrent recorders, 5 runs each', async () => {
  const writers = 20;
  const runsEach = 5;
  const clones = Array.from({ length: writers }, (_, i) => {
    const dir = join(repo.dir, '..', `clone${i}`);
    execFileSync('git', ['clone', '-q', repo.origin, dir]);
    return dir;
  });
  const job = `"$NODE" "$BIN" log --step 1 acc=0.$WRITER$RUN && exit $RUN`;
  const started = Date.now();
  const results = await Promise.all(
    clones.map(async (dir, writer) => {
      const codes: Array<number | null> = [];
      for (let run = 0; run < runsEach; run++) {
        const result = await runCli(['record', '--project', 'stress', '--name', `w${writer}-r${run}`, '--', 'sh', '-c', job], {
          cwd: dir,
          env: { NODE: process.execPath, BIN, WRITER: String(writer), RUN: String(run) },
          timeoutMs: 900_000,
        });
        expect(result.stderr, result.stderr).toContain('published');
        codes.push(result.code);
      }
      return codes;
    }),
  );
  console.log(`20 recorders x 5 runs: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const codes of results) expect(codes).toEqual([0, 1, 2, 3, 4]);

  const files = git(repo.origin, 'ls-tree', '-r', '--name-only', 'runs', 'runs/')
    .split('\n')
    .filter((file) => file.endsWith('/run.yaml'));
  expect(files).toHaveLength(writers * runsEach);
  const names = files.map((file) => /^name: (\S+)$/m.exec(git(repo.origin, 'show', `runs:${file}`))?.[1]);
  const expected = clones.flatMap((_, writer) => Array.from({ length: runsEach }, (_, run) => `w${writer}-r${run}`));
  expect(names.sort()).toEqual(expected.sort());
}, 1_200_000);
