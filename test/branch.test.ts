/**
 * The runs branch written with plumbing: the user's checkout is never touched, only changed trees
 * are rebuilt, re-publishing is a no-op, concurrent local writers all land, and the branch reads
 * back without a checkout.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commitRuns, mergeBranches, BRANCH_README } from '../src/branch/commit.ts';
import { readBranchFiles } from '../src/branch/read.ts';
import { RunpagesError } from '../src/errors.ts';
import { ObjectReader } from '../src/git/objects.ts';
import { captureGitState, stripCredentials } from '../src/git/state.ts';
import { git, makeTestRepo, tempDir, type TestRepo } from './helpers/git.ts';
import { branchRunIds, runPath } from './helpers/layout.ts';
import { preparedRun } from './helpers/prepared.ts';

let repo: TestRepo;
afterEach(() => repo?.cleanup());

async function readAll(cwd: string, ref: string, filter?: (path: string) => boolean): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for await (const file of readBranchFiles(cwd, ref, filter)) files[file.path] = file.content.toString('utf8');
  return files;
}

/** Everything about the checkout a commit to another branch must leave alone, read as raw bytes. */
function checkoutSnapshot(dir: string): Record<string, string> {
  return {
    index: readFileSync(join(dir, '.git', 'index')).toString('base64'),
    HEAD: readFileSync(join(dir, '.git', 'HEAD'), 'utf8'),
    head: git(dir, 'rev-parse', 'HEAD'),
    readme: readFileSync(join(dir, 'README.md'), 'utf8'),
    staged: readFileSync(join(dir, 'staged.txt'), 'utf8'),
    untracked: readFileSync(join(dir, 'untracked.txt'), 'utf8'),
  };
}

describe('commitRuns', () => {
  it('leaves the working tree, index and HEAD byte-identical, with a dirty tree and staged changes', async () => {
    repo = makeTestRepo({ 'README.md': '# test\n', 'staged.txt': 'one\n' });
    writeFileSync(join(repo.dir, 'README.md'), '# test\nuncommitted edit\n');
    writeFileSync(join(repo.dir, 'staged.txt'), 'one\ntwo\n');
    git(repo.dir, 'add', 'staged.txt');
    writeFileSync(join(repo.dir, 'untracked.txt'), 'new\n');
    git(repo.dir, 'status'); // let git refresh the index's stat data before the snapshot
    const before = checkoutSnapshot(repo.dir);
    const status = git(repo.dir, 'status', '--porcelain=v2');

    const { commit, changed } = await commitRuns(repo.dir, 'runs', [preparedRun('r1'), preparedRun('r2', { project: 'other' })]);

    expect(checkoutSnapshot(repo.dir)).toEqual(before);
    expect(git(repo.dir, 'status', '--porcelain=v2')).toBe(status);
    expect(git(repo.dir, 'rev-parse', 'refs/heads/runs')).toBe(commit);
    expect(changed).toEqual([runPath('demo', '2026-01', 'r1'), runPath('other', '2026-01', 'r2')]);
    // An orphan: no history shared with the code.
    expect(git(repo.dir, 'rev-list', '--count', 'runs')).toBe('1');
    expect(git(repo.dir, 'ls-tree', '-r', '--name-only', 'runs').split('\n')).toEqual([
      'README.md',
      `${runPath('demo', '2026-01', 'r1')}/run.yaml`,
      `${runPath('other', '2026-01', 'r2')}/run.yaml`,
    ]);
  });

  it('is a no-op for identical content and replaces a run whose content changed', async () => {
    repo = makeTestRepo();
    const first = await commitRuns(repo.dir, 'runs', [preparedRun('r1', { files: { 'series.json': '{}' } }), preparedRun('r2')]);
    const again = await commitRuns(repo.dir, 'runs', [preparedRun('r1', { files: { 'series.json': '{}' } })]);
    expect(again).toEqual({ commit: first.commit, changed: [] });

    const renamed = preparedRun('r1', { record: { name: 'renamed' } });
    const replaced = await commitRuns(repo.dir, 'runs', [renamed]);
    expect(replaced.changed).toEqual([runPath('demo', '2026-01', 'r1')]);
    expect(git(repo.dir, 'rev-parse', `${replaced.commit}^`)).toBe(first.commit);
    const files = await readAll(repo.dir, 'runs');
    expect(files[`${runPath('demo', '2026-01', 'r1')}/run.yaml`]).toContain('name: renamed');
    expect(files).not.toHaveProperty([`${runPath('demo', '2026-01', 'r1')}/series.json`]); // the folder is replaced whole
    expect(files).toHaveProperty([`${runPath('demo', '2026-01', 'r2')}/run.yaml`]);
  });

  it('rebuilds only the trees along changed paths', async () => {
    repo = makeTestRepo();
    await commitRuns(repo.dir, 'runs', [preparedRun('a', { project: 'p1' }), preparedRun('b', { project: 'p2' })]);
    const p2Before = git(repo.dir, 'rev-parse', 'runs:runs/p2');
    const monthBefore = git(repo.dir, 'rev-parse', 'runs:runs/p1/2026-01');
    await commitRuns(repo.dir, 'runs', [preparedRun('c', { project: 'p1', created: '2026-02-01T00:00:00Z' })]);
    expect(git(repo.dir, 'rev-parse', 'runs:runs/p2')).toBe(p2Before);
    expect(git(repo.dir, 'rev-parse', 'runs:runs/p1/2026-01')).toBe(monthBefore);
    expect(git(repo.dir, 'ls-tree', '--name-only', 'runs:runs/p1').split('\n')).toEqual(['2026-01', '2026-02']);
  });

  it('commits a batch of 500 runs as one commit', async () => {
    repo = makeTestRepo();
    const runs = Array.from({ length: 500 }, (_, i) => preparedRun(`run${String(i).padStart(3, '0')}`, { project: `p${i % 3}` }));
    const { changed } = await commitRuns(repo.dir, 'runs', runs);
    expect(changed).toHaveLength(500);
    expect(git(repo.dir, 'rev-list', '--count', 'runs')).toBe('1');
    expect(git(repo.dir, 'ls-tree', '-r', '--name-only', 'runs', 'runs/').split('\n')).toHaveLength(500);
  });

  it('lands every run when many commits race on the same local branch', async () => {
    repo = makeTestRepo();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => commitRuns(repo.dir, 'runs', [preparedRun(`race${i}`)])));
    expect(results.every((result) => result.changed.length === 1)).toBe(true);
    expect(branchRunIds(repo.dir)).toEqual(Array.from({ length: 12 }, (_, i) => `race${i}`).sort());
    expect(git(repo.dir, 'rev-list', '--count', 'runs')).toBe('12');
  });
});

describe('mergeBranches', () => {
  it('adds what the other side has and returns the base when it adds nothing', async () => {
    repo = makeTestRepo();
    const base = await commitRuns(repo.dir, 'runs', [preparedRun('shared')]);
    const left = await commitRuns(repo.dir, 'left', []);
    git(repo.dir, 'update-ref', 'refs/heads/left', base.commit, left.commit);
    git(repo.dir, 'update-ref', 'refs/heads/right', base.commit);
    const l = await commitRuns(repo.dir, 'left', [preparedRun('only-left')]);
    const r = await commitRuns(repo.dir, 'right', [preparedRun('only-right')]);
    const reader = new ObjectReader(repo.dir);
    try {
      const merged = await mergeBranches(repo.dir, reader, l.commit, r.commit);
      expect(branchRunIds(repo.dir, merged)).toEqual(['only-left', 'only-right', 'shared']);
      expect(git(repo.dir, 'rev-list', '--parents', '-n', '1', merged).split(' ')).toEqual([merged, l.commit, r.commit]);
      expect(await mergeBranches(repo.dir, reader, merged, r.commit)).toBe(merged);
    } finally {
      reader.close();
    }
  });
});

describe('readBranchFiles', () => {
  it('reads back exactly what was committed, filtered, without a checkout', async () => {
    repo = makeTestRepo();
    const big = 'x'.repeat(3_000_000); // larger than any pipe chunk: the reader must reassemble it
    const runs = [
      preparedRun('r1', { files: { 'series.json': '{"schema":"runpages/series@1","series":{}}', 'notes.md': 'héllo ✓\n' } }),
      preparedRun('r2', { files: { 'big.txt': big, 'empty.txt': '' } }),
    ];
    await commitRuns(repo.dir, 'runs', runs);
    const files = await readAll(repo.dir, 'runs');
    expect(Object.keys(files)).toEqual([
      'README.md',
      ...[
        `${runPath('demo', '2026-01', 'r1')}/notes.md`,
        `${runPath('demo', '2026-01', 'r1')}/run.yaml`,
        `${runPath('demo', '2026-01', 'r1')}/series.json`,
        `${runPath('demo', '2026-01', 'r2')}/big.txt`,
        `${runPath('demo', '2026-01', 'r2')}/empty.txt`,
        `${runPath('demo', '2026-01', 'r2')}/run.yaml`,
      ].sort(),
    ]);
    expect(files['README.md']).toBe(BRANCH_README);
    expect(files[`${runPath('demo', '2026-01', 'r1')}/notes.md`]).toBe('héllo ✓\n');
    expect(files[`${runPath('demo', '2026-01', 'r1')}/run.yaml`]).toBe(runs[0]?.files['run.yaml']);
    expect(files[`${runPath('demo', '2026-01', 'r2')}/big.txt`]).toBe(big);
    expect(files[`${runPath('demo', '2026-01', 'r2')}/empty.txt`]).toBe('');

    const yamls = await readAll(repo.dir, 'runs', (path) => path.endsWith('/run.yaml'));
    expect(Object.keys(yamls)).toEqual([`${runPath('demo', '2026-01', 'r1')}/run.yaml`, `${runPath('demo', '2026-01', 'r2')}/run.yaml`].sort());
  });

  it('reads many files through one reader and stops cleanly when the consumer stops early', async () => {
    repo = makeTestRepo();
    await commitRuns(
      repo.dir,
      'runs',
      Array.from({ length: 300 }, (_, i) => preparedRun(`m${String(i).padStart(3, '0')}`)),
    );
    expect(Object.keys(await readAll(repo.dir, 'runs', (path) => path.endsWith('run.yaml')))).toHaveLength(300);
    let seen = 0;
    for await (const file of readBranchFiles(repo.dir, 'runs')) {
      expect(file.content.length).toBeGreaterThan(0);
      if (++seen === 5) break;
    }
    expect(seen).toBe(5);
  });

  it('names the missing branch and what to do', async () => {
    repo = makeTestRepo();
    const reading = readAll(repo.dir, 'runs');
    await expect(reading).rejects.toBeInstanceOf(RunpagesError);
    await expect(reading).rejects.toMatchObject({ code: 'branch-not-found', hint: expect.stringContaining('runpages init') });
  });
});

describe('captureGitState', () => {
  it('captures commit, branch, remote without credentials, and the dirty diff with untracked names', async () => {
    repo = makeTestRepo();
    git(repo.dir, 'remote', 'set-url', 'origin', 'https://user:s3cret@example.com/team/repo.git');
    const clean = await captureGitState(repo.dir);
    expect(clean).toEqual({
      info: { commit: git(repo.dir, 'rev-parse', 'HEAD'), branch: 'main', remote: 'https://example.com/team/repo.git', dirty: false },
    });

    writeFileSync(join(repo.dir, 'README.md'), '# changed\n');
    mkdirSync(join(repo.dir, 'new'));
    writeFileSync(join(repo.dir, 'new', 'file.py'), 'print(1)\n');
    const dirty = await captureGitState(repo.dir);
    expect(dirty?.info.dirty).toBe(true);
    const diff = Buffer.from(dirty?.diff ?? []).toString('utf8');
    expect(diff).toContain('#   new/file.py');
    expect(diff).toContain('-# test\n+# changed');
    // The patch applies: revert the edit, apply, and the edit is back.
    const patchFile = join(tempDir(), 'patch.diff');
    writeFileSync(patchFile, dirty?.diff ?? '');
    git(repo.dir, 'checkout', '--', 'README.md');
    git(repo.dir, 'apply', patchFile);
    expect(readFileSync(join(repo.dir, 'README.md'), 'utf8')).toBe('# changed\n');
  });

  it('is undefined outside a repository', async () => {
    expect(await captureGitState(tempDir())).toBeUndefined();
  });

  it('strips credentials from remote URLs', () => {
    expect(stripCredentials('https://ghp_token@github.com/a/b.git')).toBe('https://github.com/a/b.git');
    expect(stripCredentials('ssh://git:pw@host/a.git')).toBe('ssh://git@host/a.git');
    expect(stripCredentials('git@github.com:a/b.git')).toBe('git@github.com:a/b.git');
  });
});
