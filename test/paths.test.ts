/**
 * No path escapes: artifact paths, run ids, project names, `..`, absolute paths and symlinks can never
 * make runpages read or write outside the run directory (commit reading artifacts/), the object
 * store, the `pull --out` folder or the site's output folder (see also the hostile corpus, whose
 * `..` ids, projects and artifact paths are skipped by the build).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPull } from '../src/store/pull.ts';
import { LocalStore } from '../src/store/local.ts';
import { runCli } from './helpers/cli.ts';
import { git, makeTestRepo, type TestRepo } from './helpers/git.ts';

let repo: TestRepo;
/** A folder beside the repository, standing for everything runpages must not touch. */
let outside: string;

beforeAll(() => {
  repo = makeTestRepo({ 'README.md': '# paths\n', '.gitignore': '.runpages/\nrun-*/\npulled*/\n' });
  outside = join(repo.dir, '..', 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'outside the run\n');
});
afterAll(() => repo.cleanup());

function runDir(name: string, files: Record<string, string> = {}): string {
  const dir = join(repo.dir, `run-${name}`);
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  writeFileSync(join(dir, 'metrics.jsonl'), '{"step": 1, "acc": 0.5}\n');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, 'artifacts', path, '..'), { recursive: true });
    writeFileSync(join(dir, 'artifacts', path), content);
  }
  return dir;
}

function publishedFiles(): string[] {
  return git(repo.origin, 'for-each-ref', 'refs/heads/runs') ? git(repo.origin, 'ls-tree', '-r', '--name-only', 'runs').split('\n') : [];
}

describe('commit reads only inside the run directory', () => {
  it('refuses an artifact that is a symlink to a file outside the run', async () => {
    const dir = runDir('link-file');
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'artifacts', 'secret.txt'));
    const result = await runCli(['commit', dir, '--project', 'paths'], { cwd: repo.dir });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('artifacts/secret.txt');
    expect(result.stderr).toMatch(/symbolic link .*outside the run directory/);
    expect(publishedFiles()).toEqual([]);
  });

  it('refuses a symlinked folder inside artifacts/ that leads outside', async () => {
    const dir = runDir('link-dir', { 'ok.txt': 'fine\n' });
    symlinkSync(outside, join(dir, 'artifacts', 'escape'));
    const result = await runCli(['commit', dir, '--project', 'paths'], { cwd: repo.dir });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('artifacts/escape');
    expect(publishedFiles()).toEqual([]);
  });

  it('refuses artifacts/ itself linked to a folder outside', async () => {
    const dir = join(repo.dir, 'run-link-root');
    mkdirSync(dir);
    writeFileSync(join(dir, 'metrics.jsonl'), '{"step": 1, "acc": 0.5}\n');
    symlinkSync(outside, join(dir, 'artifacts'));
    const result = await runCli(['commit', dir, '--project', 'paths'], { cwd: repo.dir });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('artifacts');
    expect(publishedFiles()).toEqual([]);
  });

  it.each(['../escape', 'a/b', '/abs', '..'])('refuses the project name %j before writing anything', async (project) => {
    const result = await runCli(['commit', runDir(`project-${project.replace(/\W/g, '_')}`), '--project', project], { cwd: repo.dir });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('project');
    expect(publishedFiles()).toEqual([]);
    expect(existsSync(join(repo.dir, '..', 'escape'))).toBe(false);
    expect(readdirSync(outside)).toEqual(['secret.txt']);
  });
});

describe('the object store reads and writes only its own keys', () => {
  it.each(['../../../etc/passwd', `${'a'.repeat(62)}/..`, '/etc/passwd', 'A'.repeat(64)])('refuses the key %j', async (key) => {
    const store = new LocalStore(join(repo.dir, '.runpages', 'objects'));
    expect(() => store.pathOf(key)).toThrow(/sha256/);
    await expect(store.stat(key)).rejects.toThrow(/sha256/);
    await expect(store.getFile(key, join(repo.dir, 'pulled-x'))).rejects.toThrow(/sha256/);
  });
});

describe('pull writes only inside its --out folder', () => {
  it.each(['../escape.txt', 'a/../../escape.txt', '/tmp/escape.txt', 'a\\..\\..\\escape.txt'])('plans no write for the artifact path %j', (path) => {
    const record = { id: 'r1', artifacts: [{ path, sha256: 'a'.repeat(64), size: 1 }] };
    expect(planPull(record, undefined, join(repo.dir, 'pulled'))).toMatchObject([{ path, refused: expect.stringContaining('the path') }]);
  });

  it('refuses to follow a symlink in the output folder that leads outside', async () => {
    const dir = runDir('pullable', { 'plots/loss.txt': 'loss\n', 'model.bin': 'weights\n' });
    const commit = await runCli(['commit', dir, '--project', 'paths', '--name', 'pullable', '--json'], { cwd: repo.dir });
    expect(commit.code, commit.stderr).toBe(0);
    const out = join(repo.dir, 'pulled-link');
    mkdirSync(out);
    symlinkSync(outside, join(out, 'plots'));
    const pull = await runCli(['pull', 'pullable', '--out', out], { cwd: repo.dir });
    expect(pull.code).not.toBe(0);
    expect(pull.stderr).toContain('plots/loss.txt');
    expect(readdirSync(outside)).toEqual(['secret.txt']);
    // Without the trap the same pull works, so the refusal was about the link.
    const clean = await runCli(['pull', 'pullable', '--out', join(repo.dir, 'pulled-clean')], { cwd: repo.dir });
    expect(clean.code, clean.stderr).toBe(0);
    expect(readdirSync(join(repo.dir, 'pulled-clean', 'plots'))).toEqual(['loss.txt']);
  });

  it('reports a refused artifact naming the run, the path and why, pulls the rest, and fails at the end; --force replaces', async () => {
    const dir = runDir('keepmine', { 'model.bin': 'weights\n', 'notes.txt': 'notes\n' });
    const commit = await runCli(['commit', dir, '--project', 'paths', '--name', 'keepmine', '--json'], { cwd: repo.dir });
    expect(commit.code, commit.stderr).toBe(0);
    const out = join(repo.dir, 'pulled-keep');
    mkdirSync(out);
    writeFileSync(join(out, 'model.bin'), 'my own work\n');
    const pull = await runCli(['pull', 'keepmine', '--out', out], { cwd: repo.dir });
    expect(pull.code).not.toBe(0);
    expect(pull.stderr).toMatch(/warning run \w+: artifact "model.bin" not written: a different file is already there \(pass --force to replace it\)/);
    expect(readFileSync(join(out, 'model.bin'), 'utf8')).toBe('my own work\n');
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('notes\n');
    const forced = await runCli(['pull', 'keepmine', '--out', out, '--force'], { cwd: repo.dir });
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(out, 'model.bin'), 'utf8')).toBe('weights\n');
  });

  it('refuses to record a run whose artifacts hold a .git folder, so it never reaches the branch', async () => {
    const dir = runDir('gitplant', { '.git/config': '[core]\n\tfsmonitor = "touch pwned"\n', 'ok.txt': 'ok\n' });
    const before = publishedFiles();
    const result = await runCli(['commit', dir, '--project', 'paths', '--name', 'gitplant'], { cwd: repo.dir });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('artifacts/.git');
    expect(result.stderr).toContain('.git folder');
    expect(publishedFiles()).toEqual(before);
  });

  it('finds no run named like a path', async () => {
    const pull = await runCli(['pull', '../../outside', '--out', join(repo.dir, 'pulled-none')], { cwd: repo.dir });
    expect(pull.code).not.toBe(0);
    expect(readdirSync(outside)).toEqual(['secret.txt']);
    expect(existsSync(join(repo.dir, 'pulled-none'))).toBe(false);
  });
});
