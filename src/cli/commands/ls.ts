/**
 * `runpages ls [query]`: the runs on the branch (or a folder of runs) as a terminal table, filtered
 * with the query language and sorted on any field; `--json` prints the full records.
 */
import type { Command } from 'commander';
import { runSource } from '../../index/source.ts';
import { liveSettings } from '../../run/liveness.ts';
import { resolveNow } from '../clock.ts';

export const order = 40;

interface LsFlags {
  archived?: boolean;
  all?: boolean;
  project?: string;
  sort?: string;
  limit?: string;
  columns?: string;
  from?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('ls')
    .description('List runs as a table, filtered by a query (MLflow filter syntax plus full-text words) and sorted on any field.')
    .argument('[query...]', 'a filter such as "metrics.acc > 0.9 and params.dataset = \'v3\'"; bare words search names, notes and tags')
    .option('--project <name>', 'only runs of this project')
    .option(
      '--sort <field[:asc|desc],...>',
      'sort by fields, e.g. metrics.acc:desc,params.lr or "metrics.acc DESC, params.lr" (default: created, newest first)',
    )
    .option('--limit <n>', 'show at most n runs (after sorting)')
    .option('--columns <fields>', 'comma-separated fields to show, e.g. id,name,params.lr,metrics.`val/acc`')
    .option('--from <branch|dir>', 'branch to read runs from (default: the configured runs branch), or a folder laid out like it, e.g. runs')
    .option('--json', 'print the matching runs as JSON (full records)')
    .option('--archived', 'only archived runs (runpages archive); hidden by default')
    .option('--all', 'archived runs too')
    .addHelpText(
      'after',
      `
Query syntax (the same as the site's filter box):
  metrics.accuracy > 0.93 and params.dataset = 'v3'   comparisons: = != < <= > >=
  metrics.\`val/acc\` >= 0.9                             backticks for names with special characters
  status IN ('failed', 'killed')                      IN / NOT IN lists
  name ILIKE '%otter%'                                LIKE / ILIKE with % and _
  created > '2026-11-01'   created > -7d              dates, and times relative to now
  (tags.owner = 'alice' or user = 'bob') and not tags.baseline
  resnet "brave otter"                                bare words and phrases: full-text search

Examples:
  $ runpages ls
  $ runpages ls "metrics.acc > 0.9 and status = 'finished'" --sort metrics.acc:desc --limit 10
  $ runpages ls resnet --project vision --columns id,name,params.lr,metrics.acc
  $ runpages ls --from runs --json > runs.json`,
    )
    .action(async (queryWords: string[], flags: LsFlags) => {
      const [{ loadConfig }, { loadRunRecords }, query, table, ui, { RunpagesError }] = await Promise.all([
        import('../../config.ts'),
        import('../../index/records.ts'),
        import('../../query/index.ts'),
        import('../ls-table.ts'),
        import('../ui.ts'),
        import('../../errors.ts'),
      ]);
      const cwd = process.cwd();
      const config = loadConfig(cwd);
      const now = resolveNow();
      // Parse everything the user typed before reading any runs, so mistakes fail fast.
      const filter = query.parseQuery(queryWords.join(' '));
      const sort = flags.sort === undefined ? undefined : table.parseSortKeys(flags.sort);
      const columns = flags.columns === undefined ? undefined : table.parseColumnsOption(flags.columns);
      const limit = flags.limit === undefined ? undefined : Number(flags.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
        throw new RunpagesError('invalid-option', `--limit must be a whole number, got "${flags.limit}"`, { hint: 'For example: --limit 20' });
      }

      const { runs, invalid } = await loadRunRecords(cwd, runSource(flags.from, cwd, config.branch), '', {
        now,
        live: liveSettings(config),
      });
      if (invalid.length > 0) {
        ui.warn(`${invalid.length} invalid run${invalid.length === 1 ? '' : 's'} skipped, e.g. ${invalid[0]?.reason.split('\n')[0]}`);
      }
      // Archived runs are hidden unless asked for (runpages archive).
      let records = runs.map((run) => run.record).filter((record) => flags.all === true || (record.archived === true) === (flags.archived === true));
      if (flags.project !== undefined) {
        const projects = [...new Set(records.map((record) => record.project))].sort();
        if (!projects.includes(flags.project)) {
          throw new RunpagesError('unknown-project', `No runs in project "${flags.project}".`, {
            hint:
              projects.length > 0 ? `Projects with runs: ${projects.join(', ')}.` : 'There are no runs yet: record one with `runpages record -- <command>`.',
          });
        }
        records = records.filter((record) => record.project === flags.project);
      }
      const total = records.length;
      records = records.filter(query.compileQuery(filter, query.recordAccess, { now: now.getTime() }));
      const matched = records.length;
      if (sort !== undefined) records = table.sortRuns(records, sort);
      if (limit !== undefined) records = records.slice(0, limit);

      if (flags.json) {
        ui.printJson(records);
        return;
      }
      if (records.length === 0) {
        ui.info(total === 0 ? 'No runs yet.' : `No runs match (of ${total}).`);
        return;
      }
      const width = process.stdout.isTTY ? process.stdout.columns : Number(process.env.COLUMNS) || Number.POSITIVE_INFINITY;
      const text = table.renderRunTable(records, {
        columns: columns ?? table.defaultColumns(records, config, [...query.fieldsOf(filter), ...(sort ? sort.map((key) => key.field) : [])]),
        now,
        width,
        color: ui.color,
        config,
      });
      ui.out(`${text}\n`);
      ui.info(ui.color.dim(countLine(records.length, matched, total)));
    });
}

/** "300 runs", "8 of 300 runs", "102 of 300 runs match", "5 of 102 matching runs (300 in all)". */
function countLine(shown: number, matched: number, total: number): string {
  const runs = (n: number) => `${n} run${n === 1 ? '' : 's'}`;
  if (matched === total) return shown === total ? runs(total) : `${shown} of ${runs(total)}`;
  return shown === matched ? `${shown} of ${runs(total)} match` : `${shown} of ${matched} matching runs (${total} in all)`;
}
