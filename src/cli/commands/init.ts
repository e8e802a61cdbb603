/**
 * `runpages init`: sets a repository up for runpages: a commented runpages.config.yaml, the orphan
 * runs branch (locally and on the remote), `.runpages/` in .gitignore, and with `--github-pages`
 * the workflows that publish the site.
 */
import type { Command } from 'commander';
import { QUEUED_EXIT_CODE } from './commit.ts';

export const order = 5;

interface InitFlags {
  branch?: string;
  remote?: string;
  store?: string;
  force?: boolean;
  githubPages?: boolean;
  base?: string;
  installFrom?: string;
  deployTo?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('init')
    .description('Set up runpages in this repository: config file, the orphan runs branch (local and remote), .gitignore.')
    .option('--branch <name>', 'branch runs are committed to (default: runs)')
    .option('--remote <name>', 'remote runs are pushed to (default: origin)')
    .option('--store <uri>', 'artifact store: a folder, file:// URI or s3://bucket/prefix (default: .runpages/objects)')
    .option('--force', 'overwrite an existing runpages.config.yaml')
    .option('--github-pages', 'also write the GitHub Actions workflows that publish the site to GitHub Pages')
    .option('--base <path>', 'with --github-pages: base path of the site, e.g. /my-repo/ (default: site.base, else the Pages path)')
    .option(
      '--install-from <spec>',
      'with --github-pages: what the workflow installs when the repository does not pin runpages in its package.json (an npm spec; default: this release from its git repository)',
    )
    .option('--deploy-to <s3-uri>', 'with --github-pages: deploy the site to an S3-compatible static host (s3://bucket/prefix) instead of GitHub Pages')
    .option('--json', 'print what was done as JSON on stdout')
    .addHelpText(
      'after',
      `
Safe to run again: existing config, branch and .gitignore entries are kept.

Examples:
  $ runpages init
  $ runpages init --store s3://my-bucket/runpages --github-pages
  $ runpages init --github-pages --base /my-repo/`,
    )
    .action(async (flags: InitFlags) => {
      const [fs, { basename, join }, config, { configTemplate }, refs, { hasRemote }, { commitRuns }, { pushLocalBranch }, ui, { RunpagesError }] =
        await Promise.all([
          import('node:fs'),
          import('node:path'),
          import('../../config.ts'),
          import('../../config-template.ts'),
          import('../../git/refs.ts'),
          import('../../git/remote.ts'),
          import('../../branch/commit.ts'),
          import('../../branch/publish.ts'),
          import('../ui.ts'),
          import('../../errors.ts'),
        ]);
      const root = await refs.repoRoot(process.cwd());
      if (!root) {
        throw new RunpagesError('not-a-repository', `${process.cwd()} is not inside a git repository`, {
          hint: 'runpages keeps runs on a branch of your project repository: run `git init` (or cd into the repository) first.',
        });
      }

      const configPath = join(root, config.CONFIG_FILE);
      const writeConfig = flags.force === true || !fs.existsSync(configPath);
      if (writeConfig) {
        const name = basename(root);
        fs.writeFileSync(
          configPath,
          configTemplate({
            title: name,
            project: name,
            branch: flags.branch ?? 'runs',
            remote: flags.remote ?? 'origin',
            store: flags.store ?? '.runpages/objects',
          }),
        );
      } else if (flags.branch !== undefined || flags.remote !== undefined || flags.store !== undefined) {
        ui.warn(`${config.CONFIG_FILE} exists, so --branch/--remote/--store were not written to it (use --force to rewrite it)`);
      }
      const settings = config.loadConfig(root);

      const gitignoreUpdated = ensureIgnored(fs, join(root, '.gitignore'), '.runpages/');

      const ref = `refs/heads/${settings.branch}`;
      const branchCreated = (await refs.resolveCommit(root, ref)) === undefined;
      if (branchCreated) await commitRuns(root, settings.branch, []);

      // --github-pages: the workflow writer (src/hosting/github-pages.ts) commits its trigger workflow onto
      // the local runs branch, which the push below then carries to the remote.
      let workflow: string | undefined;
      if (flags.deployTo !== undefined && !/^s3:\/\/[^/]+/.test(flags.deployTo)) {
        throw new RunpagesError('invalid-deploy-target', `--deploy-to "${flags.deployTo}" is not an S3 URI.`, { hint: 'Write it as s3://<bucket>/<prefix>.' });
      }
      if (flags.githubPages) {
        const { setUpGithubPages } = await import('../../hosting/github-pages.ts');
        const setup = await setUpGithubPages({
          cwd: root,
          branch: settings.branch,
          defaultBranch: (await refs.defaultBranch(root, settings.remote)) ?? 'main',
          base: flags.base ?? (settings.site.base === '/' ? undefined : settings.site.base),
          installFallback: flags.installFrom ?? releaseSpec(fs),
          s3Target: flags.deployTo,
        });
        workflow = setup.workflow;
      }

      const remote = await hasRemote(root, settings.remote);
      const push = remote ? await pushLocalBranch({ cwd: root, config: settings }) : undefined;

      if (flags.json) {
        ui.printJson({
          config: configPath,
          configWritten: writeConfig,
          gitignoreUpdated,
          branch: settings.branch,
          branchCreated,
          pushed: push?.pushed ?? false,
          workflow,
        });
      } else {
        ui.success(writeConfig ? `wrote ${config.CONFIG_FILE}` : `kept the existing ${config.CONFIG_FILE}`);
        if (gitignoreUpdated) ui.success('added .runpages/ to .gitignore');
        ui.success(branchCreated ? `created the orphan branch ${settings.branch}` : `the branch ${settings.branch} already exists`);
        if (workflow) ui.success(`wrote ${workflow} (see the README for the one-time Pages settings)`);
        if (push?.pushed) ui.success(`pushed ${settings.branch} to ${settings.remote}`);
        if (!remote) ui.info(`No remote "${settings.remote}": runs stay on the local branch until you add one and run \`runpages sync\`.`);
      }
      if (push && !push.pushed) {
        throw new RunpagesError('branch-not-pushed', `The ${settings.branch} branch exists locally but could not be pushed: ${push.reason}`, {
          hint: 'Fix the remote (URL, network, access rights), then run `runpages sync` to push it.',
          exitCode: QUEUED_EXIT_CODE,
        });
      }
      if (!flags.json) {
        // The config and workflow live on the default branch (CI and teammates read them there), not on runs.
        const toCommit = [writeConfig ? config.CONFIG_FILE : '', gitignoreUpdated ? '.gitignore' : '', workflow ?? ''].filter(Boolean);
        if (toCommit.length > 0)
          ui.info(`Commit ${toCommit.join(', ')} on your default branch: \`git add ${toCommit.join(' ')} && git commit -m "Set up runpages"\`.`);
        ui.info('Next: record a run with `runpages record -- <your training command>`.');
      }
    });
}

/** Appends `line` to a .gitignore unless an equivalent line is there; true when it changed the file. */
function ensureIgnored(fs: typeof import('node:fs'), file: string, line: string): boolean {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const bare = line.replace(/^\/|\/$/g, '');
  const present = text.split(/\r?\n/).some((existing) => existing.trim().replace(/^\/|\/$/g, '') === bare);
  if (present) return false;
  fs.writeFileSync(file, `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`);
  return true;
}

/**
 * This release as an npm spec that needs no registry: the package's git repository pinned to its
 * version tag (`git+https://github.com/runpages/runpages.git#v0.1.0`); npm runs `prepare` to build it.
 */
function releaseSpec(fs: typeof import('node:fs')): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string; repository: { url: string } };
  return `${pkg.repository.url}#v${pkg.version}`;
}
