/**
 * `runpages live <run-dir>`: the companion the Python client starts beside its job (see
 * src/record/companion.ts): heartbeats of the run directory until stdin closes.
 */
import type { Command } from 'commander';

export const order = 12;

export function register(program: Command): void {
  program
    .command('live')
    .description(
      "Publish a run directory as a live run while a job writes it, and sample the job's system metrics, until stdin closes (the Python client starts this beside its job).",
    )
    .argument('<run-dir>', 'the run directory the job is writing')
    .option('--pid <pid>', "the job's process, sampled with its children for system metrics (default: this command's parent)")
    .addHelpText(
      'after',
      `
The job keeps this command's stdin open while it runs and closes it when it ends (a killed job
closes it too). Heartbeats follow live.interval in the config or RUNPAGES_LIVE_INTERVAL; nothing
is queued. The job publishes its final run itself (runpages commit <run-dir>) after this exits.

Example:
  $ sleep 600 | runpages live .runpages/runs/01JC1A...`,
    )
    .action(async (dir: string, flags: { pid?: string }) => {
      const [{ resolve }, { accompanyRun }, ui] = await Promise.all([import('node:path'), import('../../record/companion.ts'), import('../ui.ts')]);
      // Ctrl-C reaches the whole process group: the job decides when we stop, by closing stdin.
      process.on('SIGINT', () => {});
      await accompanyRun({
        dir: resolve(dir),
        input: process.stdin,
        env: process.env,
        warn: ui.warn,
        jobPid: flags.pid === undefined ? process.ppid : Number(flags.pid),
      });
    });
}
