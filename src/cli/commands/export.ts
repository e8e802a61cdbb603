/**
 * `runpages export mlflow <dir>`: the runs of the branch (or a folder, filtered like `runpages ls`)
 * as an MLflow file store, so a team can always take its history elsewhere.
 */
import type { Command } from 'commander';
import { runSource } from '../../index/source.ts';
import { resolveNow } from '../clock.ts';

export const order = 18;

const MAX_WARNINGS = 10;

interface ExportFlags {
  project?: string;
  from?: string;
  store?: string;
  dryRun?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('export')
    .description("Export runs to another tracker's format (an MLflow file store).")
    .addHelpText(
      'after',
      `
Examples:
  $ runpages export mlflow ./mlruns
  $ runpages export mlflow ./mlruns "project = 'vision' and status = 'finished'"`,
    );

  command
    .command('mlflow')
    .description('Write the runs as an MLflow file store (mlruns/): params, every metric point, tags, status and times.')
    .argument('<dir>', 'the folder to create (new or empty); point MLflow at it with --backend-store-uri file:<dir>')
    .argument('[query...]', 'only runs matching this filter, as `runpages ls` takes it, e.g. "metrics.acc > 0.9"')
    .option('--project <name>', 'only runs of this project')
    .option('--from <branch|dir>', 'branch to read runs from (default: the configured runs branch), or a folder laid out like it')
    .option('--store <uri>', 'object store holding the full series (default: store in runpages.config.yaml)')
    .option('--dry-run', 'work out everything, write nothing')
    .option('--json', 'print the outcome as JSON on stdout')
    .addHelpText(
      'after',
      `
Experiments are the runs' experiment (else their project); run ids are kept. Series downsampled on
the branch are read in full from the object store; when the store cannot be read the branch's points
are written and a warning says how many are left out. Keys that cannot be file names (.., .git, ...)
are left out with a warning. Artifacts are not exported.

Examples:
  $ runpages export mlflow ./mlruns
  $ runpages export mlflow ./mlruns --project vision "status = 'finished'"
  $ runpages export mlflow /tmp/mlruns --from runs --json
  $ mlflow ui --backend-store-uri ./mlruns`,
    )
    .action(async (dir: string, queryWords: string[], flags: ExportFlags) => {
      const [
        { loadConfig },
        { loadRunRecords },
        query,
        ui,
        { RunpagesError },
        { openStore },
        { withFullSeries },
        { mlflowStoreFiles },
        { checkEmptyTarget, writeStoreFiles },
      ] = await Promise.all([
        import('../../config.ts'),
        import('../../index/records.ts'),
        import('../../query/index.ts'),
        import('../ui.ts'),
        import('../../errors.ts'),
        import('../../store/open.ts'),
        import('../../export/load.ts'),
        import('../../export/mlflow.ts'),
        import('../../export/write.ts'),
      ]);
      const { resolve } = await import('node:path');
      const { pathToFileURL } = await import('node:url');
      const cwd = process.cwd();
      const config = loadConfig(cwd);
      const filter = query.parseQuery(queryWords.join(' '));
      const target = resolve(cwd, dir);
      if (!flags.dryRun) await checkEmptyTarget(target);
      const source = runSource(flags.from, cwd, config.branch);
      const { runs, invalid } = await loadRunRecords(cwd, source);
      for (const run of invalid.slice(0, 5)) ui.warn(`skipped an invalid run: ${run.reason.split('\n')[0]}`);
      const matches = query.compileQuery(filter, query.recordAccess, { now: resolveNow().getTime() });
      const chosen = runs.filter((run) => (flags.project === undefined || run.record.project === flags.project) && matches(run.record));
      if (chosen.length === 0) {
        throw new RunpagesError('nothing-to-export', runs.length ? `No runs match (of ${runs.length}).` : 'There are no runs to export.', {
          hint: runs.length ? 'Check the query and --project with `runpages ls <query>` first.' : 'Record or import runs first, or pass --from <branch|dir>.',
        });
      }
      const store = openStore(flags.store ?? config.store, cwd);
      const { exported, warnings } = await withFullSeries(cwd, source, chosen, store);
      const { files, warnings: keyWarnings, experiments } = mlflowStoreFiles(exported, pathToFileURL(target).href);
      warnings.push(...keyWarnings);
      if (!flags.dryRun) await writeStoreFiles(target, files);
      const points = exported.reduce((sum, run) => sum + Object.values(run.series).reduce((n, data) => n + data.value.length, 0), 0);
      const outcome = {
        dryRun: flags.dryRun === true,
        dir: target,
        runs: exported.map((run) => ({ id: run.record.id, name: run.record.name, experiment: experiments.get(run.record.experiment ?? run.record.project)! })),
        experiments: Object.fromEntries([...experiments].map(([name, id]) => [id, name])),
        files: files.length,
        points,
        warnings,
      };
      if (flags.json) {
        ui.printJson(outcome);
        return;
      }
      // A store that is elsewhere makes one warning per downsampled series: show the first few.
      for (const warning of warnings.slice(0, MAX_WARNINGS)) ui.warn(warning);
      if (warnings.length > MAX_WARNINGS) ui.warn(`… and ${warnings.length - MAX_WARNINGS} more warnings (--json lists them all)`);
      const runsText = `${exported.length} run${exported.length === 1 ? '' : 's'}`;
      const what = `${runsText} in ${experiments.size} experiment${experiments.size === 1 ? '' : 's'}, ${points} metric points`;
      ui.success(flags.dryRun ? `Dry run: would export ${what} to ${target}` : `Exported ${what} to ${target}`);
    });
}
