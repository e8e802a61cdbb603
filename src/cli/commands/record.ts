/**
 * `runpages record -- <command...>`: runs a training job and records it as a run (output tail,
 * status, timing, git, environment), then publishes it. The job's exit code is always record's.
 */
import type { Command } from 'commander';

export const order = 10;

interface RecordFlags {
  project?: string;
  name?: string;
  tag?: string[];
  param?: string[];
  dir?: string;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function register(program: Command): void {
  program
    .command('record')
    .description('Run a command and record it as a run: params, metrics, artifacts, output, git and environment.')
    .argument('<command...>', 'the command to run, after "--"')
    .option('--project <name>', 'project of the run (default: the repository folder name)')
    .option('--name <name>', 'human-friendly run name (default: generated, e.g. brave-otter-12)')
    .option('--tag <tag>', 'tag the run (repeatable)', collect)
    .option('--param <key=value>', 'record a param (repeatable; dotted keys nest, values are typed as YAML)', collect)
    .option('--dir <path>', 'run directory (default: .runpages/runs/<id>/ under the repository root)')
    .addHelpText(
      'after',
      `
The command sees RUNPAGES_DIR (its run directory: write params.yaml, metrics.jsonl, summary.json,
notes.md and artifacts/ there, or call "runpages log"), RUNPAGES_RUN_ID and RUNPAGES_PROJECT.
If publishing fails (offline, rejected push) the run is queued: publish it later with "runpages sync".

Examples:
  $ runpages record -- python train.py --epochs 10
  $ runpages record --project vision --tag baseline --param lr=0.001 -- sh train.sh`,
    )
    .action(async (command: string[], flags: RecordFlags) => {
      const [{ recordCommand }, ui, { RunpagesError }] = await Promise.all([
        import('../../record/recorder.ts'),
        import('../ui.ts'),
        import('../../errors.ts'),
      ]);
      const params: Record<string, string> = {};
      for (const pair of flags.param ?? []) {
        const at = pair.indexOf('=');
        if (at <= 0) {
          throw new RunpagesError('invalid-param', `--param ${JSON.stringify(pair)} is not key=value`, { hint: 'Write params as --param lr=0.001' });
        }
        params[pair.slice(0, at)] = pair.slice(at + 1);
      }
      process.exitCode = await recordCommand(command, {
        cwd: process.cwd(),
        ...(flags.dir === undefined ? {} : { dir: flags.dir }),
        overrides: {
          ...(flags.project === undefined ? {} : { project: flags.project }),
          ...(flags.name === undefined ? {} : { name: flags.name }),
          ...(flags.tag ? { tags: flags.tag } : {}),
          ...(flags.param ? { params } : {}),
        },
        report: { info: ui.info, warn: ui.warn, error: (error) => void ui.reportError(error) },
      });
    });
}
