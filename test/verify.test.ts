/**
 * `runpages verify` and `runpages pull`: the object references of runs, the checks against a real
 * store, and both commands end to end on a repository whose `runs` branch was committed with git
 * plumbing, against a local store and against S3 (s3rver).
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringifyYaml } from '../src/run/yaml.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitRuns } from '../src/branch/commit.ts';
import type { RunpagesError } from '../src/errors.ts';
import type { RunRecord, RunRecordInput } from '../src/run/schema.ts';
import { RunRecordSchema } from '../src/run/schema.ts';
import { sha256Bytes } from '../src/store/hash.ts';
import { LocalStore } from '../src/store/local.ts';
import { planPull, pullArtifacts } from '../src/store/pull.ts';
import { S3Store } from '../src/store/s3.ts';
import { objectKey } from '../src/store/store.ts';
import { objectReferences, verifyStore } from '../src/store/verify.ts';
import { runCli } from './helpers/cli.ts';
import { makeTestRepo, tempDir, type TestRepo } from './helpers/git.ts';
import { closedPort, S3_TEST_BUCKET, S3_TEST_CREDENTIALS, s3Env, startS3Server, type TestS3Server } from './helpers/s3.ts';
import { rejection } from './helpers/errors.ts';

const bytes = (text: string) => Buffer.from(text);
const MODEL = bytes('model weights v1');
const LOSS_PNG = bytes('\x89PNG loss curve');
const ACC_PNG = bytes('\x89PNG accuracy curve');
const SERIES = bytes('{"step":[1,2,3],"value":[0.9,0.5,0.2]}');
const DIFF = bytes('diff --git a/train.py b/train.py\n+lr = 0.1\n');

function makeRecord(input: Partial<RunRecordInput> & { id: string }): RunRecord {
  return RunRecordSchema.parse({
    schema: 'runpages/run@1',
    name: `run-${input.id.slice(-4).toLowerCase()}`,
    project: 'vision',
    status: 'finished',
    created: '2026-01-15T10:00:00Z',
    ...input,
  });
}

const artifact = (path: string, data: Buffer) => ({ path, sha256: sha256Bytes(data), size: data.length });

/** Two runs: one with artifacts, a full series and a git diff; one sharing the model. */
const FIRST = makeRecord({
  id: '01JC1AAAAAAAAAAAAAAAAAAAAA',
  artifacts: [artifact('model.bin', MODEL), artifact('plots/loss.png', LOSS_PNG), artifact('plots/acc.png', ACC_PNG)],
  series: { 'train/loss': { points: 5000, stored: 1000, sha256: sha256Bytes(SERIES) } },
  git: { commit: 'a'.repeat(40), dirty: true, diff: sha256Bytes(DIFF) },
});
const SECOND = makeRecord({ id: '01JC2BBBBBBBBBBBBBBBBBBBBB', created: '2026-02-01T09:00:00Z', artifacts: [artifact('weights/model.bin', MODEL)] });

async function fill(store: { putBytes(data: Uint8Array): Promise<unknown> }): Promise<void> {
  for (const data of [MODEL, LOSS_PNG, ACC_PNG, SERIES, DIFF]) await store.putBytes(data);
}

/** Commits the records to the repository's `runs` branch with plumbing, as a publish does. */
async function commitRecords(repo: TestRepo, records: RunRecord[]): Promise<void> {
  await commitRuns(
    repo.dir,
    'runs',
    records.map((record) => ({ record, files: { 'run.yaml': stringifyYaml(record) }, objects: [] })),
  );
}

function corruptLocal(store: LocalStore, data: Buffer): void {
  const path = store.pathOf(sha256Bytes(data));
  chmodSync(path, 0o644);
  // Same length, different bytes: only a deep check can tell.
  writeFileSync(path, Buffer.from(data.map((b) => b ^ 0xff)));
}

describe('objectReferences', () => {
  it('lists each object once with every run and role that uses it, sorted by sha256', () => {
    const refs = objectReferences([FIRST, SECOND]);
    expect([...refs.keys()]).toEqual([...refs.keys()].sort());
    expect(refs.size).toBe(5);
    expect(refs.get(sha256Bytes(MODEL))).toEqual([
      { run: FIRST.id, project: 'vision', what: 'artifact model.bin', size: MODEL.length },
      { run: SECOND.id, project: 'vision', what: 'artifact weights/model.bin', size: MODEL.length },
    ]);
    expect(refs.get(sha256Bytes(SERIES))).toEqual([{ run: FIRST.id, project: 'vision', what: 'series train/loss' }]);
    expect(refs.get(sha256Bytes(DIFF))).toEqual([{ run: FIRST.id, project: 'vision', what: 'git diff' }]);
  });
});

describe('verifyStore', () => {
  let dir: string;
  beforeAll(() => void (dir = tempDir('runpages-verify-')));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds missing, wrong-size and (deep) corrupt objects and who references them', async () => {
    const store = new LocalStore(join(dir, 'objects'));
    await fill(store);
    const clean = await verifyStore(store, [FIRST, SECOND], { deep: true });
    expect(clean).toMatchObject({ runs: 2, objects: 5, ok: 5, missing: [], corrupt: [], deep: true });

    unlinkSync(store.pathOf(sha256Bytes(DIFF)));
    corruptLocal(store, LOSS_PNG);
    const accPath = store.pathOf(sha256Bytes(ACC_PNG));
    chmodSync(accPath, 0o644);
    writeFileSync(accPath, 'short');

    const progress: number[] = [];
    const shallow = await verifyStore(store, [FIRST, SECOND], { onProgress: (done) => progress.push(done) });
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    expect(shallow.ok).toBe(3);
    expect(shallow.missing.map((c) => [c.sha256, c.references.map((r) => r.what)])).toEqual([[sha256Bytes(DIFF), ['git diff']]]);
    expect(shallow.corrupt).toEqual([
      {
        sha256: sha256Bytes(ACC_PNG),
        status: 'wrong-size',
        storedSize: 5,
        references: [{ run: FIRST.id, project: 'vision', what: 'artifact plots/acc.png', size: ACC_PNG.length }],
      },
    ]);

    // Listing the store once gives the same answer as asking per object.
    expect(await verifyStore(store, [FIRST, SECOND], { listFrom: 0 })).toEqual(shallow);

    const deep = await verifyStore(store, [FIRST, SECOND], { deep: true });
    expect(deep.ok).toBe(2);
    expect(deep.corrupt.map((c) => c.status).sort()).toEqual(['corrupt', 'wrong-size']);
    const corrupt = deep.corrupt.find((c) => c.status === 'corrupt');
    expect(corrupt?.sha256).toBe(sha256Bytes(LOSS_PNG));
    expect(corrupt?.actualSha256).toBe(sha256Bytes(Buffer.from(LOSS_PNG.map((b) => b ^ 0xff))));
  });
});

describe('planPull', () => {
  it('selects all artifacts, one path, or a folder prefix, each under the output folder', () => {
    expect(planPull(FIRST, undefined, '/out').map((i) => i.file)).toEqual(['/out/model.bin', '/out/plots/acc.png', '/out/plots/loss.png']);
    expect(planPull(FIRST, 'model.bin', '/out').map((i) => i.path)).toEqual(['model.bin']);
    expect(planPull(FIRST, 'plots/', '/out').map((i) => i.path)).toEqual(['plots/acc.png', 'plots/loss.png']);
    expect(planPull(FIRST, 'plots', '/out').map((i) => i.path)).toEqual(['plots/acc.png', 'plots/loss.png']);
  });

  it('names the artifacts a run has when the selection matches none', () => {
    let error: unknown;
    try {
      planPull(FIRST, 'plot', '/out');
    } catch (e) {
      error = e;
    }
    expect((error as RunpagesError).code).toBe('no-such-artifact');
    expect((error as RunpagesError).message).toContain('model.bin, plots/acc.png, plots/loss.png');
  });

  it('never plans a destination outside the output folder, whatever the path (property)', () => {
    const segment = fc.constantFrom('..', '.', '', 'a', 'b.txt', '\\', '/', '~', 'C:', '\0', '%2e%2e', 'é');
    const path = fc.oneof(
      fc.string(),
      fc.array(segment, { maxLength: 6 }).map((parts) => parts.join('/')),
    );
    fc.assert(
      fc.property(path, (p) => {
        const record = { id: 'prop', artifacts: [{ path: p, sha256: sha256Bytes(MODEL), size: 1 }] };
        const items = planPull(record, undefined, '/out/run');
        return items.every((item) => item.refused !== undefined || (item.file.startsWith('/out/run/') && item.file.length > '/out/run/'.length));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses artifact paths that would land outside the output folder', () => {
    // Records from the branch are validated; these reach planPull only from a hostile caller.
    for (const path of ['../evil.sh', 'a/../../evil', '/etc/passwd', 'a\\..\\..\\evil', '.', 'a/./../..']) {
      const record = { id: 'hostile', artifacts: [{ path, sha256: sha256Bytes(MODEL), size: MODEL.length }] };
      expect(planPull(record, undefined, '/out')[0]?.refused, path).toMatch(/^the path /);
    }
  });
});

describe('pullArtifacts', () => {
  it('says so when the output folder is a file', async () => {
    const dir = tempDir('runpages-pull-');
    try {
      const store = new LocalStore(join(dir, 'objects'));
      writeFileSync(join(dir, 'taken'), 'a file');
      const error = await rejection(pullArtifacts(store, FIRST.id, planPull(FIRST, undefined, join(dir, 'taken')), join(dir, 'taken')));
      expect(error.code).toBe('bad-output-folder');
      expect(error.hint).toContain('--out');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not follow a symlinked subfolder out of the output folder', async () => {
    const dir = tempDir('runpages-pull-');
    try {
      const store = new LocalStore(join(dir, 'objects'));
      await fill(store);
      const out = join(dir, 'out');
      const outside = join(dir, 'outside');
      mkdirSync(out);
      mkdirSync(outside);
      symlinkSync(outside, join(out, 'plots'));
      const results = await pullArtifacts(store, FIRST.id, planPull(FIRST, 'plots', out), out);
      expect(results.map((r) => r.status)).toEqual(['refused', 'refused']);
      expect(results[0]?.reason).toContain('symbolic link');
      expect(readdirSync(outside)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('verify and pull end to end (local store)', () => {
  let repo: TestRepo;
  let store: LocalStore;
  beforeAll(async () => {
    repo = makeTestRepo();
    // A TensorBoard-style runs/ folder in the working tree must not shadow the runs branch.
    mkdirSync(join(repo.dir, 'runs', 'Jan01_tensorboard'), { recursive: true });
    store = new LocalStore(join(repo.dir, '.runpages', 'objects'));
    await fill(store);
    await commitRecords(repo, [FIRST, SECOND]);
  });
  afterAll(() => repo.cleanup());

  it('pulls every artifact of a run named by an id prefix, verified, into ./<run-id>/', async () => {
    const result = await runCli(['pull', '01JC1'], { cwd: repo.dir });
    expect(result.stderr).toContain('Pulled 3 artifacts');
    expect(result.code).toBe(0);
    const out = join(repo.dir, FIRST.id);
    expect(readFileSync(join(out, 'model.bin')).equals(MODEL)).toBe(true);
    expect(readFileSync(join(out, 'plots', 'loss.png')).equals(LOSS_PNG)).toBe(true);
    expect(readFileSync(join(out, 'plots', 'acc.png')).equals(ACC_PNG)).toBe(true);

    const again = await runCli(['pull', '01JC1', 'plots/', '--out', 'plots-only', '--json'], { cwd: repo.dir });
    expect(again.code).toBe(0);
    const json = JSON.parse(again.stdout) as { run: string; artifacts: { path: string; status: string }[] };
    expect(json.run).toBe(FIRST.id);
    expect(json.artifacts.map((a) => [a.path, a.status])).toEqual([
      ['plots/acc.png', 'pulled'],
      ['plots/loss.png', 'pulled'],
    ]);
    expect(readdirSync(join(repo.dir, 'plots-only'))).toEqual(['plots']);

    const third = await runCli(['pull', FIRST.id, 'plots/loss.png', '--out', 'plots-only', '--json'], { cwd: repo.dir });
    expect((JSON.parse(third.stdout) as { artifacts: { status: string }[] }).artifacts.map((a) => a.status)).toEqual(['already-there']);
  });

  it('finds a run by name too, and rejects an ambiguous or unknown reference with a hint', async () => {
    const byName = await runCli(['pull', SECOND.name, '--json'], { cwd: repo.dir });
    expect(byName.code).toBe(0);
    expect((JSON.parse(byName.stdout) as { run: string }).run).toBe(SECOND.id);
    expect(readFileSync(join(repo.dir, SECOND.id, 'weights', 'model.bin')).equals(MODEL)).toBe(true);

    const ambiguous = await runCli(['pull', '01JC'], { cwd: repo.dir });
    expect(ambiguous.code).not.toBe(0);
    expect(ambiguous.stderr).toContain('matches 2 runs');
    const unknown = await runCli(['pull', 'ZZZ'], { cwd: repo.dir });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('No run has an id starting with "ZZZ"');
  });

  it('passes on a healthy store, then fails naming the corrupt object and its run only with --deep', async () => {
    const healthy = await runCli(['verify', '--deep'], { cwd: repo.dir });
    expect(healthy.stderr).toContain('5 objects referenced by 2 runs');
    expect(healthy.stderr).toContain('5 ok, 0 missing, 0 corrupt');
    expect(healthy.code).toBe(0);

    corruptLocal(store, MODEL);
    const shallow = await runCli(['verify'], { cwd: repo.dir });
    expect(shallow.code).toBe(0);

    const deep = await runCli(['verify', '--deep'], { cwd: repo.dir });
    expect(deep.code).toBe(1);
    expect(deep.stderr).toContain(`corrupt ${sha256Bytes(MODEL)}`);
    expect(deep.stderr).toContain(`artifact model.bin in run ${FIRST.id} (vision)`);
    expect(deep.stderr).toContain(`artifact weights/model.bin in run ${SECOND.id} (vision)`);
    expect(deep.stderr).toContain('error 0 missing and 1 corrupt object');
    expect(deep.stderr).toContain('hint');

    const pull = await runCli(['pull', SECOND.id, '--out', 'corrupt-pull'], { cwd: repo.dir });
    expect(pull.code).toBe(1);
    expect(pull.stderr).toContain('store copy is corrupt');
    expect(existsSync(join(repo.dir, 'corrupt-pull', 'weights', 'model.bin'))).toBe(false);

    // One bad object does not hold back the others.
    const partial = await runCli(['pull', FIRST.id, '--out', 'partial-pull'], { cwd: repo.dir });
    expect(partial.code).toBe(1);
    expect(partial.stderr).toContain(`1 of 3 artifacts of run ${FIRST.id} could not be pulled`);
    expect(partial.stderr).toContain(`model.bin (the store copy is corrupt: ${sha256Bytes(MODEL)})`);
    expect(readdirSync(join(repo.dir, 'partial-pull', 'plots')).sort()).toEqual(['acc.png', 'loss.png']);
    expect(existsSync(join(repo.dir, 'partial-pull', 'model.bin'))).toBe(false);

    unlinkSync(store.pathOf(sha256Bytes(DIFF)));
    const json = await runCli(['verify', '--json'], { cwd: repo.dir });
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { missing: { sha256: string; references: { what: string }[] }[]; corrupt: unknown[] };
    expect(report.missing.map((m) => [m.sha256, m.references[0]?.what])).toEqual([[sha256Bytes(DIFF), 'git diff']]);
    expect(report.corrupt).toEqual([]);
  });
});

describe('verify and pull end to end (S3)', () => {
  let repo: TestRepo;
  let s3: TestS3Server;
  let s3Dir: string;
  const uri = `s3://${S3_TEST_BUCKET}/team`;
  beforeAll(async () => {
    s3Dir = tempDir('runpages-verify-s3-');
    s3 = await startS3Server(s3Dir);
    repo = makeTestRepo();
    writeFileSync(join(repo.dir, 'runpages.config.yaml'), `store: ${uri}\n`);
    await fill(new S3Store(uri, { endpoint: s3.endpoint, region: 'us-east-1', credentials: S3_TEST_CREDENTIALS }));
    await commitRecords(repo, [FIRST, SECOND]);
  });
  afterAll(async () => {
    await s3.close();
    repo.cleanup();
    rmSync(s3Dir, { recursive: true, force: true });
  });

  it('pulls from S3 and detects a corrupted object with verify --deep', async () => {
    const env = s3Env(s3.endpoint);
    const pull = await runCli(['pull', '01JC1', 'model.bin'], { cwd: repo.dir, env });
    expect(pull.code).toBe(0);
    expect(readFileSync(join(repo.dir, FIRST.id, 'model.bin')).equals(MODEL)).toBe(true);

    expect((await runCli(['verify', '--deep'], { cwd: repo.dir, env })).code).toBe(0);
    writeFileSync(s3.objectPath(S3_TEST_BUCKET, `team/${objectKey(sha256Bytes(LOSS_PNG))}`), Buffer.from(LOSS_PNG.map((b) => b ^ 0xff)));
    const deep = await runCli(['verify', '--deep'], { cwd: repo.dir, env });
    expect(deep.code).toBe(1);
    expect(deep.stderr).toContain(`corrupt ${sha256Bytes(LOSS_PNG)}`);
    expect(deep.stderr).toContain(`artifact plots/loss.png in run ${FIRST.id}`);
  });

  it('ends in a clear error when the S3 endpoint is unreachable', async () => {
    const closed = `http://127.0.0.1:${await closedPort()}`;
    const env = { ...s3Env(closed), AWS_MAX_ATTEMPTS: '2' };
    const result = await runCli(['verify'], { cwd: repo.dir, env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Could not reach the S3 endpoint ${closed}`);
    expect(result.stderr).toContain('AWS_ENDPOINT_URL');
    expect(result.stderr).not.toContain('unexpected error');
  });
});

describe('the S3 flow end to end: commit while S3 is down, sync, verify, pull', () => {
  let repo: TestRepo;
  let s3: TestS3Server;
  let s3Dir: string;
  beforeAll(async () => {
    s3Dir = tempDir('runpages-flow-s3-');
    s3 = await startS3Server(s3Dir);
    repo = makeTestRepo({ 'README.md': '# flow\n', 'runpages.config.yaml': `store: s3://${S3_TEST_BUCKET}/flow\n` });
  });
  afterAll(async () => {
    await s3.close();
    repo.cleanup();
    rmSync(s3Dir, { recursive: true, force: true });
  });

  it('keeps the run queued with a clear message, then publishes, verifies and pulls it once S3 is back', async () => {
    const runDir = join(s3Dir, 'run');
    mkdirSync(join(runDir, 'artifacts', 'plots'), { recursive: true });
    const weights = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));
    writeFileSync(join(runDir, 'artifacts', 'model.bin'), weights);
    writeFileSync(join(runDir, 'artifacts', 'plots', 'loss.png'), LOSS_PNG);
    writeFileSync(join(runDir, 'metrics.jsonl'), '{"step": 1, "loss": 0.9}\n');

    const closed = `http://127.0.0.1:${await closedPort()}`;
    const down = { ...s3Env(closed), AWS_MAX_ATTEMPTS: '2' };
    const commit = await runCli(['commit', runDir, '--project', 'vision', '--name', 'while-s3-down', '--json'], { cwd: repo.dir, env: down });
    expect(commit.code).toBe(3);
    expect(commit.stderr).toContain(`Could not reach the S3 endpoint ${closed}`);
    expect(commit.stderr).toContain('runpages sync');
    const { id } = JSON.parse(commit.stdout) as { id: string };

    const env = s3Env(s3.endpoint);
    const sync = await runCli(['sync'], { cwd: repo.dir, env });
    expect(sync.code).toBe(0);
    expect(readFileSync(s3.objectPath(S3_TEST_BUCKET, `flow/${objectKey(sha256Bytes(weights))}`)).equals(weights)).toBe(true);

    const verify = await runCli(['verify', '--deep'], { cwd: repo.dir, env });
    expect(verify.stderr).toContain('2 objects referenced by 1 run in s3://runpages-test/flow: 2 ok');
    expect(verify.code).toBe(0);

    const pull = await runCli(['pull', id.slice(0, 12), '--out', 'pulled'], { cwd: repo.dir, env });
    expect(pull.code).toBe(0);
    expect(readFileSync(join(repo.dir, 'pulled', 'model.bin')).equals(weights)).toBe(true);
    expect(readFileSync(join(repo.dir, 'pulled', 'plots', 'loss.png')).equals(LOSS_PNG)).toBe(true);
  });
});
