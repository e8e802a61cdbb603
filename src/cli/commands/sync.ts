/**
 * `runpages sync`: publishes every run waiting in `.runpages/queue/` (offline when recorded, a
 * rejected push, a store that was down) in one batch, then makes sure the remote has the whole
 * local runs branch.
 */
import type { Command } from 'commander';
import { QUEUED_EXIT_CODE } from './commit.ts';

export const order = 16;

interface SyncFlags {
  json?: boolean;
  list?: boolean;
}

export function register(program: Command): void {
  program
    .command('sync')
    .description('Publish the runs queued locally because publishing failed, in one batch.')
    .option('--list', 'only list the queued runs and why they are queued')
    .option('--json', 'print the outcome as JSON on stdout')
    .addHelpText(
      'after',
      `
Runs land in the queue when "record" or "commit" cannot publish them. Each stays there, with the
reason, until it is on the remote. The exit status is ${QUEUED_EXIT_CODE} when runs are still queued afterwards.

Examples:
  $ runpages sync --list
  $ runpages sync
  $ runpages sync --json | jq '.queued'`,
    )
    .action(async (flags: SyncFlags) => {
      const [{ loadConfig }, { repoRoot }, { listQueue }, { publishQueue, pushLocalBranch }, { hasRemote }, ui, { RunpagesError }, { plural }] =
        await Promise.all([
          import('../../config.ts'),
          import('../../git/refs.ts'),
          import('../../branch/queue.ts'),
          import('../../branch/publish.ts'),
          import('../../git/remote.ts'),
          import('../ui.ts'),
          import('../../errors.ts'),
          import('../../site/format.ts'),
        ]);
      const root = (await repoRoot(process.cwd())) ?? process.cwd();
      const config = loadConfig(root);
      const waiting = await listQueue(root);

      if (flags.list) {
        const rows = waiting.map((entry) => ({
          id: entry.id,
          name: entry.run.record.name,
          project: entry.run.record.project,
          queuedAt: entry.queuedAt,
          reason: entry.reason ?? 'not attempted yet',
        }));
        if (flags.json) return ui.printJson(rows);
        if (rows.length === 0) return ui.info('The queue is empty: every run is published.');
        for (const row of rows) ui.out(`${row.id}  ${row.project}/${row.name}  queued ${row.queuedAt}\n  ${ui.color.dim(row.reason)}\n`);
        return;
      }

      let outcome = { published: [] as string[], queued: [] as { id: string; reason: string }[], pushAttempts: 0, warnings: [] as string[] };
      if (waiting.length > 0) {
        const bar = ui.progress('Uploading artifacts of queued runs', waiting.length);
        outcome = await publishQueue({ cwd: root, config, onProgress: (done) => bar.tick(done) });
        bar.done();
        for (const warning of outcome.warnings) ui.warn(warning);
      }
      // Runs committed while there was no remote (or files other tools put on the branch) go up too.
      const remote = await hasRemote(root, config.remote);
      const branch: { pushed: boolean; reason?: string } =
        remote && outcome.queued.length === 0 ? await pushLocalBranch({ cwd: root, config }) : { pushed: false };

      if (flags.json) ui.printJson({ ...outcome, branchPushed: branch.pushed });
      const names = new Map(waiting.map((entry) => [entry.id, `${entry.run.record.project}/${entry.run.record.name}`]));
      for (const id of outcome.published) ui.success(`published ${id} (${names.get(id) ?? 'run'})`);
      if (waiting.length === 0 && !flags.json) ui.info('The queue is empty: nothing to publish.');
      if (outcome.queued.length > 0) {
        const lines = outcome.queued.map((entry) => `  ${entry.id}: ${entry.reason}`).join('\n');
        throw new RunpagesError('runs-queued', `${outcome.queued.length === 1 ? '1 run is' : `${outcome.queued.length} runs are`} still queued:\n${lines}`, {
          hint: 'Fix the cause above (network, remote URL, access rights, store credentials) and run `runpages sync` again.',
          exitCode: QUEUED_EXIT_CODE,
        });
      }
      if (branch.reason) {
        throw new RunpagesError('branch-not-pushed', `The ${config.branch} branch could not be pushed: ${branch.reason}`, {
          hint: 'Fix the cause above and run `runpages sync` again.',
          exitCode: QUEUED_EXIT_CODE,
        });
      }
      if (outcome.published.length > 0) ui.info(`${plural(outcome.published.length, 'run')} published to ${config.branch}.`);
    });
}
