/**
 * `runpages watch [query]`: a table of running and just-ended runs, refreshed from the runs branch
 * (fetched from the remote) every few seconds. Plain redraws (clear and rewrite, no alternate
 * screen), so it works over SSH and in tmux, and in a log file when not a terminal.
 */
import type { Command } from 'commander';
import { liveSettings } from '../../run/liveness.ts';
import { NOW_OPTION_HELP, resolveNow } from '../clock.ts';

export const order = 22;

interface WatchFlags {
  interval: string;
  once?: boolean;
  project?: string;
  metric?: string;
  now?: string;
}

export function register(program: Command): void {
  program
    .command('watch')
    .description('Watch running and just-ended runs: status, progress, latest values, refreshed from the runs branch.')
    .argument('[query...]', 'only runs matching this query (see runpages ls --help)')
    .option('--interval <seconds>', 'seconds between refreshes', '5')
    .option('--once', 'show the table once and exit')
    .option('--project <name>', 'only runs of this project')
    .option('--metric <name>', "the series drawn as a sparkline (default: the project's goal metric, with --project)")
    .option('--now <time>', NOW_OPTION_HELP)
    .addHelpText(
      'after',
      `
Examples:
  $ runpages watch
  $ runpages watch "params.lr > 0.01" --project vision --interval 10
  $ runpages watch --metric train/loss --once`,
    )
    .action(async (queryWords: string[], flags: WatchFlags) => {
      const [{ loadConfig }, { loadRunRecords }, query, view, ui, { RunpagesError }, remote, refs] = await Promise.all([
        import('../../config.ts'),
        import('../../index/records.ts'),
        import('../../query/index.ts'),
        import('../watch-view.ts'),
        import('../ui.ts'),
        import('../../errors.ts'),
        import('../../git/remote.ts'),
        import('../../git/refs.ts'),
      ]);
      const interval = Number(flags.interval);
      if (!Number.isFinite(interval) || interval <= 0) {
        throw new RunpagesError('invalid-option', `--interval must be a number of seconds, got "${flags.interval}"`, { hint: 'For example: --interval 5' });
      }
      const cwd = process.cwd();
      const config = loadConfig(cwd);
      const filter = query.compileQuery(query.parseQuery(queryWords.join(' ')), query.recordAccess, { now: resolveNow({ flag: flags.now }).getTime() });
      const remoteName = (await remote.hasRemote(cwd, config.remote)) ? config.remote : undefined;
      const tty = process.stdout.isTTY === true && !flags.once;

      const frame = async (): Promise<string> => {
        const now = resolveNow({ flag: flags.now });
        let tip: string | undefined;
        let note = '';
        if (remoteName) {
          try {
            tip = await remote.fetchBranch(cwd, remoteName, config.branch);
          } catch (error) {
            note = ` (cannot fetch from ${remoteName}: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}; showing the local branch)`;
          }
        }
        tip ??= await refs.resolveCommit(cwd, `refs/heads/${config.branch}`);
        const heading = `runpages watch · ${remoteName && !note ? `${remoteName}/` : ''}${config.branch} · ${now.toISOString().slice(0, 19).replace('T', ' ')} UTC · every ${interval}s${note}`;
        if (!tip) return `${heading}\n\nNo "${config.branch}" branch yet: record a run with runpages record -- <command>.`;
        const { runs } = await loadRunRecords(cwd, { branch: tip }, '', { now, live: liveSettings(config) });
        const records = runs
          .map((run) => run.record)
          .filter((record) => record.archived !== true && (flags.project === undefined || record.project === flags.project))
          .filter(filter);
        const watched = view.watchedRuns(records, now);
        const metric = flags.metric ?? (flags.project === undefined ? undefined : config.projects[flags.project]?.goal?.metric);
        const folders = new Map(runs.map((run) => [run.record.id, run.folder]));
        const trend =
          metric === undefined
            ? undefined
            : {
                metric,
                values: await seriesValues(
                  cwd,
                  tip,
                  metric,
                  watched.map((r) => folders.get(r.id) ?? ''),
                ),
              };
        const width = process.stdout.isTTY ? process.stdout.columns : Number(process.env.COLUMNS) || 200;
        return view.renderWatch(watched, { now, width, color: ui.color, heading, ...(trend ? { trend } : {}) });
      };

      if (flags.once) {
        process.stdout.write(`${await frame()}\n`);
        return;
      }
      let stopped = false;
      let wake: (() => void) | undefined;
      const stop = (): void => {
        stopped = true;
        wake?.();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      while (!stopped) {
        const text = await frame();
        if (stopped) break;
        // Clear and home, then the frame: a plain redraw every terminal and multiplexer understands.
        process.stdout.write(tty ? `\u001b[H\u001b[2J${text}\n` : `${text}\n\n`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, interval * 1000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (tty) process.stdout.write('\n');
    });
}

/** The stored points of `metric` for the runs in `folders` (their series.json on the branch), by run id; runs without it are left out. */
async function seriesValues(cwd: string, tip: string, metric: string, folders: readonly string[]): Promise<Map<string, number[]>> {
  const [{ readBranchFiles }, { parseSeriesText }] = await Promise.all([import('../../branch/read.ts'), import('../../run/parse-text.ts')]);
  const wanted = new Set(folders.filter((folder) => folder !== '').map((folder) => `${folder}/series.json`));
  const values = new Map<string, number[]>();
  for await (const file of readBranchFiles(cwd, tip, (path) => wanted.has(path))) {
    try {
      const series = parseSeriesText(file.content.toString('utf8'), file.path).series;
      const points = Object.hasOwn(series, metric) ? series[metric]?.value : undefined;
      if (points) values.set(file.path.split('/').at(-2) as string, points);
    } catch {
      // A series file the loader would refuse: no sparkline for that run.
    }
  }
  return values;
}
