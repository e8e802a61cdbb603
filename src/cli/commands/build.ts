/**
 * `runpages build`: runs (branch or folder) → static site, with progress, warnings for skipped runs,
 * and a summary that says how to open the result.
 */
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { runSource } from '../../index/source.ts';
import { NOW_OPTION_HELP, resolveNow } from '../clock.ts';

export const order = 50;

interface BuildFlags {
  from?: string;
  out: string;
  base?: string;
  config?: string;
  json?: boolean;
  demo?: boolean;
  now?: string;
}

export function register(program: Command): void {
  program
    .command('build')
    .description('Build the static site from the runs branch (or a folder of runs) with Astro.')
    .option('--from <branch|dir>', 'branch to read runs from (no checkout), or a folder laid out like the branch (default: the configured branch, `runs`)')
    .option('--out <dir>', 'output folder', 'dist')
    .option('--base <path>', 'base path the site is served under, e.g. /my-repo/ on GitHub Pages (default: site.base from the config, /)')
    .option('--config <file>', 'config file (default: runpages.config.yaml in the current folder)')
    .option('--json', 'print the build summary as JSON on stdout')
    .option('--now <time>', NOW_OPTION_HELP)
    .option('--demo', 'building the bundled demo: end with how to preview it through npm')
    .addHelpText(
      'after',
      `
Examples:
  $ runpages build                        # from the runs branch into dist/
  $ runpages build --from runs --out site # from a folder of runs
  $ runpages build --base /my-repo/       # for GitHub Pages project sites
  $ runpages preview dist                 # then open the printed URL`,
    )
    .action(async (flags: BuildFlags) => {
      const [{ readConfig }, { buildSite }, ui, { formatBytes, plural }] = await Promise.all([
        import('../../site/config-file.ts'),
        import('../../site/build.ts'),
        import('../ui.ts'),
        import('../../site/format.ts'),
      ]);
      const cwd = process.cwd();
      const config = readConfig(cwd, flags.config);
      await checkWritable(resolve(cwd, flags.out));
      const result = await buildSite({
        source: runSource(flags.from, cwd, config.branch),
        cwd,
        out: flags.out,
        config,
        base: flags.base,
        now: resolveNow({ flag: flags.now }),
        onProgress: (message) => ui.info(ui.color.dim(message)),
        onInvalid: (invalid) => ui.warn(`skipped ${invalid.reason}`),
        onSkippedComparison: (skipped) => ui.warn(`left out the saved comparison ${skipped.reason} (see /report/)`),
      });
      if (flags.json) {
        ui.printJson({
          out: result.out,
          base: result.base,
          pages: result.pages,
          runs: result.runs,
          projects: result.projects,
          invalid: result.invalid,
          bytes: result.bytes,
          charts: result.charts,
          media: result.media,
          seconds: Number(result.seconds.toFixed(2)),
        });
      }
      const skipped = result.invalid.length > 0 ? `, ${plural(result.invalid.length, 'invalid run')} skipped (see /report/)` : '';
      // One line however many: the report lists each medium with its reason.
      if (result.media.leftOut.length > 0)
        ui.warn(`${plural(result.media.leftOut.length, 'medium', 'media')} left out of the site (see /report/ for each and why)`);
      ui.success(
        `Built ${plural(result.pages, 'page')} for ${plural(result.runs, 'run')} in ${plural(result.projects, 'project')}${skipped}: ` +
          `${formatBytes(result.bytes)} in ${result.seconds.toFixed(1)}s → ${result.out}`,
      );
      const relativeOut = flags.out;
      ui.info(
        flags.demo
          ? `Open it: run ${ui.color.bold('npm run preview')} and open the URL it prints.`
          : `Open it: ${ui.color.bold(`runpages preview ${relativeOut}`)}${result.base === '/' ? '' : ` (served under ${result.base})`}`,
      );
    });
}

/**
 * Fails fast when the output folder cannot be written: Astro, asked to write somewhere it cannot,
 * renders every page and then hangs instead of failing. Creates the folder (the build would) and
 * writes a probe file, which also catches read-only file systems that permission bits do not show.
 */
async function checkWritable(out: string): Promise<void> {
  const { mkdir, rm, stat, writeFile } = await import('node:fs/promises');
  const { RunpagesError } = await import('../../errors.ts');
  const probe = join(out, `.runpages-write-test-${process.pid}`);
  try {
    // One level at a time: Node's recursive mkdir spins forever where a level cannot be created (/proc).
    const missing: string[] = [];
    for (
      let folder = out;
      !(await stat(folder).then(
        () => true,
        () => false,
      ));
      folder = dirname(folder)
    ) {
      if (dirname(folder) === folder) break;
      missing.unshift(folder);
    }
    for (const folder of missing) await mkdir(folder);
    await writeFile(probe, '');
    await rm(probe);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const why =
      code === 'ENOTDIR' || code === 'EEXIST'
        ? 'a file is in the way'
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOENT'
          ? 'the folder cannot be created or written there'
          : (code ?? message);
    throw new RunpagesError('out-not-writable', `Cannot write the site to ${out}: ${why}`, {
      hint: 'Pass --out with a folder you can write, e.g. --out dist.',
    });
  }
}
