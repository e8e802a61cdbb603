/**
 * `runpages record -- <command...>`: runs a training job and records it as a run (output tail,
 * status, timing, git, environment), then publishes it. The job's exit code is always record's.
 */
import type { Command } from 'commander';
import { addRunOptions, type RunFlags } from '../run-options.ts';

export const order = 10;

interface RecordFlags extends RunFlags {
  dir?: string;
}

export function register(program: Command): void {
  addRunOptions(
    program
      .command('record')
      .description('Run a command and record it as a run: params, metrics, artifacts, output, git and environment.')
      .argument('<command...>', 'the command to run, after "--"'),
  )
    .option('--dir <path>', 'run directory (default: .runpages/runs/<id>/ under the repository root)')
    .addHelpText(
      'after',
      `
The command sees RUNPAGES_DIR (its run directory: write params.yaml, metrics.jsonl, summary.json,
notes.md and artifacts/ there, or call "runpages log"), RUNPAGES_RUN_ID and RUNPAGES_PROJECT.
record exits with the command's exit code (128 + signal number if a signal ended it), whatever
happens to the recording once the job started; it refuses before starting when the run could never
be published (no git repository, an invalid config), and exits 127/126 without recording when the
command cannot be started. If publishing fails (offline, rejected push) the run is queued: publish
it later with "runpages sync". While the job runs, the run is published as running every
live.interval seconds (RUNPAGES_LIVE_INTERVAL for one job; docs/recording.md#live-runs).

Examples:
  $ runpages record -- python train.py --epochs 10
  $ runpages record --project vision --tag baseline --param lr=0.001 -- sh train.sh`,
    )
    .action(async (command: string[], flags: RecordFlags) => {
      const [{ recordCommand }, { runOverrides }, ui] = await Promise.all([
        import('../../record/recorder.ts'),
        import('../run-options.ts'),
        import('../ui.ts'),
      ]);
      process.exitCode = await recordCommand(command, {
        cwd: process.cwd(),
        ...(flags.dir === undefined ? {} : { dir: flags.dir }),
        overrides: runOverrides(flags),
        report: { info: ui.info, warn: ui.warn, error: (error) => void ui.reportError(error) },
      });
    });
}
