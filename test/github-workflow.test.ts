import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fg from 'fast-glob';
import { afterAll, describe, expect, it } from 'vitest';
import { parseYaml } from '../src/run/yaml.ts';
import { commitFolders, commitRuns } from '../src/branch/commit.ts';
import { FILE_MODE, ObjectReader, writeBlobs, writeTrees } from '../src/git/objects.ts';
import { ACTIONS, publishWorkflow, setUpGithubPages, triggerWorkflow, TRIGGER_WORKFLOW } from '../src/publish/github.ts';
import type { PreparedRun } from '../src/run/prepared.ts';
import { parseRunRecord } from '../src/run/validate.ts';
import { BIN, runCli } from './helpers/cli.ts';
import { git, makeTestRepo, TEST_GIT_ENV, tempDir } from './helpers/git.ts';
import { checkLinks } from './helpers/links.ts';

/** The project's one YAML reader; `any` because the tests read fields of files they know. */
const parse = (text: string): any => parseYaml(text, 'test.yaml');

const FIXTURE = new URL('./fixtures/compare-site/', import.meta.url).pathname;

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  id?: string;
  with?: Record<string, unknown>;
}

const workflow = parse(publishWorkflow({ branch: 'runs', defaultBranch: 'main', version: '^0.1.0' }));
const buildSteps: Step[] = workflow.jobs.build.steps;

describe('the publish workflow', () => {
  it('is triggered by config pushes, dispatches and a schedule', () => {
    expect(workflow.on.push).toEqual({ branches: ['main'], paths: ['runpages.config.yaml', 'comparisons/**', '.github/workflows/runpages.yml'] });
    expect(workflow.on).toHaveProperty('workflow_dispatch');
    expect(workflow.on.repository_dispatch).toEqual({ types: ['runpages-runs'] });
    expect(workflow.on.schedule[0].cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
  });

  it('may deploy Pages and collapses bursts into one build', () => {
    expect(workflow.permissions).toEqual({ contents: 'read', pages: 'write', 'id-token': 'write' });
    expect(workflow.concurrency).toEqual({ group: 'pages', 'cancel-in-progress': true });
  });

  it('builds with current actions and deploys to the github-pages environment', () => {
    expect(buildSteps.map((step) => step.uses).filter(Boolean)).toEqual([
      ACTIONS.checkout,
      ACTIONS.setupNode,
      ACTIONS.configurePages,
      ACTIONS.cache,
      ACTIONS.uploadPagesArtifact,
    ]);
    expect(buildSteps.find((step) => step.uses === ACTIONS.setupNode)?.with).toEqual({ 'node-version': 24 });
    expect(buildSteps.find((step) => step.uses === ACTIONS.uploadPagesArtifact)?.with).toEqual({ path: '_site' });
    expect(buildSteps.find((step) => step.uses === ACTIONS.cache)?.with).toEqual({ path: '.runpages/cache', key: 'runpages-${{ github.run_id }}', 'restore-keys': 'runpages-' });
    expect(workflow.jobs.deploy.needs).toBe('build');
    expect(workflow.jobs.deploy.environment.name).toBe('github-pages');
    expect(workflow.jobs.deploy.steps[0].uses).toBe(ACTIONS.deployPages);
    const build = buildSteps.find((step) => step.run?.startsWith('runpages build'));
    expect(build?.run).toBe('runpages build --from "origin/runs" --out _site --base "${{ steps.pages.outputs.base_path }}/"');
  });

  it('uses a fixed base when one is given', () => {
    const fixed = parse(publishWorkflow({ branch: 'experiments', defaultBranch: 'trunk', version: '^0.1.0', base: '/models/' }));
    const steps: Step[] = fixed.jobs.build.steps;
    expect(steps.find((step) => step.run?.startsWith('runpages build'))?.run).toBe('runpages build --from "origin/experiments" --out _site --base "/models/"');
    expect(steps.find((step) => step.run?.startsWith('git fetch'))?.run).toContain('+refs/heads/experiments:refs/remotes/origin/experiments');
    expect(fixed.on.push.branches).toEqual(['trunk']);
  });
});

describe('the trigger workflow', () => {
  const trigger = parse(triggerWorkflow({ branch: 'runs' }));
  it('dispatches the publish workflow on pushes of runs, with actions: write', () => {
    expect(trigger.on).toEqual({ push: { branches: ['runs'] } });
    expect(trigger.permissions).toEqual({ actions: 'write' });
    const step = trigger.jobs.dispatch.steps[0];
    expect(step.run).toBe('gh workflow run "runpages.yml" --repo "$GITHUB_REPOSITORY" --ref "${{ github.event.repository.default_branch }}"');
    expect(step.env).toEqual({ GH_TOKEN: '${{ github.token }}' });
  });
});

function fixtureRuns(): PreparedRun[] {
  return fg.sync('runs/*/*/*/run.yaml', { cwd: FIXTURE }).map((file) => {
    const text = readFileSync(join(FIXTURE, file), 'utf8');
    const series = join(FIXTURE, file.replace('run.yaml', 'series.json'));
    const files: Record<string, string> = { 'run.yaml': text };
    if (existsSync(series)) files['series.json'] = readFileSync(series, 'utf8');
    return { record: parseRunRecord(parseYaml(text, file), file), files, objects: [] };
  });
}

describe('setting up GitHub Pages in a repository', () => {
  const repo = makeTestRepo({ 'README.md': '# models\n', 'runpages.config.yaml': readFileSync(join(FIXTURE, 'runpages.config.yaml'), 'utf8') });
  afterAll(() => repo.cleanup());

  it('writes the publish workflow to the working tree and the trigger onto the runs branch only', async () => {
    writeFileSync(join(repo.dir, 'scratch.txt'), 'uncommitted work\n');
    const head = git(repo.dir, 'rev-parse', 'HEAD');
    await commitRuns(repo.dir, 'runs', fixtureRuns());
    const { runsCommit } = await setUpGithubPages({ cwd: repo.dir, branch: 'runs', defaultBranch: 'main', version: '^0.1.0' });
    expect(git(repo.dir, 'rev-parse', 'runs')).toBe(runsCommit);
    expect(git(repo.dir, 'show', `runs:${TRIGGER_WORKFLOW}`)).toBe(triggerWorkflow({ branch: 'runs' }).trim());
    expect(git(repo.dir, 'ls-tree', '-r', '--name-only', 'runs')).toContain('runs/mnist/2026-11/01JC2CCCCC000000000000000C/run.yaml');
    // HEAD, index and the user's files are untouched; only the new workflow file appears.
    expect(git(repo.dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(repo.dir, 'status', '--porcelain', '--untracked-files=all').split('\n').sort()).toEqual(['?? .github/workflows/runpages.yml', '?? scratch.txt']);
    expect(parse(readFileSync(join(repo.dir, '.github/workflows/runpages.yml'), 'utf8')).name).toBe('runpages');
  });

  it('builds the site exactly as CI does, from a fresh clone with the runs branch fetched, and every link resolves', async () => {
    // A saved comparison carried on the runs branch (the default branch has none).
    const [blob] = await writeBlobs(repo.dir, ['title: From the runs branch\nruns: [01JC1A, 01JC2C]\n']);
    const [tree] = await writeTrees(repo.dir, [[{ mode: FILE_MODE, type: 'blob', sha: blob as string, name: 'from-branch.yaml' }]]);
    const reader = new ObjectReader(repo.dir);
    await commitFolders(repo.dir, reader, 'refs/heads/runs', [{ path: 'comparisons', tree: tree as string }]).finally(() => reader.close());
    git(repo.dir, 'add', 'runpages.config.yaml', '.github/workflows/runpages.yml');
    git(repo.dir, 'commit', '-q', '-m', 'Publish with runpages');
    git(repo.dir, 'push', '-q', 'origin', 'main', 'runs');

    // The runner: a fresh single-branch clone of the default branch, `runpages` on PATH.
    const runner = tempDir('runpages-ci-');
    const checkout = join(runner, 'repo');
    execFileSync('git', ['clone', '-q', '--depth=1', '--branch', 'main', `file://${repo.origin}`, checkout]);
    const bin = join(runner, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'runpages'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(bin, 'runpages'), 0o755);

    const published = parse(readFileSync(join(checkout, '.github/workflows/runpages.yml'), 'utf8'));
    // What configure-pages reports for a project site, substituted as the runner would.
    const expressions: Record<string, string> = { 'steps.pages.outputs.base_path': '/models' };
    for (const step of published.jobs.build.steps as Step[]) {
      if (!step.run || step.run.startsWith('npm install')) continue;
      const command = step.run.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
        const value = expressions[expression];
        if (value === undefined) throw new Error(`unexpected expression ${expression}`);
        return value;
      });
      execFileSync('sh', ['-c', command], {
        cwd: checkout,
        env: { ...process.env, ...TEST_GIT_ENV, NO_COLOR: '1', PATH: `${bin}:${process.env.PATH}` },
        stdio: 'pipe',
      });
    }

    const out = join(checkout, '_site');
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    expect(existsSync(join(out, 'p/mnist/index.html'))).toBe(true);
    expect(existsSync(join(out, 'r/01JC2CCCCC000000000000000C/index.html'))).toBe(true);
    expect(readFileSync(join(out, 'c/from-branch/index.html'), 'utf8')).toContain('<h1>From the runs branch</h1>');
    const { broken, checked } = checkLinks(out, '/models/');
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });
});

describe('runpages init --github-pages', () => {
  const repo = makeTestRepo();
  afterAll(() => repo.cleanup());

  it('writes the publish workflow with the base, and pushes the runs branch carrying the trigger', async () => {
    const result = await runCli(['init', '--github-pages', '--base', '/models/'], { cwd: repo.dir });
    expect(result.stderr).toContain('wrote .github/workflows/runpages.yml');
    expect(result.code).toBe(0);
    const published = parse(readFileSync(join(repo.dir, '.github/workflows/runpages.yml'), 'utf8'));
    const build = (published.jobs.build.steps as Step[]).find((step) => step.run?.startsWith('runpages build'));
    expect(build?.run).toBe('runpages build --from "origin/runs" --out _site --base "/models/"');
    expect(published.on.push.branches).toEqual(['main']);
    // The trigger reached the remote's runs branch, so the first push of runs already dispatches.
    const trigger = parse(git(repo.origin, 'show', `runs:${TRIGGER_WORKFLOW}`));
    expect(trigger.on.push.branches).toEqual(['runs']);
  });
});
