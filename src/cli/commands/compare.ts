/**
 * `runpages compare <id> <id>...`: the comparison the site shows, in the terminal (aligned, coloured
 * deltas), as Markdown for a pull-request comment, or as JSON.
 */
import type { Command } from 'commander';
import { runSource } from '../../index/source.ts';
import { liveSettings } from '../../run/liveness.ts';
import type { RunRecord } from '../../run/schema.ts';
import { resolveNow } from '../clock.ts';

export const order = 40;

interface CompareFlags {
  baseline?: string;
  from?: string;
  markdown?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('compare')
    .description('Compare runs: params that differ, metric deltas against a baseline, and why the runs differ.')
    .argument('<runs...>', 'run ids, unambiguous id prefixes or run names (two or more)')
    .option('--baseline <run>', 'run to compare against (default: the first one given)')
    .option('--from <source>', 'where runs are read from: a branch (default: the configured runs branch) or a folder laid out like it')
    .option('--markdown', 'print Markdown for a pull-request comment')
    .option('--json', 'print the comparison as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ runpages compare 01JC1A 01JC2C
  $ runpages compare calm-fox-1 brave-otter-12 --from runs
  $ runpages compare 01JC1A 01JC1B 01JC2C --baseline 01JC1A --markdown | gh pr comment 42 --body-file -`,
    )
    .action(async (references: string[], flags: CompareFlags) => {
      const [{ loadConfig }, { loadRunRecords }, { compareRuns, resolveRunIds }, text, { createColors }, ui, { RunpagesError }] = await Promise.all([
        import('../../config.ts'),
        import('../../index/records.ts'),
        import('../../report/compare.ts'),
        import('../compare-text.ts'),
        import('picocolors'),
        import('../ui.ts'),
        import('../../errors.ts'),
      ]);
      if (flags.markdown && flags.json) {
        throw new RunpagesError('conflicting-options', 'Choose one of --markdown and --json.', { hint: 'Drop one of the two options.' });
      }
      const cwd = process.cwd();
      const config = loadConfig(cwd);
      // Without --from, always the configured branch, even beside a runs/ folder (as `ls` and `show` do).
      // Records only: the terminal shows no curves.
      const source = runSource(flags.from, cwd, config.branch);
      const { runs } = await loadRunRecords(cwd, source, '', {
        now: resolveNow(),
        live: liveSettings(config),
      });
      const byId = new Map(runs.map((run) => [run.record.id, run.record]));
      const ids = resolveRunIds(
        references,
        [...byId.keys()],
        [...byId.values()].map((record) => record.name),
      );
      if (new Set(ids).size < 2) {
        throw new RunpagesError('too-few-runs', `compare needs two or more different runs; got ${references.map((r) => JSON.stringify(r)).join(', ')}.`, {
          hint: 'Pass at least two run ids, id prefixes or names (see them with `runpages ls`); to look at one run, use `runpages show <run>`.',
        });
      }
      const chosen = ids.map((id) => ({ record: byId.get(id) as RunRecord }));
      const comparison = compareRuns(chosen, { baseline: flags.baseline, config });
      if (flags.json) return ui.printJson(comparison);
      if (flags.markdown) {
        const site = config.site.url?.replace(/\/+$/, '');
        const link = site ? `${site}/compare/?runs=${ids.join(',')}&baseline=${comparison.runs[comparison.baseline]?.id}` : undefined;
        const [{ comparisonImageLinks }, { objectUrl }, { readRunMedia }] = await Promise.all([
          import('../../report/media-links.ts'),
          import('../../site/url.ts'),
          import('../../index/run-media.ts'),
        ]);
        const loaded = new Map(runs.map((run) => [run.record.id, run]));
        const manifests = await readRunMedia(
          cwd,
          source,
          ids.map((id) => loaded.get(id) as (typeof runs)[number]),
        );
        const images = comparisonImageLinks(manifests, { ...(site ? { siteUrl: site } : {}), objectUrl: (sha) => objectUrl(config.publicUrl, sha) });
        ui.out(text.comparisonMarkdown(comparison, link, images));
        return;
      }
      const colour = !('NO_COLOR' in process.env) && (process.env.FORCE_COLOR !== undefined || process.stdout.isTTY === true);
      ui.out(text.comparisonText(comparison, createColors(colour)));
    });
}
