/**
 * `runpages import mlflow <mlruns-dir>`, `runpages import tensorboard <logdir>` and
 * `runpages import wandb <dir>`: bring history
 * from other trackers onto the runs branch, through the same publish path as recorded runs.
 */
import type { Command } from 'commander';
import type { ImportOutcome, ImportTask, Skipped } from '../../import/batch.ts';
import { QUEUED_EXIT_CODE } from './commit.ts';

export const order = 17;

interface ImportFlags {
  project?: string;
  dryRun?: boolean;
  json?: boolean;
}

interface MlflowFlags extends ImportFlags {
  artifacts?: boolean;
  includeDeleted?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('import')
    .description('Import runs from MLflow file stores, TensorBoard logdirs or wandb run folders onto the runs branch.')
    .addHelpText(
      'after',
      `
Imported runs keep stable ids (MLflow's run id; for TensorBoard a hash of the run folder and its first
event; wandb-<run id> for wandb), so importing again publishes only what changed.

Examples:
  $ runpages import mlflow ./mlruns
  $ runpages import tensorboard ./lightning_logs --project autoencoder
  $ runpages import wandb ./wandb`,
    );

  command
    .command('mlflow')
    .description('Import an MLflow file store (the mlruns/ folder): experiments become projects, every metric history a series.')
    .argument('<mlruns-dir>', 'the MLflow store folder (holds 0/meta.yaml)')
    .option('--project <name>', 'put every run in this project instead of one project per experiment')
    .option('--no-artifacts', 'leave artifacts out (import metadata and metrics only)')
    .option('--include-deleted', 'also import deleted runs and experiments (.trash)')
    .option('--dry-run', 'read and validate everything, publish nothing')
    .option('--json', 'print the outcome as JSON on stdout')
    .addHelpText(
      'after',
      `
MLflow tags that are not mlflow.* become runpages tags "key:value" (query them as tags.key = 'value');
every tag, mlflow.* included, is also kept under mlflow.tags and answers tags.<key>. Params keep their
text as MLflow stored it; dataset inputs become the run's data (datasets.name, .digest, .context).
mlflow.runName, mlflow.user, mlflow.note.content, mlflow.source.git.* and mlflow.parentRunId fill the
run's name, user, notes, git and parents. The summary value of each metric follows MLflow's rule
(largest step, then latest timestamp). Deleted runs and malformed folders are skipped and listed.

Examples:
  $ runpages import mlflow ./mlruns --dry-run
  $ runpages import mlflow ./mlruns --project vision --no-artifacts
  $ runpages import mlflow /data/mlruns --include-deleted --json`,
    )
    .action(async (dir: string, flags: MlflowFlags) => {
      const { scanMlflow } = await import('../../import/mlflow.ts');
      const options = {
        artifacts: flags.artifacts !== false,
        includeDeleted: flags.includeDeleted === true,
        ...(flags.project ? { project: flags.project } : {}),
      };
      await runImport('MLflow', await scanMlflow(dir, options), flags);
    });

  command
    .command('tensorboard')
    .description('Import a TensorBoard logdir: every folder of event files is a run, every scalar tag a series.')
    .argument('<logdir>', 'the folder TensorBoard reads (tensorboard --logdir <this>)')
    .option('--project <name>', 'project of the runs (default: the logdir folder name)')
    .option('--dry-run', 'read and validate everything, publish nothing')
    .option('--json', 'print the outcome as JSON on stdout')
    .addHelpText(
      'after',
      `
Scalars are read from simple_value (PyTorch, TF1) and scalar tensors (Keras, TF2); hparams become
params; images, histograms, text and PR curves become the run's media (a tag logged at many steps
keeps an even spread of them). Audio, graphs and other plugins are left out and counted. A corrupt
record is reported with its file and byte offset and skipped.

Examples:
  $ runpages import tensorboard lightning_logs --project autoencoder
  $ runpages import tensorboard logs/fit --dry-run --json`,
    )
    .action(async (logdir: string, flags: ImportFlags) => {
      const { scanTensorBoard } = await import('../../import/tensorboard.ts');
      await runImport('TensorBoard', await scanTensorBoard(logdir, flags.project ? { project: flags.project } : {}), flags);
    });

  command
    .command('wandb')
    .description('Import the run folders the wandb client wrote (wandb/run-*, wandb/offline-run-*), read from their .wandb logs.')
    .argument('<dir>', 'the wandb/ folder beside the training script (or a project holding one, or one run folder)')
    .option('--project <name>', 'put every run in this project instead of the wandb project')
    .option('--dry-run', 'read and validate everything, publish nothing')
    .option('--json', 'print the outcome as JSON on stdout')
    .addHelpText(
      'after',
      `
Each run's .wandb transaction log is read (every chunk's CRC-32 checked); files/ side files fill in
only what it lacks. Config becomes params, history rows series (step from _step), the summary
metrics; the group becomes the experiment, the job type a tag job_type:<type>. A run without an exit
record (crashed, killed) is imported as killed, up to its last whole record. Runs are wandb-<run id>,
and the folders of a resumed run are one run.

Examples:
  $ runpages import wandb ./wandb --dry-run
  $ runpages import wandb ./wandb --project vision --json
  $ runpages import wandb ./wandb/offline-run-20240101_120000-abc123`,
    )
    .action(async (dir: string, flags: ImportFlags) => {
      const { scanWandb } = await import('../../import/wandb.ts');
      await runImport('wandb', await scanWandb(dir, flags.project ? { project: flags.project } : {}), flags);
    });
}

/** Publishes the scanned runs with progress, then prints the summary (or JSON). */
async function runImport(source: string, scan: { tasks: ImportTask[]; skipped: Skipped[]; refused?: Skipped[] }, flags: ImportFlags): Promise<void> {
  const [{ loadConfig }, { repoRoot }, { publishImported }, { PROJECT_PATTERN }, ui, { RunpagesError }, { plural }] = await Promise.all([
    import('../../config.ts'),
    import('../../git/refs.ts'),
    import('../../import/batch.ts'),
    import('../../run/schema.ts'),
    import('../ui.ts'),
    import('../../errors.ts'),
    import('../../site/format.ts'),
  ]);
  if (flags.project !== undefined && !PROJECT_PATTERN.test(flags.project)) {
    throw new RunpagesError('invalid-project', `--project "${flags.project}" cannot be a project name`, {
      hint: 'Use 1-64 letters, digits, ".", "-" or "_", starting with a letter or digit, e.g. "image-classifier".',
    });
  }
  const root = (await repoRoot(process.cwd())) ?? process.cwd();
  const config = loadConfig(root);
  const bar = ui.progress(`Importing ${source} runs`, scan.tasks.length);
  const outcome = await publishImported(scan.tasks, { cwd: root, config, dryRun: flags.dryRun === true, onProgress: (done) => bar.tick(done) });
  bar.done();
  outcome.skipped.unshift(...scan.skipped);
  outcome.refused.unshift(...(scan.refused ?? []));
  if (flags.json) ui.printJson({ dryRun: flags.dryRun === true, ...outcome });
  else printSummary(outcome, flags.dryRun === true, config.branch, ui, plural);
  if (outcome.queued.length) {
    throw new RunpagesError(
      'runs-queued',
      `${outcome.queued.length === 1 ? '1 imported run is' : `${outcome.queued.length} imported runs are`} not published: ${outcome.queued[0]!.reason}`,
      {
        hint: 'Fix the cause above (network, remote URL, access rights, store credentials), then run `runpages sync`.',
        exitCode: QUEUED_EXIT_CODE,
      },
    );
  }
}

function printSummary(
  outcome: ImportOutcome,
  dryRun: boolean,
  branch: string,
  ui: typeof import('../ui.ts'),
  plural: (count: number, noun: string, pluralNoun?: string) => string,
): void {
  for (const run of outcome.imported) {
    const media = run.media > 0 ? `, ${plural(run.media, 'medium', 'media')}` : '';
    ui.out(`${run.id}  ${run.project}/${run.name}  ${run.status}  ${run.series} series, ${run.points} points, ${run.artifacts} artifacts${media}\n`);
  }
  for (const warning of outcome.warnings) ui.warn(warning);
  for (const { source, reason } of outcome.skipped) ui.warn(`skipped ${source}: ${reason}`);
  for (const { source, reason } of outcome.refused) ui.warn(`refused ${source}: ${reason}`);
  const skipped = outcome.skipped.length > 0 ? `; skipped ${outcome.skipped.length} (see the warnings above)` : '';
  // Values read past or left out (a corrupt record, an over-long tag) are counted, never dropped silently.
  const warned = outcome.warnings.length > 0 ? `; ${plural(outcome.warnings.length, 'warning')} about values not imported as they were` : '';
  const refused =
    outcome.refused.length > 0 ? `; refused ${plural(outcome.refused.length, 'path')} outside the source or behind links (see the warnings above)` : '';
  const runs = plural(outcome.imported.length, 'run');
  const landed = dryRun ? `Dry run: would import ${runs}` : `Imported ${runs} to ${branch}`;
  ui.success(`${landed}${skipped}${refused}${warned}`);
}
