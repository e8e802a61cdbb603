/**
 * `runpages archive <run>` / `unarchive <run>`: hides a run from tables, summaries and leaderboards
 * (its page and links keep working, with a notice), or shows it again; a commit on the runs branch.
 */
import type { Command } from 'commander';
import type { AmendResult } from '../../branch/amend.ts';
import { info, printJson, warn } from '../ui.ts';

export const order = 15;

export function register(program: Command): void {
  for (const archived of [true, false]) {
    const name = archived ? 'archive' : 'unarchive';
    program
      .command(name)
      .description(
        archived
          ? 'Hide a run from tables, summaries and leaderboards (its page keeps working; ls --archived lists it).'
          : 'Show an archived run in tables, summaries and leaderboards again.',
      )
      .argument('<run>', 'run id, id prefix or name')
      .option('--json', 'print the changed record as JSON')
      .addHelpText('after', `\nExamples:\n  $ runpages ${name} 01JC1A\n  $ runpages ${name} brave-otter-12`)
      .action(async (reference: string, flags: { json?: boolean }) => {
        const [{ loadConfig }, { amendRun }, { applyEdit }, { findRun }] = await Promise.all([
          import('../../config.ts'),
          import('../../branch/amend.ts'),
          import('../../run/edit.ts'),
          import('../run-detail.ts'),
        ]);
        const cwd = process.cwd();
        const result = await amendRun({
          cwd,
          config: loadConfig(cwd),
          select: (records) => findRun(records, reference),
          change: (fields) => applyEdit(fields, { archived }),
          warn,
        });
        reportAmend(result, archived ? 'archived' : 'unarchived', flags.json === true);
      });
  }
}

/** Says what happened to an edited run: changed and pushed, queued, or already so. */
export function reportAmend(result: AmendResult, verb: string, json: boolean): void {
  const { after, changed, outcome } = result;
  if (json) printJson(after);
  if (!changed) {
    info(`run ${after.name} (${after.id}) is already so: nothing changed`);
    return;
  }
  for (const queued of outcome.queued) {
    warn(`run ${after.name} (${queued.id}) ${verb} on the local branch, not pushed yet: ${queued.reason}`);
    info('Push it when the remote is reachable with: runpages sync');
  }
  if (outcome.published.includes(after.id)) info(`run ${after.name} (${after.id}) ${verb}`);
}
