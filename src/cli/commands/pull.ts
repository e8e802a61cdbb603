/**
 * `runpages pull <run> [path]`: a run's artifacts from the object store into a folder, verified.
 */
import type { Command } from 'commander';
import { runSource } from '../../index/source.ts';

export const order = 60;

interface PullFlags {
  out?: string;
  from?: string;
  store?: string;
  json?: boolean;
  force?: boolean;
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function register(program: Command): void {
  program
    .command('pull')
    .description("Download a run's artifacts (all, one file, or a folder of them) from the object store, verified.")
    .argument('<run>', 'run id, an unambiguous prefix of it, or the run name')
    .argument('[path]', 'an artifact path, or a folder prefix of several (default: every artifact)')
    .option('--out <dir>', 'folder to write into (default: ./<run-id>/)')
    .option('--from <source>', 'where runs are read from: a branch (default: the configured runs branch) or a folder laid out like it')
    .option('--store <uri>', 'object store to read from (default: `store` in runpages.config.yaml)')
    .option('--json', 'print what was pulled as JSON')
    .option('--force', 'replace files already in the output folder that differ from the artifact')
    .addHelpText(
      'after',
      `
Examples:
  $ runpages pull 01JC1A                      # every artifact into ./01JC1A.../
  $ runpages pull 01JC1A model.pt --out ckpt  # one file into ./ckpt/model.pt
  $ runpages pull 01JC1A plots/ --json        # a folder of artifacts, listed as JSON
  $ runpages pull brave-otter-12              # by name`,
    )
    .action(async (reference: string, path: string | undefined, flags: PullFlags) => {
      const [
        { resolve },
        { loadConfig },
        { loadRunRecords },
        { findRun },
        { openStore },
        { planPull, pullArtifacts, pullFailure },
        ui,
        { RunpagesError },
        { runFileOf },
      ] = await Promise.all([
        import('node:path'),
        import('../../config.ts'),
        import('../../index/records.ts'),
        import('../run-detail.ts'),
        import('../../store/open.ts'),
        import('../../store/pull.ts'),
        import('../ui.ts'),
        import('../../errors.ts'),
        import('../../run/layout.ts'),
      ]);
      const cwd = process.cwd();
      const config = loadConfig(cwd);
      const source = runSource(flags.from, cwd, config.branch);
      // Ids (and prefixes) need only the matching runs read; a name needs them all.
      let loaded = await loadRunRecords(cwd, source, reference);
      if (loaded.runs.length === 0 && loaded.invalid.length === 0) loaded = await loadRunRecords(cwd, source);
      const { runs, invalid } = loaded;
      const broken = invalid.filter((entry) => runFileOf(entry.file)?.id.startsWith(reference));
      if (runs.every((run) => !run.record.id.startsWith(reference)) && broken.length > 0) {
        throw new RunpagesError('invalid-run', `The run matching "${reference}" cannot be read:\n${broken.map((entry) => entry.reason).join('\n')}`, {
          hint: 'Fix the run record named above, then pull again.',
        });
      }
      const record = findRun(
        runs.map((run) => run.record),
        reference,
      );

      const out = resolve(cwd, flags.out ?? record.id);
      const items = planPull(record, path, out);
      const store = openStore(flags.store ?? config.store, cwd);
      const bar = ui.progress('Pulling artifacts', items.length);
      const pulled = await pullArtifacts(store, record.id, items, out, bar.tick, { overwrite: flags.force === true });
      bar.done();

      for (const item of pulled) {
        if (item.status === 'refused') ui.warn(`run ${record.id}: artifact ${JSON.stringify(item.path)} not written: ${item.reason}`);
      }
      const failure = pullFailure(record.id, store.location, pulled);
      if (flags.json) ui.printJson({ run: record.id, store: store.location, out, artifacts: pulled });
      else if (pulled.length === 0) ui.info(`Run ${record.id} (${record.name}) has no artifacts.`);
      else {
        for (const item of pulled) {
          const note = item.status === 'pulled' ? '' : item.status === 'already-there' ? ui.color.dim('  (already there)') : ui.color.red(`  (${item.status})`);
          ui.info(`  ${JSON.stringify(item.path).slice(1, -1)}  ${ui.color.dim(formatBytes(item.size))}${note}`);
        }
        const ok = pulled.filter((item) => item.status === 'pulled' || item.status === 'already-there');
        const bytes = ok.reduce((sum, item) => sum + item.size, 0);
        const message = `Pulled ${ok.length} artifact${ok.length === 1 ? '' : 's'} (${formatBytes(bytes)}) of run ${record.id} (${record.name}) into ${out}`;
        if (failure) ui.info(message);
        else ui.success(message);
      }
      if (failure) throw failure;
    });
}
