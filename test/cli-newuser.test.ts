/**
 * Mistakes a new user makes in their first hour, each answered with a message that names the problem
 * and a hint that says what to do (found by walking through the packed CLI in a scratch project).
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { git, makeTestRepo, tempDir } from './helpers/git.ts';

const COMPARE_FIXTURE = new URL('./fixtures/compare-site/', import.meta.url).pathname;
const MLFLOW_FIXTURE = new URL('./fixtures/mlflow/', import.meta.url).pathname;
const repo = makeTestRepo();
cpSync(COMPARE_FIXTURE, repo.dir, { recursive: true });
afterAll(() => repo.cleanup());

/** Writes runpages.config.yaml into the fixture repo, then runs the CLI there. */
async function withConfig(config: string, args: string[]) {
  writeFileSync(join(repo.dir, 'runpages.config.yaml'), config);
  return runCli(args, { cwd: repo.dir });
}

describe('runpages --help and --version', () => {
  it('shows examples and points at per-command help', async () => {
    const result = await runCli(['--help'], { cwd: repo.dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Examples:\n  $ runpages init ');
    expect(result.stdout).toContain('$ runpages record -- python train.py');
    expect(result.stdout).toContain('Run "runpages <command> --help"');
  });

  it("prints runpages' own version, not the version of the project npx runs it in", async () => {
    const own = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    const result = await runCli(['--version'], { cwd: repo.dir, env: { npm_package_version: '9.9.9-user-project' } });
    expect(result.stdout.trim()).toBe(own);
  });
});

describe('a malformed runpages.config.yaml', () => {
  it('names the line of a YAML syntax error', async () => {
    const result = await withConfig('title: demo\nbranch: [runs\n', ['ls', '--from', 'runs']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error runpages\.config\.yaml:3: is not valid YAML: /m);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('names a misspelt key and lists the keys that exist there', async () => {
    const top = await withConfig('title: demo\nbranh: runs\n', ['ls', '--from', 'runs']);
    expect(top.code).toBe(1);
    expect(top.stderr).toContain('error runpages.config.yaml: field "branh" is not a known key');
    expect(top.stderr).toContain(
      'hint  Check the spelling: the keys at the top level are title, branch, remote, store, publicUrl, site, live, system, push, projects.',
    );
    expect(top.stderr).not.toContain('Unrecognized key');

    // Several problems: one a line, lined up under the first.
    const two = await withConfig('branh: runs\nremot: origin\n', ['ls', '--from', 'runs']);
    expect(two.stderr).toContain(
      'error runpages.config.yaml: field "branh" is not a known key\n      runpages.config.yaml: field "remot" is not a known key\n',
    );

    const nested = await withConfig('projects:\n  mnist:\n    goal:\n      metric: acc\n      dir: max\n', ['ls', '--from', 'runs']);
    expect(nested.stderr).toContain('field "projects.mnist.goal.dir" is not a known key');
    expect(nested.stderr).toContain('the keys under projects.mnist.goal are metric, direction, target, baseline.');
  });
});

describe('runpages compare', () => {
  it('refuses a single run and points at show', async () => {
    writeFileSync(join(repo.dir, 'runpages.config.yaml'), 'title: demo\n');
    const result = await runCli(['compare', '01JC1A', '--from', 'runs'], { cwd: repo.dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('error compare needs two or more different runs; got "01JC1A".');
    expect(result.stderr).toContain('runpages show <run>');
    const same = await runCli(['compare', '01JC1A', '01JC1AAAAA', '--from', 'runs'], { cwd: repo.dir });
    expect(same.code).toBe(1);
    expect(same.stderr).toContain('compare needs two or more different runs');
  });
});

describe('runpages import mlflow', () => {
  it('given the folder that holds mlruns/, names the store inside instead of importing nothing', async () => {
    const result = await runCli(['import', 'mlflow', MLFLOW_FIXTURE, '--dry-run'], { cwd: repo.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('holds no MLflow experiments (folders with a meta.yaml)');
    expect(result.stderr).toContain(`hint  Pass the store inside it: runpages import mlflow ${join(MLFLOW_FIXTURE, 'mlruns')}`);
    expect(result.stderr).not.toContain('✔');
  });

  it('says plainly when the folder does not exist', async () => {
    const result = await runCli(['import', 'mlflow', join(repo.dir, 'no-such-mlruns')], { cwd: repo.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no-such-mlruns: there is no such folder');
    expect(result.stderr).not.toContain('ENOENT');
  });

  it('counts runs in words on a dry run', async () => {
    const result = await runCli(['import', 'mlflow', join(MLFLOW_FIXTURE, 'mlruns'), '--dry-run'], { cwd: repo.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Dry run: would import 3 runs; skipped 3 (see the warnings above)');
    expect(result.stderr).not.toContain('run(s)');
  });
});

describe('reading the runs branch where there is none', () => {
  it('--from a file is an error with a hint, not an unexpected error', async () => {
    writeFileSync(join(repo.dir, 'not-a-folder'), 'x');
    const result = await runCli(['ls', '--from', './not-a-folder'], { cwd: repo.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error There is no folder of runs at ${join(repo.dir, 'not-a-folder')} (it is a file)`);
    expect(result.stderr).not.toContain('unexpected error');
  });

  it('outside a git repository says so instead of naming a missing branch', async () => {
    const outside = tempDir();
    try {
      const result = await runCli(['ls'], { cwd: outside });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`error ${outside} is not inside a git repository, so there is no "runs" branch to read runs from`);
      expect(result.stderr).toContain('--from <dir>');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('in a fresh clone (runs only on origin) says how to get the local branch', async () => {
    const clone = makeTestRepo();
    try {
      const init = await runCli(['init'], { cwd: clone.dir });
      expect(init.code, init.stderr).toBe(0);
      git(clone.dir, 'branch', '-D', 'runs');
      const result = await runCli(['ls'], { cwd: clone.dir });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('error There is no local branch "runs" yet; origin has one');
      expect(result.stderr).toContain('git branch runs origin/runs');
      const direct = await runCli(['ls', '--from', 'origin/runs'], { cwd: clone.dir });
      expect(direct.code, direct.stderr).toBe(0);
    } finally {
      clone.cleanup();
    }
  });
});

describe('runpages init', () => {
  it('says which new files to commit on the default branch, once', async () => {
    const fresh = makeTestRepo();
    try {
      const first = await runCli(['init', '--github-pages'], { cwd: fresh.dir });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stderr).toContain(
        'Commit runpages.config.yaml, .gitignore, .github/workflows/runpages.yml on your default branch: ' +
          '`git add runpages.config.yaml .gitignore .github/workflows/runpages.yml && git commit -m "Set up runpages"`.',
      );
      // Running it again writes nothing new, so there is nothing to commit.
      const again = await runCli(['init'], { cwd: fresh.dir });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).not.toContain('Commit ');
      expect(again.stderr).toContain('Next: record a run');
    } finally {
      fresh.cleanup();
    }
  });
});

describe('runpages preview', () => {
  it('on a port in use says so and how to pick another, without a stack trace', async () => {
    const site = join(repo.dir, 'site-out');
    mkdirSync(site, { recursive: true });
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>x</title>');
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
    const port = (taken.address() as { port: number }).port;
    try {
      const result = await runCli(['preview', site, '--port', String(port)], { cwd: repo.dir });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`error Cannot serve on 127.0.0.1:${port}: the port is already in use (another preview?)`);
      expect(result.stderr).toContain('hint  Pick another with --port <n>, or --port 0 for any free one.');
      expect(result.stderr).not.toContain('unexpected error');
    } finally {
      taken.close();
    }
  });
});

describe('runpages build --out', () => {
  it('fails fast, before any work, when the output folder cannot be written', async () => {
    writeFileSync(join(repo.dir, 'a-file'), 'x');
    const blocked = await runCli(['build', '--from', 'runs', '--out', 'a-file/site'], { cwd: repo.dir });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain(`error Cannot write the site to ${join(repo.dir, 'a-file/site')}: a file is in the way`);
    expect(blocked.stderr).not.toContain('Loading runs');
    // Node's recursive mkdir spins forever under /proc; the build used to hang there.
    const proc = await runCli(['build', '--from', 'runs', '--out', '/proc/runpages-no-such-dir/site'], { cwd: repo.dir, timeoutMs: 30_000 });
    expect(proc.signal).toBeNull();
    expect(proc.code).toBe(1);
    expect(proc.stderr).toContain('error Cannot write the site to /proc/runpages-no-such-dir/site: the folder cannot be created or written there');
  });
});

describe('runpages record', () => {
  // A command that never ran is not a run: it used to be published as a junk failed run.
  it('says a misspelt command was not found, exits 127 like a shell, and records no run', async () => {
    const result = await runCli(['record', '--project', 'typo', '--', 'pythn3', 'train.py'], { cwd: repo.dir });
    expect(result.code).toBe(127);
    expect(result.stderr).toContain('runpages: command not found: "pythn3" (check its spelling, or that it is on PATH); nothing was recorded');
    expect(result.stderr).not.toContain('ENOENT');
    const hasBranch = git(repo.origin, 'branch', '--list', 'runs') !== '';
    expect(hasBranch ? git(repo.origin, 'ls-tree', '-r', '--name-only', 'runs', 'runs/typo/') : '').toBe('');
  });
});
