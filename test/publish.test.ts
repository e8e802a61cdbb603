/**
 * Publishing: queue first, objects before the branch, push with fetch-and-retry, nothing lost when
 * the remote is unreachable, and many writers racing for one bare origin all landing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commitRuns } from '../src/branch/commit.ts';
import { publishRuns } from '../src/branch/publish.ts';
import { dequeue, enqueue, listQueue } from '../src/branch/queue.ts';
import { loadConfig, parseConfig } from '../src/config.ts';
import { parseYaml } from '../src/run/yaml.ts';
import { LocalStore } from '../src/store/local.ts';
import { runCli } from './helpers/cli.ts';
import { git, makeTestRepo, tempDir, type TestRepo } from './helpers/git.ts';
import { branchRunFolders, branchRunIds, runPath } from './helpers/layout.ts';
import { preparedRun } from './helpers/prepared.ts';

let repo: TestRepo;
afterEach(() => repo?.cleanup());

/** Run folders on a branch of a repository (the bare origin or a clone). */
const runFolders = branchRunFolders;

describe('publishRuns', () => {
  it('uploads objects, commits locally, pushes to origin, and empties the queue', async () => {
    repo = makeTestRepo();
    const run = preparedRun('p1', { object: 'weights' });
    const outcome = await publishRuns([run], { cwd: repo.dir, config: loadConfig(repo.dir) });

    expect(outcome).toEqual({ published: ['p1'], queued: [], pushAttempts: 1, warnings: [] });
    expect(branchRunIds(repo.origin)).toEqual(['p1']);
    expect(git(repo.dir, 'rev-parse', 'runs')).toBe(git(repo.origin, 'rev-parse', 'runs'));
    const store = new LocalStore(join(repo.dir, '.runpages', 'objects'));
    expect(Buffer.from(await store.getBytes(run.objects[0]?.sha256 as string)).toString()).toBe('weights');
    expect(await listQueue(repo.dir)).toEqual([]);
    expect(git(repo.dir, 'status', '--porcelain')).toBe('?? .runpages/');
  });

  it('commits to the local branch when there is no remote', async () => {
    repo = makeTestRepo();
    git(repo.dir, 'remote', 'remove', 'origin');
    const outcome = await publishRuns([preparedRun('l1'), preparedRun('l2')], { cwd: repo.dir, config: loadConfig(repo.dir) });
    expect(outcome).toEqual({ published: ['l1', 'l2'], queued: [], pushAttempts: 0, warnings: [] });
    expect(branchRunIds(repo.dir)).toEqual(['l1', 'l2']);
    expect(await listQueue(repo.dir)).toEqual([]);
  });

  it('keeps a run queued, and off the branch, when its objects cannot be stored', async () => {
    repo = makeTestRepo();
    writeFileSync(join(repo.dir, 'not-a-folder'), '');
    const config = parseConfig({ store: 'not-a-folder/objects' });
    const outcome = await publishRuns([preparedRun('s1', { object: 'data' })], { cwd: repo.dir, config });
    expect(outcome.published).toEqual([]);
    expect(outcome.queued).toEqual([
      { id: 's1', reason: expect.stringMatching(/^uploading its objects to .*not-a-folder.* failed/), hint: expect.stringContaining('runpages sync') },
    ]);
    expect(git(repo.dir, 'branch', '--list', 'runs')).toBe('');
    const [entry] = await listQueue(repo.dir);
    expect(entry).toMatchObject({ id: 's1', uploaded: false, reason: outcome.queued[0]?.reason });
    // The queue holds the in-memory object's bytes, so sync can upload it later.
    expect(readdirSync(join(repo.dir, '.runpages', 'queue', 's1', 'objects'))).toEqual([entry?.run.objects[0]?.sha256]);
  });

  it('re-applies the runs on the remote tip when another clone pushed first', async () => {
    repo = makeTestRepo();
    const other = join(tempDir(), 'other');
    execFileSync('git', ['clone', '-q', repo.origin, other]);
    await publishRuns([preparedRun('from-other')], { cwd: other, config: loadConfig(other) });
    await publishRuns([preparedRun('early')], { cwd: repo.dir, config: parseConfig({ remote: 'nowhere' }) }); // local only

    const outcome = await publishRuns([preparedRun('mine')], { cwd: repo.dir, config: loadConfig(repo.dir) });
    expect(outcome.published).toEqual(['mine']);
    expect(branchRunIds(repo.origin)).toEqual(['from-other', 'mine']);
    // The local branch caught up with the remote and kept its local-only run.
    expect(branchRunIds(repo.dir)).toEqual(['early', 'from-other', 'mine']);
    expect(git(repo.dir, 'merge-base', '--is-ancestor', git(repo.origin, 'rev-parse', 'runs'), 'runs')).toBe('');
  });

  it('pushes runs left in the queue together with the next run published', async () => {
    repo = makeTestRepo();
    git(repo.dir, 'remote', 'set-url', 'origin', join(repo.dir, 'missing.git'));
    const offline = await publishRuns([preparedRun('q1'), preparedRun('q2')], { cwd: repo.dir, config: loadConfig(repo.dir) });
    expect(offline.queued.map((entry) => entry.id)).toEqual(['q1', 'q2']);
    expect(offline.queued[0]?.reason).toMatch(/cannot fetch "runs" from the remote "origin": fatal: .*missing\.git/);
    expect(branchRunIds(repo.dir)).toEqual(['q1', 'q2']); // committed locally

    git(repo.dir, 'remote', 'set-url', 'origin', repo.origin);
    const online = await publishRuns([preparedRun('q3')], { cwd: repo.dir, config: loadConfig(repo.dir) });
    expect(online).toEqual({ published: ['q3'], queued: [], pushAttempts: 1, warnings: [] });
    expect(branchRunIds(repo.origin)).toEqual(['q1', 'q2', 'q3']);
    expect(await listQueue(repo.dir)).toEqual([]);
  });
});

describe('the queue', () => {
  it('replaces an earlier version of a run, and dequeues only the version that was published', async () => {
    const dir = tempDir();
    const first = await enqueue(dir, preparedRun('x', { record: { name: 'first' }, object: 'bytes' }));
    const second = await enqueue(dir, preparedRun('x', { record: { name: 'second' } }));
    mkdirSync(join(dir, '.runpages', 'queue', '.tmp-half-written')); // a crashed writer's leftovers are ignored
    const [entry, ...rest] = await listQueue(dir);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ id: 'x', token: second, uploaded: false, reason: undefined, folder: runPath('demo', '2026-01', 'x') });
    expect(entry?.run.record.name).toBe('second');
    expect(entry?.run.objects).toEqual([]);

    await dequeue(dir, 'x', first); // a publisher of the old version must not drop the new one
    expect((await listQueue(dir)).map((queued) => queued.token)).toEqual([second]);
    await dequeue(dir, 'x', second);
    expect(await listQueue(dir)).toEqual([]);
  });
});

describe('announcements from writers on other machines', () => {
  it('lands runs another machine announced after losing a race, and never reverts a newer run with a stale one', async () => {
    repo = makeTestRepo();
    const other = join(tempDir(), 'other');
    execFileSync('git', ['clone', '-q', repo.origin, other]);
    await publishRuns([preparedRun('changed', { record: { name: 'v2' } })], { cwd: other, config: loadConfig(other) });
    // What a writer on the other machine leaves after losing a round: its runs under refs/runpages/pending/.
    await commitRuns(other, 'announce', [preparedRun('announced'), preparedRun('changed', { record: { name: 'v1-stale' } })]);
    git(other, 'push', '-q', 'origin', 'announce:refs/runpages/pending/other-writer');

    const outcome = await publishRuns([preparedRun('mine')], { cwd: repo.dir, config: loadConfig(repo.dir) });
    expect(outcome).toEqual({ published: ['mine'], queued: [], pushAttempts: 1, warnings: [] });
    expect(branchRunIds(repo.origin)).toEqual(['announced', 'changed', 'mine']);
    expect(git(repo.origin, 'show', `runs:${runPath('demo', '2026-01', 'changed')}/run.yaml`)).toContain('name: v2');
    expect(git(repo.origin, 'for-each-ref', 'refs/runpages/')).toBe(''); // the announcement is consumed
  });
});

function makeRunDir(root: string, name: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  writeFileSync(join(dir, 'params.yaml'), `lr: 0.01\nworker: ${name}\n`);
  writeFileSync(join(dir, 'metrics.jsonl'), '{"step": 1, "loss": 0.9}\n{"step": 2, "loss": 0.5}\n');
  writeFileSync(join(dir, 'artifacts', 'model.txt'), `weights of ${name}\n`);
  return dir;
}

describe('runpages commit and sync', () => {
  it('queues the run when origin is unreachable, says so, and sync publishes it once origin is back', async () => {
    repo = makeTestRepo();
    const dir = makeRunDir(tempDir(), 'offline');
    git(repo.dir, 'remote', 'set-url', 'origin', join(repo.dir, 'no-such-origin.git'));

    const commit = await runCli(['commit', dir, '--project', 'vision', '--name', 'offline-run', '--json'], { cwd: repo.dir });
    expect(commit.code).toBe(3);
    expect(commit.stderr).toMatch(/error Run offline-run \(\w+\) is not published: cannot fetch "runs" from the remote "origin"/);
    expect(commit.stderr).toContain('no-such-origin.git');
    expect(commit.stderr).toContain('runpages sync');
    const { id } = JSON.parse(commit.stdout) as { id: string };
    expect(existsSync(join(repo.dir, '.runpages', 'queue', id, 'entry.json'))).toBe(true);

    const list = await runCli(['sync', '--list', '--json'], { cwd: repo.dir });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ id, name: 'offline-run', project: 'vision', reason: expect.stringContaining('no-such-origin.git') }),
    ]);

    const stillOffline = await runCli(['sync'], { cwd: repo.dir });
    expect(stillOffline.code).toBe(3);
    expect(stillOffline.stderr).toContain('1 run is still queued');

    git(repo.dir, 'remote', 'set-url', 'origin', repo.origin);
    const sync = await runCli(['sync', '--json'], { cwd: repo.dir });
    expect(sync.code).toBe(0);
    expect(JSON.parse(sync.stdout)).toMatchObject({ published: [id], queued: [], branchPushed: true });
    const folder = runFolders(repo.origin).find((path) => path.endsWith(id));
    expect(folder).toMatch(/^runs\/vision\/\d{4}-\d{2}\//);
    const record = parseYaml(git(repo.origin, 'show', `runs:${folder}/run.yaml`), 'run.yaml') as { name: string; params: { lr: number } };
    expect(record).toMatchObject({ name: 'offline-run', params: { lr: 0.01 } });
    expect(readdirSync(join(repo.dir, '.runpages', 'queue'))).toEqual([]);

    const empty = await runCli(['sync'], { cwd: repo.dir });
    expect(empty.code).toBe(0);
    expect(empty.stderr).toContain('nothing to publish');
  });

  it('lands all 100 runs of 20 concurrent commit processes (5 runs each) on origin, none lost or duplicated', async () => {
    repo = makeTestRepo();
    const dirs = tempDir();
    const workers = 20;
    const perWorker = 5;
    const attempts: number[] = [];
    await Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        for (let r = 0; r < perWorker; r++) {
          const name = `w${w}-r${r}`;
          const result = await runCli(['commit', makeRunDir(dirs, name), '--project', 'stress', '--name', name, '--json'], {
            cwd: repo.dir,
            timeoutMs: 300_000,
          });
          expect(result.stderr).not.toContain('error');
          expect(result.code).toBe(0);
          attempts.push((JSON.parse(result.stdout) as { pushAttempts: number }).pushAttempts);
        }
      }),
    );
    const histogram = Object.fromEntries([...new Set(attempts)].sort((a, b) => a - b).map((n) => [n, attempts.filter((a) => a === n).length]));
    console.log(`push attempts per commit (attempts: processes): ${JSON.stringify(histogram)}, max ${Math.max(...attempts)}`);

    const folders = runFolders(repo.origin);
    expect(folders).toHaveLength(workers * perWorker);
    const names = folders.map((folder) => (parseYaml(git(repo.origin, 'show', `runs:${folder}/run.yaml`), 'run.yaml') as { name: string }).name);
    const expected = Array.from({ length: workers * perWorker }, (_, i) => `w${Math.floor(i / perWorker)}-r${i % perWorker}`);
    expect(names.sort()).toEqual(expected.sort());
    expect(readdirSync(join(repo.dir, '.runpages', 'queue')).filter((name) => !name.startsWith('.'))).toEqual([]);
    expect(runFolders(repo.dir)).toEqual(folders); // the local branch has caught up
    // No private refs left behind: fetch scratch refs locally, announcements on origin.
    expect(git(repo.dir, 'for-each-ref', 'refs/runpages/')).toBe('');
    expect(git(repo.origin, 'for-each-ref', 'refs/runpages/')).toBe('');
  }, 600_000);
});
