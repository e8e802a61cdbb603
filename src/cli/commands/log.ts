/**
 * `runpages log [--step N] key=value...`: appends one line to the run's metrics.jsonl, for shell jobs
 * running under `runpages record`.
 */
import type { Command } from 'commander';

export const order = 11;

export function register(program: Command): void {
  program
    .command('log')
    .description('Log metrics from a shell job running under "runpages record" (appends to $RUNPAGES_DIR/metrics.jsonl).')
    .argument('[metrics...]', 'key=value pairs; values are numbers (nan and inf allowed); or <kind> <key> <file> to log a medium')
    .option('--step <n>', 'training step (default: one more than the last)')
    .option('--caption <text>', 'caption of a medium')
    .option('--total-steps <n>', 'the steps the job will take, shown as progress of the live run')
    .addHelpText(
      'after',
      `
Examples:
  $ runpages log --total-steps 1000
  $ runpages log --step 100 train/loss=0.52 lr=0.001
  $ runpages record -- sh -c 'for i in 1 2 3; do runpages log --step $i loss=0.$i; done'

Media (<kind> is image, confusion_matrix, curve, histogram, table or text; "-" reads stdin):
  $ runpages log image val/samples grid.png --step 3 --caption "epoch 3"
  $ runpages log text samples out.txt --step 3
  $ runpages log confusion_matrix val/confusion cm.json   # {"labels": [...], "matrix": [[...]]}
A medium that breaks a limit is not logged: a warning says why, and the exit code stays 0.`,
    )
    .action(async (pairs: string[], flags: { step?: string; totalSteps?: string; caption?: string }) => {
      const { MEDIA_KINDS } = await import('../../run/media.ts');
      if (pairs.length > 0 && (MEDIA_KINDS as readonly string[]).includes(pairs[0] as string)) {
        const { logMediumFromCli } = await import('../../record/media-cli.ts');
        await logMediumFromCli(process.env.RUNPAGES_DIR, pairs, flags);
        return;
      }
      const { appendMetricsLine, setTotalSteps } = await import('../../record/metrics-log.ts');
      if (flags.totalSteps !== undefined) await setTotalSteps(process.env.RUNPAGES_DIR, flags.totalSteps);
      if (pairs.length === 0 && flags.totalSteps === undefined) {
        const { RunpagesError } = await import('../../errors.ts');
        throw new RunpagesError('invalid-metric', 'Nothing to log.', {
          hint: 'Give metrics as key=value, e.g. runpages log --step 10 loss=0.52 (or --total-steps N).',
        });
      }
      if (pairs.length > 0) await appendMetricsLine(process.env.RUNPAGES_DIR, pairs, flags.step, new Date());
    });
}
