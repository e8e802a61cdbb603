/**
 * `runpages build`: runs (branch or folder) → static site, with progress, warnings for skipped runs,
 * and a summary that says how to open the result.
 */
import type { Command } from 'commander';

export const order = 50;

interface BuildFlags {
  from?: string;
  out: string;
  base?: string;
  config?: string;
  json?: boolean;
  demo?: boolean;
}

/**
 * The build's clock: `SOURCE_DATE_EPOCH` (seconds, the reproducible-builds convention) when set, so
 * the same runs build the same site byte for byte; else now.
 */
function buildTime(epoch: string | undefined): Date {
  const seconds = epoch === undefined ? Number.NaN : Number(epoch);
  return Number.isFinite(seconds) ? new Date(seconds * 1000) : new Date();
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
      const result = await buildSite({
        from: flags.from ?? config.branch,
        cwd,
        out: flags.out,
        config,
        base: flags.base,
        now: buildTime(process.env.SOURCE_DATE_EPOCH),
        onProgress: (message) => ui.info(ui.color.dim(message)),
        onInvalid: (invalid) => ui.warn(`skipped ${invalid.reason}`),
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
          seconds: Number(result.seconds.toFixed(2)),
        });
      }
      const skipped = result.invalid.length > 0 ? `, ${plural(result.invalid.length, 'invalid run')} skipped (see /report/)` : '';
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
