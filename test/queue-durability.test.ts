/**
 * The queue leaves every run recoverable: a re-commit killed at any step of the queue's write is
 * found again by the next listing (the version last asked for, once, no dot-folders left); writers
 * of one run id at once all get an answer and leave one entry; a run whose artifact changed after
 * hashing still publishes, saying so on the branch; a malformed announcement is skipped, reported
 * and deleted instead of failing every writer.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { publishQueue, publishRuns } from '../src/branch/publish.ts';
import { enqueue, listQueue } from '../src/branch/queue.ts';
import { loadConfig } from '../src/config.ts';
import { sha256File } from '../src/store/hash.ts';
import { parseYaml } from '../src/run/yaml.ts';
import { runCli } from './helpers/cli.ts';
import { runPath } from './helpers/layout.ts';
import { git, makeTestRepo, tempDir, type TestRepo } from './helpers/git.ts';
import { preparedRun } from './helpers/prepared.ts';

let repo: TestRepo;
afterEach(() => repo?.cleanup());

const queueDir = (cwd: string): string => join(cwd, '.runpages', 'queue');
const queueNames = (cwd: string): string[] => readdirSync(queueDir(cwd)).sort();

function runDir(root: string): string {
  const dir = join(root, 'run-dir');
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  writeFileSync(join(dir, 'metrics.jsonl'), '{"step": 1, "loss": 0.5}\n');
  writeFileSync(join(dir, 'artifacts', 'model.bin'), 'weights\n');
  return dir;
}

describe('a re-commit of a queued run killed at each step of the queue write', () => {
  for (const step of ['enqueue:written', 'enqueue:moved-aside', 'enqueue:swapped']) {
    it(`at ${step}: the next listing finds the run once, as last asked for, and no leftovers`, async () => {
      repo = makeTestRepo({ 'README.md': '# q\n', '.gitignore': '.runpages/\nrun-dir/\n' });
      git(repo.dir, 'remote', 'set-url', 'origin', join(tempDir(), 'missing.git')); // every push fails: runs stay queued
      const dir = runDir(repo.dir);
      const first = await runCli(['commit', dir, '--project', 'q', '--name', 'v1'], { cwd: repo.dir });
      expect(first.code).not.toBe(0);
      const killed = await runCli(['commit', dir, '--project', 'q', '--name', 'v2'], { cwd: repo.dir, env: { RUNPAGES_TEST_KILL_AT: step } });
      expect(killed.signal).toBe('SIGKILL');
      expect(queueNames(repo.dir).some((name) => name.startsWith('.'))).toBe(true);

      const queued = await listQueue(repo.dir);
      expect(queued.map((entry) => entry.run.record.name)).toEqual(['v2']);
      expect(queueNames(repo.dir)).toEqual([queued[0]?.id]);
    });
  }
});

describe('writers of one run id at once', () => {
  it('all get an answer, and one whole entry is left: the version of one of them', async () => {
    repo = makeTestRepo();
    const versions = Array.from({ length: 12 }, (_, i) => preparedRun('same', { record: { name: `writer-${i}` }, object: `bytes ${i}` }));
    const tokens = await Promise.all(versions.map((run) => enqueue(repo.dir, run)));
    expect(new Set(tokens).size).toBe(12);
    const queued = await listQueue(repo.dir);
    expect(queued).toHaveLength(1);
    expect(tokens).toContain(queued[0]?.token);
    expect(queueNames(repo.dir)).toEqual(['same']);
  });
});

describe('a queued run whose artifact changed after it was hashed', () => {
  it('is published by sync with the bytes there now, the recorded hash kept beside them, and a warning', async () => {
    repo = makeTestRepo({ 'README.md': '# q\n', '.gitignore': '.runpages/\nrun-dir/\n' });
    const file = join(repo.dir, 'run-dir', 'model.bin');
    mkdirSync(join(repo.dir, 'run-dir'));
    writeFileSync(file, 'weights v1\n');
    const recorded = await sha256File(file);
    const run = preparedRun('changed', { record: { artifacts: [{ path: 'model.bin', ...recorded }] } });
    run.objects.push({ ...recorded, source: { path: file } });
    await enqueue(repo.dir, run);
    // Rewritten in place (the queue's hard link sees the change too): the recorded bytes are gone.
    writeFileSync(file, 'weights v2, longer\n', { flag: 'r+' });
    const now = await sha256File(file);

    const outcome = await publishQueue({ cwd: repo.dir, config: loadConfig(repo.dir) });
    expect(outcome.published).toEqual(['changed']);
    expect(outcome.warnings).toEqual([expect.stringContaining('changed after the run was recorded')]);
    const yaml = parseYaml(git(repo.origin, 'show', `runs:${runPath('demo', '2026-01', 'changed')}/run.yaml`), 'run.yaml') as { artifacts: unknown[] };
    expect(yaml.artifacts).toEqual([{ path: 'model.bin', sha256: now.sha256, size: now.size, changed_since_recorded: recorded }]);
    expect(await listQueue(repo.dir)).toEqual([]);
  });

  it('that was deleted is still published whole: the queue holds a hard link to the bytes it hashed', async () => {
    repo = makeTestRepo();
    const file = join(repo.dir, 'model.bin');
    writeFileSync(file, 'weights\n');
    const recorded = await sha256File(file);
    const run = preparedRun('gone', { record: { artifacts: [{ path: 'model.bin', ...recorded }] } });
    run.objects.push({ ...recorded, source: { path: file } });
    await enqueue(repo.dir, run);
    execFileSync('rm', [file]);
    const outcome = await publishQueue({ cwd: repo.dir, config: loadConfig(repo.dir) });
    expect(outcome.published).toEqual(['gone']);
    expect(outcome.warnings).toEqual([]);
    const yaml = parseYaml(git(repo.origin, 'show', `runs:${runPath('demo', '2026-01', 'gone')}/run.yaml`), 'run.yaml') as { artifacts: unknown[] };
    expect(yaml.artifacts).toEqual([{ path: 'model.bin', ...recorded }]);
  });
});

describe('a malformed announcement on the remote', () => {
  it('whose run folder name holds a newline is skipped, reported and deleted; publishing goes on', async () => {
    repo = makeTestRepo();
    const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo.origin, input: 'name: bad\n' }).toString().trim();
    const mktree = (entries: string): string => execFileSync('git', ['mktree', '-z'], { cwd: repo.origin, input: entries }).toString().trim();
    const runTree = mktree(`100644 blob ${blob}\trun.yaml\0`);
    const month = mktree(`040000 tree ${runTree}\tbad\nname\0`);
    const project = mktree(`040000 tree ${month}\t2026-01\0`);
    const runs = mktree(`040000 tree ${project}\tdemo\0`);
    const root = mktree(`040000 tree ${runs}\truns\0`);
    const commit = execFileSync('git', ['commit-tree', root, '-m', 'bad'], {
      cwd: repo.origin,
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
    })
      .toString()
      .trim();
    git(repo.origin, 'update-ref', 'refs/runpages/pending/broken', commit);

    const outcome = await publishRuns([preparedRun('good')], { cwd: repo.dir, config: loadConfig(repo.dir) });
    expect(outcome.published).toEqual(['good']);
    expect(outcome.warnings).toEqual([
      expect.stringMatching(
        /skipped the announcement "refs\/runpages\/pending\/broken".*"runs\/demo\/2026-01\/bad\\nname" is not a run folder; it was deleted/,
      ),
    ]);
    expect(git(repo.origin, 'for-each-ref', 'refs/runpages/')).toBe('');
  });
});
