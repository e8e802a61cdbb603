/**
 * `runpages show <id-or-prefix>`: one run in detail (params, metrics, series, artifacts, lineage,
 * notes), or its full record with `--json`.
 */
import type { Command } from 'commander';
import { runSource } from '../../index/source.ts';
import { liveSettings } from '../../run/liveness.ts';
import { resolveNow } from '../clock.ts';

export const order = 41;

interface ShowFlags {
  from?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('show')
    .description('Show one run in detail: params, metrics, series, artifacts, git, environment, data, lineage and notes.')
    .argument('<run>', 'a run id, an unambiguous prefix of one (as `runpages ls` prints), or a run name')
    .option('--from <branch|dir>', 'branch to read runs from (default: the configured runs branch), or a folder laid out like it, e.g. runs')
    .option('--json', 'print the full run record as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ runpages show 01M3DATX
  $ runpages show brave-otter-12 --from runs
  $ runpages show 01M3DATX --json | jq .metrics`,
    )
    .action(async (reference: string, flags: ShowFlags) => {
      const [{ loadConfig }, { loadRunRecords }, { findRun, renderRunDetail }, ui] = await Promise.all([
        import('../../config.ts'),
        import('../../index/records.ts'),
        import('../run-detail.ts'),
        import('../ui.ts'),
      ]);
      const cwd = process.cwd();
      const config = loadConfig(cwd);
      const source = runSource(flags.from, cwd, config.branch);
      // Every run is read: names resolve too, and children (runs naming this one as parent) are listed.
      const now = resolveNow();
      const { runs } = await loadRunRecords(cwd, source, '', { now, live: liveSettings(config) });
      const records = runs.map((run) => run.record);
      const record = findRun(records, reference);
      if (flags.json) {
        ui.printJson(record);
        return;
      }
      const children = records.filter((other) => other.parents.includes(record.id));
      ui.out(`${renderRunDetail(record, { now, color: ui.color, config, children })}\n`);
    });
}
