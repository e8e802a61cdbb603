/**
 * Files written from run data: an artifact path is refused when it would leave the output folder
 * or plant something a tool there obeys (a `.git` folder whose config sets `core.fsmonitor`), in
 * any spelling; `pull` never follows a symlink already in the destination, never replaces a
 * different file unasked, reports each refused artifact and still pulls the rest; such a path never
 * reaches the branch (the schema, the recorder, the TypeScript API and the importers refuse it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPathProblem } from '../src/run/artifact-path.ts';
import { RunRecordSchema } from '../src/run/schema.ts';
import { prepareRunDir } from '../src/record/run-dir.ts';
import { startRun } from '../src/record/api.ts';
import { sha256Bytes } from '../src/store/hash.ts';
import { LocalStore } from '../src/store/local.ts';
import { planPull, pullArtifacts, pullFailure } from '../src/store/pull.ts';
import { makeTestRepo, TEST_GIT_ENV, tempDir } from './helpers/git.ts';

/** One representative per class of hostile artifact path. */
const HOSTILE = [
  '.git/config',
  '.git/HEAD',
  '.git/hooks/post-checkout',
  'sub/.git/config',
  '.GIT/config',
  '.Git/config',
  '.git./config',
  '.git /config',
  '.git. . /config',
  'git~1/config',
  'GIT~2/config',
  '.git::$INDEX_ALLOCATION/config',
  '../x',
  '../../x',
  'a/../../b',
  'a/..',
  '/etc/passwd',
  '/tmp/x',
  'C:/Windows/x',
  'c:x',
  '..\\x',
  'a\\..\\..\\x',
  '',
  'a//b',
  'a/',
  '/',
  './a',
  'a/./b',
  'CON',
  'nul.txt',
  'plots/aux',
  'COM1.log',
  'lpt9',
  'a\u0000b',
  'a\nb',
  'a\u001b]52;c;x\u0007',
  'a\u009bb',
  'a\rb',
];

const MARKER_CONFIG = (marker: string) => `[core]\n\trepositoryformatversion = 0\n\tfsmonitor = "touch ${marker}; false"\n`;

function run(artifacts: { path: string; data: Uint8Array }[]) {
  return { id: '01JEVIL0000000000000000000', artifacts: artifacts.map(({ path, data }) => ({ path, sha256: sha256Bytes(data), size: data.length })) };
}

describe('artifactPathProblem', () => {
  it.each(HOSTILE)('refuses %j', (path) => {
    expect(artifactPathProblem(path)).toBeDefined();
  });

  it('accepts ordinary artifact paths, odd characters included', () => {
    for (const path of [
      'model.pt',
      'plots/loss.png',
      'a b/c.d',
      '.gitignore',
      '.github/x.yml',
      'git',
      'gitx/.git_keep',
      'ckpt:step=10',
      'x <img src=x>"',
      'déjà/vu',
      'CONSOLE.txt',
      'com10',
    ]) {
      expect(artifactPathProblem(path), path).toBeUndefined();
    }
  });

  it('every accepted path stays inside the folder, with no .git component in any spelling (property)', () => {
    const segment = fc.oneof(
      fc.string({ unit: 'binary', minLength: 0, maxLength: 8 }),
      fc.constantFrom('.git', '.GIT', '.git.', '.git ', 'git~1', '..', '.', '', 'CON', 'a', 'b.txt'),
    );
    const root = resolve('/srv/out');
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.constantFrom('/', '\\'), (parts, joiner) => {
        const path = parts.join(joiner);
        if (artifactPathProblem(path) !== undefined) return;
        const file = resolve(root, ...path.split('/'));
        expect(file.startsWith(root + sep)).toBe(true);
        for (const part of relative(root, file).split(sep)) {
          expect(
            part
              .split(':')[0]!
              .replace(/[. ]+$/, '')
              .toLowerCase(),
          ).not.toBe('.git');
          expect(part).not.toMatch(/[\u0000-\u001f\u007f-\u009f\\]/);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('makes the loader flag a run listing such a path as invalid, naming the field', () => {
    for (const path of ['.git/config', 'GIT~1/config', '..\\x', 'a\u001bb']) {
      const result = RunRecordSchema.safeParse({
        schema: 'runpages/run@1',
        id: '01JEVIL0000000000000000000',
        project: 'p',
        name: 'n',
        status: 'finished',
        created: '2026-11-01T00:00:00Z',
        artifacts: [{ path, sha256: 'a'.repeat(64), size: 1 }],
      });
      expect(result.success, path).toBe(false);
      expect(JSON.stringify(result.error?.issues), path).toContain('artifacts');
    }
  });
});

describe('pull of a run with hostile artifact paths', () => {
  let dir: string;
  let store: LocalStore;
  const good = new TextEncoder().encode('good bytes\n');

  beforeAll(async () => {
    dir = tempDir('runpages-safe-pull-');
    store = new LocalStore(join(dir, 'objects'));
    await store.putBytes(good);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A fresh git repository with a marker file path that a planted fsmonitor would create. */
  function repo(name: string): { out: string; marker: string } {
    const out = join(dir, name);
    mkdirSync(out, { recursive: true });
    execFileSync('git', ['init', '-q', out], { env: { ...process.env, ...TEST_GIT_ENV } });
    return { out, marker: join(dir, `${name}.pwned`) };
  }

  it.each(HOSTILE)('writes nothing for %j, and the other artifacts still come down', async (path) => {
    const { out, marker } = repo(`r${HOSTILE.indexOf(path)}`);
    const payload = new TextEncoder().encode(MARKER_CONFIG(marker));
    await store.putBytes(payload);
    const gitConfig = readFileSync(join(out, '.git', 'config'), 'utf8');
    const record = run([
      { path, data: payload },
      { path: 'fine/ok.txt', data: good },
    ]);
    const results = await pullArtifacts(store, record.id, planPull(record, undefined, out), out);
    const refused = results.find((r) => r.path === path);
    expect(refused?.status).toBe('refused');
    expect(refused?.reason).toBeTruthy();
    expect(results.find((r) => r.path === 'fine/ok.txt')?.status).toBe('pulled');
    // Nothing outside, nothing under .git, only the good file inside.
    expect(readdirSync(out).sort()).toEqual(['.git', 'fine']);
    expect(readFileSync(join(out, '.git', 'config'), 'utf8')).toBe(gitConfig);
    expect(readdirSync(dir).filter((f) => f === 'x' || f === 'b')).toEqual([]);
    // A refused artifact fails the pull at the end, naming the run, the path and why.
    const failure = pullFailure(record.id, store.location, results);
    expect(failure?.message).toContain(record.id);
    expect(failure?.message).toContain('not written');
    // git status in the pulled folder runs no planted fsmonitor.
    execFileSync('git', ['status', '--porcelain'], { cwd: out, env: { ...process.env, ...TEST_GIT_ENV } });
    expect(existsSync(marker)).toBe(false);
  });

  it('would have run the planted fsmonitor, had the config been written (the test can fail)', () => {
    const { out, marker } = repo('control');
    writeFileSync(join(out, '.git', 'config'), MARKER_CONFIG(marker));
    execFileSync('git', ['status', '--porcelain'], { cwd: out, env: { ...process.env, ...TEST_GIT_ENV } });
    expect(existsSync(marker)).toBe(true);
  });

  it('into the default ./<run-id>/ folder, creates no .git folder, so it never becomes a repository', async () => {
    const out = join(dir, 'default', '01JEVIL0000000000000000000');
    const record = run(HOSTILE.map((path) => ({ path, data: good })));
    const results = await pullArtifacts(store, record.id, planPull(record, undefined, out), out);
    expect(results.every((r) => r.status === 'refused')).toBe(true);
    expect(readdirSync(out)).toEqual([]);
    expect(readdirSync(join(dir, 'default'))).toEqual(['01JEVIL0000000000000000000']);
  });

  it('never follows a symlink in the destination, folder or file', async () => {
    const out = join(dir, 'links');
    const outside = join(dir, 'outside');
    mkdirSync(out);
    mkdirSync(outside);
    writeFileSync(join(outside, 'victim.txt'), 'keep me');
    symlinkSync(outside, join(out, 'plots'));
    symlinkSync(join(outside, 'victim.txt'), join(out, 'model.bin'));
    const record = run([
      { path: 'plots/loss.png', data: good },
      { path: 'model.bin', data: good },
      { path: 'ok.txt', data: good },
    ]);
    for (const overwrite of [false, true]) {
      const results = await pullArtifacts(store, record.id, planPull(record, undefined, out), out, undefined, { overwrite });
      expect(results.map((r) => [r.path, r.status])).toEqual([
        ['model.bin', 'refused'],
        ['ok.txt', overwrite ? 'already-there' : 'pulled'],
        ['plots/loss.png', 'refused'],
      ]);
    }
    expect(readdirSync(outside)).toEqual(['victim.txt']);
    expect(readFileSync(join(outside, 'victim.txt'), 'utf8')).toBe('keep me');
    expect(lstatSync(join(out, 'model.bin')).isSymbolicLink()).toBe(true);
  });

  it('keeps an existing different file unless asked to replace it, and leaves an identical one alone', async () => {
    const out = join(dir, 'existing');
    mkdirSync(out);
    writeFileSync(join(out, 'model.bin'), 'my own work');
    writeFileSync(join(out, 'same.txt'), good);
    const record = run([
      { path: 'model.bin', data: good },
      { path: 'same.txt', data: good },
    ]);
    const first = await pullArtifacts(store, record.id, planPull(record, undefined, out), out);
    expect(first.map((r) => r.status)).toEqual(['refused', 'already-there']);
    expect(first[0]?.reason).toContain('--force');
    expect(readFileSync(join(out, 'model.bin'), 'utf8')).toBe('my own work');
    const forced = await pullArtifacts(store, record.id, planPull(record, undefined, out), out, undefined, { overwrite: true });
    expect(forced.map((r) => r.status)).toEqual(['pulled', 'already-there']);
    expect(readFileSync(join(out, 'model.bin'))).toEqual(Buffer.from(good));
    // No temporary file is left behind.
    expect(readdirSync(out).sort()).toEqual(['model.bin', 'same.txt']);
  });
});

describe('hostile artifact names never reach the branch', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('runpages-safe-record-');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['.git/config', 'sub/.GIT/config', 'git~1/x', 'a\u001bb', 'nul'])('the recorder refuses a run directory with the artifact %j', async (path) => {
    const run = join(dir, `run-${Math.random().toString(36).slice(2)}`);
    mkdirSync(join(run, 'artifacts', ...path.split('/').slice(0, -1)), { recursive: true });
    writeFileSync(join(run, 'artifacts', ...path.split('/')), 'x');
    writeFileSync(join(run, 'run.yaml'), 'name: r\nproject: p\n');
    await expect(prepareRunDir(run, {}, { cwd: dir, now: () => new Date('2026-11-01T00:00:00Z') })).rejects.toThrow(/cannot be an artifact/);
  });

  it('the TypeScript API refuses an unsafe artifact name', async () => {
    const repo = makeTestRepo();
    try {
      writeFileSync(join(repo.dir, 'file.txt'), 'x');
      const r = await startRun({ project: 'p', name: 'api', cwd: repo.dir, dir: join(repo.dir, 'api-run') });
      for (const name of ['.git/config', '../x', 'a/../../b', '/abs', 'GIT~1']) {
        await expect(r.artifact(join(repo.dir, 'file.txt'), name)).rejects.toThrow(/artifact name/);
      }
      await r.artifact(join(repo.dir, 'file.txt'), 'plots/file.txt');
      expect(existsSync(join(repo.dir, 'api-run', 'artifacts', 'plots', 'file.txt'))).toBe(true);
      expect(existsSync(join(repo.dir, 'x'))).toBe(false);
    } finally {
      repo.cleanup();
    }
  });
});

describe('importers', () => {
  it('leave out artifact files whose names could not be pulled safely, with a warning, and keep the rest', async () => {
    const { prepareImportedRun } = await import('../src/import/imported-run.ts');
    const dir = tempDir('runpages-safe-import-');
    try {
      const source = join(dir, 'mlruns-artifacts');
      mkdirSync(join(source, '.git'), { recursive: true });
      mkdirSync(join(source, 'sub', 'GIT~1'), { recursive: true });
      writeFileSync(join(source, '.git', 'config'), '[core]\n\tfsmonitor = "touch pwned"\n');
      writeFileSync(join(source, 'sub', 'GIT~1', 'x'), 'x');
      writeFileSync(join(source, 'a\u001bb.txt'), 'x');
      writeFileSync(join(source, 'ok.txt'), 'fine');
      const warnings: string[] = [];
      const prepared = await prepareImportedRun(
        {
          record: { id: '0123456789abcdef0123456789abcdef', name: 'imported', project: 'p', status: 'finished', created: '2026-11-01T00:00:00Z' },
          series: new Map(),
          summary: {},
          artifactsDir: source,
          source: 'mlruns/0/run',
          warnings,
        },
        { cwd: dir, stagingRoot: join(dir, 'staging') },
      );
      expect(prepared.record.artifacts.map((a) => a.path)).toEqual(['ok.txt']);
      expect(warnings.join('\n')).toContain('".git" not imported');
      expect(warnings.join('\n')).toContain('"sub/GIT~1" not imported');
      expect(warnings).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
