/**
 * `runpages init`: a commented config that parses, `.runpages/` ignored once, the orphan runs branch
 * locally and on origin, safe to run again, clear errors where it cannot work.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BRANCH_README } from '../src/branch/commit.ts';
import { configTemplate } from '../src/config-template.ts';
import { ConfigSchema, GoalSchema, MetricDisplaySchema, ProjectConfigSchema, loadConfig, parseConfig } from '../src/config.ts';
import { parseYaml } from '../src/run/yaml.ts';
import { runCli } from './helpers/cli.ts';
import { git, makeTestRepo, tempDir, type TestRepo } from './helpers/git.ts';

let repo: TestRepo;
afterEach(() => repo?.cleanup());

describe('configTemplate', () => {
  const text = configTemplate({ title: 'My runs', branch: 'experiments', remote: 'upstream', store: 's3://bucket/runs', project: 'vision' });

  it('parses to the given values and nothing else', () => {
    expect(parseConfig(parseYaml(text, 'runpages.config.yaml'))).toEqual(
      parseConfig({ title: 'My runs', branch: 'experiments', remote: 'upstream', store: 's3://bucket/runs' }),
    );
  });

  it('explains every config key, and its commented examples are valid config', () => {
    const keys = [ConfigSchema, ProjectConfigSchema, GoalSchema, MetricDisplaySchema, ConfigSchema.shape.site.unwrap()].flatMap((schema) =>
      Object.keys(schema.shape),
    );
    for (const key of keys) expect(text).toMatch(new RegExp(`(^\\s*#?\\s*|[{,] )${key}:`, 'm'));
    const uncommented = text
      .replace(/^projects: \{\}$/m, 'projects:')
      .replace(/^#( {2}\S| {4})/gm, '$1')
      .replace(/^# (publicUrl:)/m, '$1')
      .replace(/^ {2}# (url:)/m, '  $1');
    const config = parseConfig(parseYaml(uncommented, 'uncommented.yaml'));
    expect(config.publicUrl).toBeDefined();
    expect(config.site.url).toBeDefined();
    expect(config.projects.vision?.goal).toMatchObject({ metric: 'val/acc', direction: 'max', target: 0.95 });
    expect(config.projects.vision?.metrics?.['val/acc']).toMatchObject({ format: 'percent' });
  });
});

describe('runpages init', () => {
  it('writes the config and .gitignore entry and creates the runs branch locally and on origin', async () => {
    repo = makeTestRepo({ 'README.md': '# test\n', '.gitignore': 'node_modules/' });
    const head = git(repo.dir, 'rev-parse', 'HEAD');
    const result = await runCli(['init', '--json'], { cwd: repo.dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ configWritten: true, gitignoreUpdated: true, branch: 'runs', branchCreated: true, pushed: true });

    expect(loadConfig(repo.dir)).toMatchObject({ branch: 'runs', remote: 'origin', store: '.runpages/objects', title: 'work' });
    expect(readFileSync(join(repo.dir, '.gitignore'), 'utf8')).toBe('node_modules/\n.runpages/\n');
    expect(git(repo.origin, 'rev-parse', 'runs')).toBe(git(repo.dir, 'rev-parse', 'runs'));
    expect(git(repo.origin, 'ls-tree', '-r', '--name-only', 'runs')).toBe('README.md');
    expect(git(repo.origin, 'show', 'runs:README.md')).toBe(BRANCH_README.trimEnd());
    expect(git(repo.dir, 'rev-list', '--count', 'runs')).toBe('1'); // an orphan: no history shared with main
    expect(git(repo.dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(repo.dir, 'status', '--porcelain')).toBe('M .gitignore\n?? runpages.config.yaml');
  }, 60_000);

  it('is safe to run again: keeps the config, the branch and the .gitignore as they are', async () => {
    repo = makeTestRepo();
    expect((await runCli(['init'], { cwd: repo.dir })).code).toBe(0);
    writeFileSync(join(repo.dir, 'runpages.config.yaml'), 'title: edited by hand\n');
    const tip = git(repo.dir, 'rev-parse', 'runs');

    const again = await runCli(['init', '--branch', 'other'], { cwd: repo.dir });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('runpages.config.yaml exists, so --branch/--remote/--store were not written to it');
    expect(again.stderr).toContain('the branch runs already exists');
    expect(readFileSync(join(repo.dir, 'runpages.config.yaml'), 'utf8')).toBe('title: edited by hand\n');
    expect(readFileSync(join(repo.dir, '.gitignore'), 'utf8')).toBe('.runpages/\n');
    expect(git(repo.dir, 'rev-parse', 'runs')).toBe(tip);
    expect(git(repo.origin, 'rev-parse', 'runs')).toBe(tip);
  }, 60_000);

  it('without a remote creates the branch locally, and sync pushes it once a remote exists', async () => {
    repo = makeTestRepo();
    git(repo.dir, 'remote', 'remove', 'origin');
    const result = await runCli(['init', '--store', '/tmp/elsewhere'], { cwd: repo.dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('No remote "origin"');
    expect(loadConfig(repo.dir).store).toBe('/tmp/elsewhere');
    expect(git(repo.dir, 'ls-tree', '--name-only', 'runs')).toBe('README.md');

    git(repo.dir, 'remote', 'add', 'origin', repo.origin);
    const sync = await runCli(['sync', '--json'], { cwd: repo.dir });
    expect(sync.code).toBe(0);
    expect(JSON.parse(sync.stdout)).toMatchObject({ published: [], queued: [], branchPushed: true });
    expect(git(repo.origin, 'rev-parse', 'runs')).toBe(git(repo.dir, 'rev-parse', 'runs'));
  }, 60_000);

  it('creates the branch locally and says how to push it when origin is unreachable', async () => {
    repo = makeTestRepo();
    git(repo.dir, 'remote', 'set-url', 'origin', join(repo.dir, 'gone.git'));
    const result = await runCli(['init'], { cwd: repo.dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /error The runs branch exists locally but could not be pushed: cannot fetch "runs" from the remote "origin": fatal: .*gone\.git/,
    );
    expect(result.stderr).toContain('runpages sync');
    expect(git(repo.dir, 'ls-tree', '--name-only', 'runs')).toBe('README.md');
  }, 60_000);

  it('commits as runpages when git has no identity configured (a bare CI container)', async () => {
    const dir = tempDir();
    execFileSync('git', ['init', '-q', '-b', 'main', dir]);
    // useConfigOnly: git must not guess a name from the host either, as in a minimal container.
    const noIdentity = {
      HOME: dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'user.useConfigOnly',
      GIT_CONFIG_VALUE_0: 'true',
      GIT_AUTHOR_NAME: undefined,
      GIT_AUTHOR_EMAIL: undefined,
      GIT_COMMITTER_NAME: undefined,
      GIT_COMMITTER_EMAIL: undefined,
      EMAIL: undefined,
    };
    const result = await runCli(['init'], { cwd: dir, env: noIdentity });
    expect(result.code).toBe(0);
    expect(execFileSync('git', ['log', '--format=%an <%ae>', 'runs'], { cwd: dir, encoding: 'utf8', env: { ...process.env, HOME: dir } }).trim()).toBe(
      'runpages <runpages@localhost>',
    );
  });

  it('refuses outside a git repository, saying what to do', async () => {
    const dir = tempDir();
    const result = await runCli(['init'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is not inside a git repository');
    expect(result.stderr).toContain('git init');
    expect(existsSync(join(dir, 'runpages.config.yaml'))).toBe(false);
  });

  it('with --github-pages writes the publish workflow and carries the trigger workflow to origin/runs', async () => {
    repo = makeTestRepo();
    const result = await runCli(['init', '--github-pages'], { cwd: repo.dir });
    expect(result.stderr).not.toContain('error');
    expect(result.code).toBe(0);
    expect(existsSync(join(repo.dir, '.github', 'workflows', 'runpages.yml'))).toBe(true);
    expect(git(repo.origin, 'ls-tree', '-r', '--name-only', 'runs').split('\n')).toEqual(['.github/workflows/runpages-trigger.yml', 'README.md']);
  }, 60_000);
});
