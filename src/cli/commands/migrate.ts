/**
 * `runpages migrate`: rewrites a runs branch written by an earlier version into the bucketed layout
 * (docs/design.md#branch) in one commit, pushed to the remote when there is one.
 */
import type { Command } from 'commander';

export const order = 19;

interface MigrateFlags {
  dryRun?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('migrate')
    .description('Move the runs of an old branch into the bucketed layout (runs/<project>/<yyyy-mm>/<bucket>/<id>/), in one commit.')
    .option('--dry-run', 'only say what would move; change nothing')
    .option('--json', 'print the outcome as JSON on stdout')
    .addHelpText(
      'after',
      `
Branches written by earlier versions of runpages keep every run of a month in one folder, which passes GitHub's
3,000-entry guidance for a directory after 3,000 runs a month. Every version reads both layouts;
this moves the runs (their files keep their exact content) so no folder grows that wide. Running
it again on a migrated branch does nothing.

Examples:
  $ runpages migrate --dry-run
  $ runpages migrate
  $ runpages migrate --json | jq '.moved | length'`,
    )
    .action(async (flags: MigrateFlags) => {
      const [{ loadConfig }, { repoRoot }, { migrateBranch }, ui, { plural }] = await Promise.all([
        import('../../config.ts'),
        import('../../git/refs.ts'),
        import('../../branch/migrate.ts'),
        import('../ui.ts'),
        import('../../site/format.ts'),
      ]);
      const root = (await repoRoot(process.cwd())) ?? process.cwd();
      const config = loadConfig(root);
      const steps = { fetching: 'Fetching', reading: 'Reading the runs of', committing: 'Moving', pushing: 'Pushing to' } as const;
      const outcome = await migrateBranch({
        cwd: root,
        config,
        dryRun: flags.dryRun === true,
        onStep: (step, detail) => {
          if (!flags.json) ui.info(`${steps[step]} ${detail ?? ''}`.trim());
        },
      });
      if (flags.json) return ui.printJson(outcome);
      const { moved, dropped } = outcome;
      if (moved.length === 0 && dropped.length === 0) {
        ui.success(`${config.branch} is already in the bucketed layout (${plural(outcome.runs, 'run')}): nothing to do.`);
        return;
      }
      const shown = moved.slice(0, 10).map((move) => `  ${move.from} -> ${move.to}`);
      if (moved.length > shown.length) shown.push(`  ... and ${moved.length - shown.length} more`);
      for (const path of dropped) shown.push(`  ${path}: removed, the run is already in its bucket`);
      ui.out(`${shown.join('\n')}\n`);
      if (outcome.dryRun) {
        ui.info(`Would move ${plural(moved.length, 'run')} of ${plural(outcome.runs, 'run')} in one commit; nothing was changed (drop --dry-run to do it).`);
        return;
      }
      const where = outcome.pushed ? `pushed to ${config.remote}/${config.branch}` : `on the local ${config.branch} branch (no remote "${config.remote}")`;
      ui.success(`Moved ${plural(moved.length, 'run')} into buckets in one commit (${outcome.to.slice(0, 12)}), ${where}.`);
    });
}
