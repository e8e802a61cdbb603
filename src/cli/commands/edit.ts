/**
 * `runpages edit <run> --name ... --tag +best --tag -draft --note ...`: changes a published run's
 * name, tags or notes, as a commit on the runs branch by whoever ran it (git history is the audit
 * trail), pushed with retry like any publish.
 */
import type { Command } from 'commander';

export const order = 14;

interface EditFlags {
  name?: string;
  tag: string[];
  note?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('edit')
    .description('Rename a published run, add or remove tags, or append a note (a commit on the runs branch).')
    .argument('<run>', 'run id, id prefix or name')
    .option('--name <name>', 'new name')
    .option('--tag <tag>', 'tag to add (+best or best) or remove (-draft); repeatable', (value: string, all: string[]) => [...all, value], [] as string[])
    .option('--note <text>', 'a paragraph to append to the notes (Markdown)')
    .option('--json', 'print the changed record as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ runpages edit 01JC1A --tag +best --tag -draft
  $ runpages edit brave-otter-12 --name lr-sweep-best --note "Best of the sweep; see PR #42."`,
    )
    .action(async (reference: string, flags: EditFlags) => {
      const [{ loadConfig }, { amendRun }, { applyEdit, parseTagEdits }, { findRun }, ui, { RunpagesError }] = await Promise.all([
        import('../../config.ts'),
        import('../../branch/amend.ts'),
        import('../../run/edit.ts'),
        import('../run-detail.ts'),
        import('../ui.ts'),
        import('../../errors.ts'),
      ]);
      const tags = parseTagEdits(flags.tag);
      if (flags.name === undefined && flags.note === undefined && tags.addTags.length + tags.removeTags.length === 0) {
        throw new RunpagesError('nothing-to-edit', 'Nothing to change.', {
          hint: 'Give --name, --tag +tag / --tag -tag or --note, e.g. runpages edit 01JC1A --tag +best',
        });
      }
      const cwd = process.cwd();
      const result = await amendRun({
        cwd,
        config: loadConfig(cwd),
        select: (records) => findRun(records, reference),
        change: (fields) =>
          applyEdit(fields, { ...(flags.name === undefined ? {} : { name: flags.name }), ...tags, ...(flags.note === undefined ? {} : { note: flags.note }) }),
        warn: ui.warn,
      });
      const { reportAmend } = await import('./archive.ts');
      reportAmend(result, 'edited', flags.json === true);
    });
}
