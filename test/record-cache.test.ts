/**
 * Read commands reuse run records validated by an earlier one (keyed by folder and run.yaml blob id,
 * in the git directory), and the reuse never changes what they return: a changed run is read again,
 * a run gone from the branch is forgotten, and a damaged cache file is only slower.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRunRecords } from '../src/index/records.ts';
import { git, makeTestRepo, type TestRepo } from './helpers/git.ts';

const RUNS = fileURLToPath(new URL('./fixtures/ls/runs/', import.meta.url));
const RUN = 'runs/vision/2026-10/01JBKQ4Z5N3X8Y2M7P6R9T1V0A';

let repo: TestRepo;
let cacheFile: string;
const load = () => loadRunRecords(repo.dir, { branch: 'runs' });
const summary = (loaded: Awaited<ReturnType<typeof load>>) => ({ runs: loaded.runs.map((run) => [run.folder, run.hash, run.record]), invalid: loaded.invalid });

/** Changes the runs branch with plain git (`change` edits its checkout), then goes back to main. */
function onRunsBranch(message: string, change: () => void): void {
  git(repo.dir, 'checkout', '-q', 'runs');
  change();
  git(repo.dir, 'add', '-A', 'runs');
  git(repo.dir, 'commit', '-qm', message);
  git(repo.dir, 'checkout', '-qf', 'main');
  git(repo.dir, 'clean', '-fdq');
}

beforeAll(() => {
  repo = makeTestRepo();
  git(repo.dir, 'checkout', '-q', '--orphan', 'runs');
  git(repo.dir, 'rm', '-rq', '--cached', '.');
  cpSync(RUNS, join(repo.dir, 'runs'), { recursive: true });
  git(repo.dir, 'add', 'runs');
  git(repo.dir, 'commit', '-qm', 'runs');
  git(repo.dir, 'checkout', '-qf', 'main');
  git(repo.dir, 'clean', '-fdq');
  cacheFile = join(repo.dir, '.git', 'runpages', 'records.v8');
});
afterAll(() => repo.cleanup());

describe('the record cache of read commands', () => {
  it('returns the same runs and invalid runs from a cold and a warm cache, outside the working tree', async () => {
    const cold = await load();
    expect(cold.runs).toHaveLength(7);
    expect(cold.invalid).toHaveLength(1);
    expect(existsSync(cacheFile)).toBe(true);
    expect(git(repo.dir, 'status', '--porcelain')).toBe('');
    expect(summary(await load())).toEqual(summary(cold));
  });

  it('reuses a cached record instead of reading its file again', async () => {
    const data = deserialize(readFileSync(cacheFile)) as { format: string; runs: Map<string, { record: { name: string } }> };
    const key = [...data.runs.keys()].find((k) => k.startsWith(`${RUN}\0`)) as string;
    (data.runs.get(key) as { record: { name: string } }).record.name = 'from-the-cache';
    writeFileSync(cacheFile, serialize(data));
    expect((await load()).runs.find((run) => run.folder === RUN)?.record.name).toBe('from-the-cache');
  });

  it('reads a run again when its run.yaml changes, and forgets runs that left the branch', async () => {
    onRunsBranch('rename one run, drop a project', () => {
      const file = join(repo.dir, RUN, 'run.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^name: .*$/m, 'name: renamed-otter'));
      git(repo.dir, 'rm', '-rq', 'runs/text');
    });
    const loaded = await load();
    expect(loaded.runs.find((run) => run.folder === RUN)?.record.name).toBe('renamed-otter');
    expect(loaded.runs).toHaveLength(5);
    const keys = [...(deserialize(readFileSync(cacheFile)) as { runs: Map<string, unknown> }).runs.keys()];
    expect(keys.filter((key) => key.startsWith('runs/text/'))).toEqual([]);
  });

  it('reads everything again from a damaged cache file', async () => {
    const before = summary(await load());
    writeFileSync(cacheFile, 'not a cache');
    expect(summary(await load())).toEqual(before);
  });
});
