/**
 * The bucketed branch layout at scale and across versions: 3,500 runs of one month leave no tree of
 * the branch wider than GitHub's 3,000 entries; branches holding both layouts read, edit and merge
 * as one; `runpages migrate` moves an old branch over in one commit, every file byte-identical.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { amendRun } from '../src/branch/amend.ts';
import { commitFolders, commitRuns, mergeBranches, writeRunTrees } from '../src/branch/commit.ts';
import { loadConfig } from '../src/config.ts';
import { ObjectReader } from '../src/git/objects.ts';
import { loadRuns } from '../src/index/load.ts';
import { loadRunRecords } from '../src/index/records.ts';
import { legacyRunFolder, runFolder } from '../src/run/layout.ts';
import type { PreparedRun } from '../src/run/prepared.ts';
import { runCli } from './helpers/cli.ts';
import { git, makeTestRepo, tempDir, type TestRepo } from './helpers/git.ts';
import { branchRunFolders, branchRunIds, legacyRunPath, runPath } from './helpers/layout.ts';
import { preparedRun } from './helpers/prepared.ts';

let repo: TestRepo;
afterEach(() => repo?.cleanup());

/** The widest tree of `ref`, with its entry count. */
function widestTree(cwd: string, ref: string): { path: string; entries: number } {
  const counts = new Map<string, number>([['', 0]]);
  for (const path of git(cwd, 'ls-tree', '-r', '-t', '--name-only', ref).split('\n').filter(Boolean)) {
    const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    counts.set(parent, (counts.get(parent) ?? 0) + 1);
  }
  const [path, entries] = [...counts].sort((a, b) => b[1] - a[1])[0] as [string, number];
  return { path, entries };
}

/** Commits runs in the layout of earlier versions (as they wrote it) to `branch`. */
async function commitOldLayout(cwd: string, branch: string, runs: readonly PreparedRun[]): Promise<string> {
  const reader = new ObjectReader(cwd);
  try {
    const folders = (await writeRunTrees(cwd, runs)).map((folder, index) => ({ ...folder, path: legacyRunFolder((runs[index] as PreparedRun).record) }));
    return (await commitFolders(cwd, reader, `refs/heads/${branch}`, folders)).commit;
  } finally {
    reader.close();
  }
}

/** Every run file of `ref` by run id and file name, with its blob id. */
function blobsById(cwd: string, ref: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of git(cwd, 'ls-tree', '-r', ref, 'runs/').split('\n').filter(Boolean)) {
    const [meta, path] = line.split('\t') as [string, string];
    const parts = path.split('/');
    out[`${parts.at(-2)}/${parts.at(-1)}`] = meta.split(' ')[2] as string;
  }
  return out;
}

const months = ['2026-01-15T10:00:00Z', '2026-02-15T10:00:00Z'];
const ulid = (i: number): string => `01JDV0A${String(i).padStart(19, '0')}`;

describe('the bucketed layout', () => {
  it('keeps every tree of a branch of 3,500 runs in one month at 3,000 entries or fewer', async () => {
    repo = makeTestRepo();
    const runs = Array.from({ length: 3_500 }, (_, i) => preparedRun(ulid(i), { project: 'sweep' }));
    await commitRuns(repo.dir, 'runs', runs);
    const widest = widestTree(repo.dir, 'runs');
    expect(widest.entries).toBeLessThanOrEqual(3_000);
    // The month holds buckets, not runs: the widest tree at any size, until 768,000 runs a month.
    expect(git(repo.dir, 'ls-tree', 'runs:runs/sweep/2026-01').split('\n').length).toBeLessThanOrEqual(256);
    console.log(`3,500 runs in one month: widest tree ${widest.path} with ${widest.entries} entries`);
    const { runs: loaded } = await loadRunRecords(repo.dir, { branch: 'runs' });
    expect(loaded).toHaveLength(3_500);
    expect(loaded.every((run) => run.folder === runFolder(run.record))).toBe(true);
  });

  it('reads, looks up, edits and merges branches holding both layouts', async () => {
    repo = makeTestRepo();
    await commitOldLayout(repo.dir, 'runs', [preparedRun('old1'), preparedRun('old2', { project: 'other' })]);
    await commitRuns(repo.dir, 'runs', [preparedRun('new1'), preparedRun('new2', { created: months[1] })]);
    expect(branchRunFolders(repo.dir)).toEqual(
      [
        legacyRunPath('demo', '2026-01', 'old1'),
        legacyRunPath('other', '2026-01', 'old2'),
        runPath('demo', '2026-01', 'new1'),
        runPath('demo', '2026-02', 'new2'),
      ].sort(),
    );
    const all = await loadRunRecords(repo.dir, { branch: 'runs' });
    expect(all.invalid).toEqual([]);
    expect(all.runs.map((run) => run.record.id).sort()).toEqual(['new1', 'new2', 'old1', 'old2']);
    // Lookups by id prefix (pull, show) find a run in either layout.
    expect((await loadRunRecords(repo.dir, { branch: 'runs' }, 'old')).runs.map((run) => run.folder).sort()).toEqual([
      legacyRunPath('demo', '2026-01', 'old1'),
      legacyRunPath('other', '2026-01', 'old2'),
    ]);

    // A folder of runs (build --from) in both layouts reads the same.
    const dir = tempDir();
    for (const run of [preparedRun('f-old'), preparedRun('f-new')]) {
      const folder = join(dir, (run.record.id === 'f-old' ? legacyRunFolder(run.record) : runFolder(run.record)).slice('runs/'.length));
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'run.yaml'), run.files['run.yaml'] as string);
    }
    const fromFolder = await loadRuns({ source: { folder: dir }, cwd: repo.dir });
    expect(fromFolder.invalid).toEqual([]);
    expect(fromFolder.runs.map((run) => run.folder).sort()).toEqual([legacyRunPath('demo', '2026-01', 'f-old'), runPath('demo', '2026-01', 'f-new')].sort());

    // An edit of an old-layout run moves it into its bucket and leaves no copy behind.
    git(repo.dir, 'remote', 'remove', 'origin');
    const config = loadConfig(repo.dir);
    const edited = await amendRun({
      cwd: repo.dir,
      config,
      select: (records) => records.find((r) => r.id === 'old1')!,
      change: (fields) => ({ ...fields, name: 'renamed' }),
    });
    expect(edited.changed).toBe(true);
    expect(branchRunFolders(repo.dir).filter((path) => path.endsWith('/old1'))).toEqual([runPath('demo', '2026-01', 'old1')]);
    expect(git(repo.dir, 'show', `runs:${runPath('demo', '2026-01', 'old1')}/run.yaml`)).toContain('name: renamed');

    // A clone still on the old layout with a run of its own, merged onto the new tip: no run twice.
    const oldTip = await commitOldLayout(repo.dir, 'elsewhere', [preparedRun('old1'), preparedRun('old2', { project: 'other' }), preparedRun('mine')]);
    const reader = new ObjectReader(repo.dir);
    try {
      const merged = await mergeBranches(repo.dir, reader, git(repo.dir, 'rev-parse', 'runs'), oldTip);
      expect(branchRunIds(repo.dir, merged)).toEqual(['mine', 'new1', 'new2', 'old1', 'old2']);
      expect(branchRunFolders(repo.dir, merged)).toContain(runPath('demo', '2026-01', 'mine'));
    } finally {
      reader.close();
    }
  });
});

describe('runpages migrate', () => {
  it('moves every run of an old branch into its bucket in one commit, byte-identical, and is a no-op after', async () => {
    repo = makeTestRepo();
    const runs = Array.from({ length: 120 }, (_, i) =>
      preparedRun(ulid(i), {
        project: i % 3 === 0 ? 'vision' : 'nlp',
        created: months[i % 2],
        files: { 'series.json': `{"schema":"runpages/series@1","series":{},"n":${i}}` },
      }),
    );
    const before = await commitOldLayout(repo.dir, 'runs', runs);
    // One run already written by a newer version, and its stale old copy.
    await commitRuns(repo.dir, 'runs', [preparedRun('both', { record: { name: 'new' } })]);
    const withStale = await commitOldLayout(repo.dir, 'runs', [preparedRun('both', { record: { name: 'stale' } })]);
    git(repo.dir, 'push', '-q', 'origin', 'runs');
    const blobs = blobsById(repo.dir, before);

    const dry = await runCli(['migrate', '--dry-run', '--json'], { cwd: repo.dir });
    expect(dry.code, dry.stderr).toBe(0);
    const planned = JSON.parse(dry.stdout);
    expect(planned).toMatchObject({ dryRun: true, from: withStale, to: withStale, runs: 121, dropped: [legacyRunPath('demo', '2026-01', 'both')] });
    expect(planned.moved).toHaveLength(120);
    expect(git(repo.origin, 'rev-parse', 'runs')).toBe(withStale);

    const done = await runCli(['migrate'], { cwd: repo.dir });
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain('Moved 120 runs into buckets in one commit');
    const tip = git(repo.origin, 'rev-parse', 'runs');
    expect(git(repo.origin, 'rev-parse', `${tip}^`)).toBe(withStale); // one commit
    expect(git(repo.dir, 'rev-parse', 'runs')).toBe(tip); // the local branch caught up
    const folders = branchRunFolders(repo.origin);
    expect(folders).toHaveLength(121);
    expect(folders.every((folder) => folder.split('/').length === 5)).toBe(true); // none left in the old layout
    expect(folders).toEqual(
      runs
        .map((run) => runFolder(run.record))
        .concat(runPath('demo', '2026-01', 'both'))
        .sort(),
    );
    const after = blobsById(repo.origin, tip);
    for (const [file, blob] of Object.entries(blobs)) expect(after[file], file).toBe(blob);
    expect(git(repo.origin, 'show', `runs:${runPath('demo', '2026-01', 'both')}/run.yaml`)).toContain('name: new');
    expect(git(repo.origin, 'show', 'runs:README.md')).toBe(git(repo.dir, 'show', `${before}:README.md`));
    expect((await loadRunRecords(repo.dir, { branch: 'runs' })).runs).toHaveLength(121);

    const again = await runCli(['migrate', '--json'], { cwd: repo.dir });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ moved: [], dropped: [], from: tip, to: tip, runs: 121 });
    expect(git(repo.origin, 'rev-parse', 'runs')).toBe(tip);
  });

  it('says what to do outside a repository and without a runs branch', async () => {
    repo = makeTestRepo();
    const none = await runCli(['migrate'], { cwd: repo.dir });
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('There is no "runs" branch to migrate');
    expect(none.stderr).not.toMatch(/\n\s+at /); // no stack trace for a user mistake
  });
});
