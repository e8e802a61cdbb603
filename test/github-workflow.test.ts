import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fg from 'fast-glob';
import { afterAll, describe, expect, it } from 'vitest';
import { parseYaml } from '../src/run/yaml.ts';
import { commitFolders, commitRuns } from '../src/branch/commit.ts';
import { FILE_MODE, ObjectReader, writeBlobs, writeTrees } from '../src/git/objects.ts';
import { ACTIONS, publishWorkflow, setUpGithubPages, triggerWorkflow, TRIGGER_WORKFLOW } from '../src/hosting/github-pages.ts';
import type { PreparedRun } from '../src/run/prepared.ts';
import { parseRunRecord } from '../src/run/validate.ts';
import { runCli } from './helpers/cli.ts';
import { runPath } from './helpers/layout.ts';
import { git, makeTestRepo, TEST_GIT_ENV, tempDir } from './helpers/git.ts';
import { npmEnv, packageClone, packageTarball, run } from './helpers/package.ts';
import { checkLinks } from './helpers/links.ts';

/** The project's one YAML reader; `any` because the tests read fields of files they know. */
const parse = (text: string): any => parseYaml(text, 'test.yaml');

const FIXTURE = new URL('./fixtures/compare-site/', import.meta.url).pathname;
const FALLBACK = 'git+https://github.com/runpages/runpages.git#v0.1.0';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  id?: string;
  with?: Record<string, unknown>;
}

const workflow = parse(publishWorkflow({ branch: 'runs', defaultBranch: 'main', installFallback: FALLBACK }));
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
    // One build runs and one waits (the newest): heartbeats of live runs never starve a build.
    expect(workflow.concurrency).toEqual({ group: 'pages', 'cancel-in-progress': false });
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
    expect(buildSteps.find((step) => step.uses === ACTIONS.cache)?.with).toEqual({
      path: '.runpages/cache\n!.runpages/cache/series\n',
      key: 'runpages-${{ github.run_id }}',
      'restore-keys': 'runpages-',
    });
    expect(workflow.jobs.deploy.needs).toBe('build');
    expect(workflow.jobs.deploy.environment.name).toBe('github-pages');
    expect(workflow.jobs.deploy.steps[0].uses).toBe(ACTIONS.deployPages);
    const build = buildSteps.find((step) => step.run?.includes('runpages build'));
    expect(build?.run).toBe('npx --no-install runpages build --from "origin/runs" --out _site --base "${{ steps.pages.outputs.base_path }}/"');
  });

  it('installs the runpages the repository pins, else the release it was written for', () => {
    const install = buildSteps.find((step) => step.name === 'Install runpages')?.run ?? '';
    expect(install).toContain('npm ci --no-audit --no-fund');
    expect(install).toContain(`npm install --no-save --no-audit --no-fund '${FALLBACK}'`);
    expect(publishWorkflow({ branch: 'runs', defaultBranch: 'main', installFallback: "it's" })).toContain(`'it'\\''s'`);
  });

  it('deploys to an S3-compatible host instead of Pages when asked, with credentials from secrets', () => {
    const s3 = parse(publishWorkflow({ branch: 'runs', defaultBranch: 'main', installFallback: FALLBACK, s3Target: 's3://ml-site/experiments' }));
    const steps: Step[] = s3.jobs.build.steps;
    expect(s3.permissions).toEqual({ contents: 'read' });
    expect(Object.keys(s3.jobs)).toEqual(['build']);
    expect(steps.map((step) => step.uses).filter(Boolean)).toEqual([ACTIONS.checkout, ACTIONS.setupNode, ACTIONS.cache]);
    expect(steps.find((step) => step.run?.includes('runpages build'))?.run).toContain('--base "/"');
    const deploy = steps.at(-1) as Step & { env: Record<string, string> };
    expect(deploy.run).toBe('npx --no-install runpages deploy "s3://ml-site/experiments" --dir _site');
    expect(deploy.env.AWS_SECRET_ACCESS_KEY).toBe('${{ secrets.AWS_SECRET_ACCESS_KEY }}');
  });

  it('uses a fixed base when one is given', () => {
    const fixed = parse(publishWorkflow({ branch: 'experiments', defaultBranch: 'trunk', installFallback: FALLBACK, base: '/models/' }));
    const steps: Step[] = fixed.jobs.build.steps;
    expect(steps.find((step) => step.run?.includes('runpages build'))?.run).toBe(
      'npx --no-install runpages build --from "origin/experiments" --out _site --base "/models/"',
    );
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
    const { runsCommit } = await setUpGithubPages({ cwd: repo.dir, branch: 'runs', defaultBranch: 'main', installFallback: FALLBACK });
    expect(git(repo.dir, 'rev-parse', 'runs')).toBe(runsCommit);
    expect(git(repo.dir, 'show', `runs:${TRIGGER_WORKFLOW}`)).toBe(triggerWorkflow({ branch: 'runs' }).trim());
    expect(git(repo.dir, 'ls-tree', '-r', '--name-only', 'runs')).toContain(`${runPath('mnist', '2026-11', '01JC2CCCCC000000000000000C')}/run.yaml`);
    // HEAD, index and the user's files are untouched; only the new workflow file appears.
    expect(git(repo.dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(repo.dir, 'status', '--porcelain', '--untracked-files=all').split('\n').sort()).toEqual(['?? .github/workflows/runpages.yml', '?? scratch.txt']);
    expect(parse(readFileSync(join(repo.dir, '.github/workflows/runpages.yml'), 'utf8')).name).toBe('runpages');
  });

  it('builds the site exactly as CI does: a fresh clone runs every shell step, installing the runpages its package.json pins', async () => {
    // A saved comparison carried on the runs branch (the default branch has none).
    const [blob] = await writeBlobs(repo.dir, ['title: From the runs branch\nruns: [01JC1A, 01JC2C]\n']);
    const [tree] = await writeTrees(repo.dir, [[{ mode: FILE_MODE, type: 'blob', sha: blob as string, name: 'from-branch.yaml' }]]);
    const reader = new ObjectReader(repo.dir);
    await commitFolders(repo.dir, reader, 'refs/heads/runs', [{ path: 'comparisons', tree: tree as string }]).finally(() => reader.close());
    // The team pins runpages as a dev dependency from a git URL (no registry release needed).
    const url = packageClone(tempDir('runpages-clone-'));
    writeFileSync(join(repo.dir, 'package.json'), `${JSON.stringify({ name: 'models', private: true, devDependencies: { runpages: url } }, null, 2)}\n`);
    // The lockfile a user's `npm install` would write (resolving only: the runner does the install).
    run('npm', ['install', '--package-lock-only', '--loglevel=error'], repo.dir);
    expect(JSON.parse(readFileSync(join(repo.dir, 'package-lock.json'), 'utf8')).packages['node_modules/runpages'].resolved).toMatch(
      /^git\+file:\/\/.+#[0-9a-f]{40}$/,
    );
    git(repo.dir, 'add', 'runpages.config.yaml', '.github/workflows/runpages.yml', 'package.json', 'package-lock.json');
    git(repo.dir, 'commit', '-q', '-m', 'Publish with runpages');
    git(repo.dir, 'push', '-q', 'origin', 'main', 'runs');

    const out = runWorkflowOnFreshClone(repo.origin, '/models');
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    expect(existsSync(join(out, 'p/mnist/index.html'))).toBe(true);
    expect(existsSync(join(out, 'r/01JC2CCCCC000000000000000C/index.html'))).toBe(true);
    expect(readFileSync(join(out, 'c/from-branch/index.html'), 'utf8')).toContain('<h1>From the runs branch</h1>');
    const { broken, checked } = checkLinks(out, '/models/');
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  }, 900_000);
});

/**
 * What a GitHub runner does with the publish workflow, minus the `uses:` actions: a fresh clone of the
 * default branch, then every `run:` step in order, with the expressions configure-pages would fill in.
 * Returns the built site's folder.
 */
function runWorkflowOnFreshClone(origin: string, basePath: string): string {
  const checkout = join(tempDir('runpages-ci-'), 'repo');
  execFileSync('git', ['clone', '-q', '--depth=1', '--branch', 'main', `file://${origin}`, checkout]);
  const published = parse(readFileSync(join(checkout, '.github/workflows/runpages.yml'), 'utf8'));
  const expressions: Record<string, string> = { 'steps.pages.outputs.base_path': basePath };
  for (const step of published.jobs.build.steps as Step[]) {
    if (!step.run) continue;
    const command = step.run.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
      const value = expressions[expression];
      if (value === undefined) throw new Error(`unexpected expression ${expression}`);
      return value;
    });
    // GitHub runs `run:` steps with `bash -e`.
    run('bash', ['-e', '-c', command], checkout, { ...npmEnv(), ...TEST_GIT_ENV });
  }
  return join(checkout, '_site');
}

describe('runpages init --github-pages', () => {
  const repo = makeTestRepo();
  afterAll(() => repo.cleanup());

  it('writes the publish workflow with the base, and pushes the runs branch carrying the trigger', async () => {
    // The fallback install, from a tarball here (the git URL form is tested above).
    const tarball = packageTarball(tempDir('runpages-tarball-'));
    const result = await runCli(['init', '--github-pages', '--base', '/models/', '--install-from', tarball], { cwd: repo.dir });
    expect(result.stderr).toContain('wrote .github/workflows/runpages.yml');
    expect(result.code).toBe(0);
    const published = parse(readFileSync(join(repo.dir, '.github/workflows/runpages.yml'), 'utf8'));
    const build = (published.jobs.build.steps as Step[]).find((step) => step.run?.includes('runpages build'));
    expect(build?.run).toBe('npx --no-install runpages build --from "origin/runs" --out _site --base "/models/"');
    expect(published.on.push.branches).toEqual(['main']);
    // The trigger reached the remote's runs branch, so the first push of runs already dispatches.
    const trigger = parse(git(repo.origin, 'show', `runs:${TRIGGER_WORKFLOW}`));
    expect(trigger.on.push.branches).toEqual(['runs']);

    // A repository with no package.json: the workflow installs the release it was written for.
    await commitRuns(repo.dir, 'runs', fixtureRuns());
    git(repo.dir, 'add', 'runpages.config.yaml', '.github/workflows/runpages.yml');
    git(repo.dir, 'commit', '-q', '-m', 'Publish with runpages');
    git(repo.dir, 'push', '-q', 'origin', 'main', 'runs');
    const out = runWorkflowOnFreshClone(repo.origin, '/models');
    expect(existsSync(join(out, 'r/01JC2CCCCC000000000000000C/index.html'))).toBe(true);
    expect(checkLinks(out, '/models/').broken).toEqual([]);
  }, 900_000);

  it('defaults the fallback install to this release from its git repository, tagged with the version', async () => {
    const other = makeTestRepo();
    try {
      expect((await runCli(['init', '--github-pages'], { cwd: other.dir })).code).toBe(0);
      const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; repository: { url: string } };
      expect(readFileSync(join(other.dir, '.github/workflows/runpages.yml'), 'utf8')).toContain(`'${manifest.repository.url}#v${manifest.version}'`);
    } finally {
      other.cleanup();
    }
  });
});
