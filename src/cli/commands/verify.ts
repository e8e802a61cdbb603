/**
 * `runpages verify [--deep]`: checks that the object store holds every object the runs reference.
 */
import type { Command } from 'commander';
import { runSource } from '../../index/source.ts';

export const order = 65;

interface VerifyFlags {
  deep?: boolean;
  json?: boolean;
  from?: string;
  store?: string;
}

export function register(program: Command): void {
  program
    .command('verify')
    .description(
      'Check that every object the runs reference (artifacts, full series, git diffs) is in the object store with the right size; with --deep, download and hash each one.',
    )
    .option('--deep', 'also stream every object and check its sha256 (reads the whole store)')
    .option('--json', 'print the report as JSON')
    .option('--from <source>', 'where runs are read from: a branch (default: the configured runs branch) or a folder laid out like it')
    .option('--store <uri>', 'object store to check (default: `store` in runpages.config.yaml)')
    .addHelpText(
      'after',
      `
Exits non-zero when any object is missing or corrupt.

Examples:
  $ runpages verify
  $ runpages verify --deep --json > verify-report.json`,
    )
    .action(async (flags: VerifyFlags) => {
      const [{ loadConfig }, { loadRunRecords }, { openStore }, { verifyStore }, ui, { RunpagesError }] = await Promise.all([
        import('../../config.ts'),
        import('../../index/records.ts'),
        import('../../store/open.ts'),
        import('../../store/verify.ts'),
        import('../ui.ts'),
        import('../../errors.ts'),
      ]);
      const cwd = process.cwd();
      const config = loadConfig(cwd);
      const { runs, invalid } = await loadRunRecords(cwd, runSource(flags.from, cwd, config.branch));
      const store = openStore(flags.store ?? config.store, cwd);
      const deep = flags.deep === true;
      let bar: ReturnType<typeof ui.progress> | undefined;
      const report = await verifyStore(
        store,
        runs.map((run) => run.record),
        { deep, onProgress: (done, total) => (bar ??= ui.progress(deep ? 'Hashing objects' : 'Checking objects', total)).tick(done) },
      );
      bar?.done();
      const problems = [...report.missing, ...report.corrupt];

      if (flags.json) ui.printJson({ ...report, invalid });
      else {
        // Enough to act on; --json has them all.
        const shown = problems.slice(0, 50);
        for (const check of shown) {
          const label = check.status === 'missing' ? ui.color.red('missing') : ui.color.red(check.status === 'wrong-size' ? 'wrong size' : 'corrupt');
          const detail =
            check.status === 'wrong-size'
              ? ` (${check.storedSize} bytes stored, ${check.references.find((r) => r.size !== undefined)?.size} expected)`
              : check.status === 'corrupt'
                ? ` (hashes to ${check.actualSha256})`
                : '';
          ui.info(`${label} ${check.sha256}${detail}`);
          for (const ref of check.references) ui.info(`  ${ref.what} in run ${ref.run} (${ref.project})`);
        }
        if (problems.length > shown.length) ui.info(`... and ${problems.length - shown.length} more (--json lists them all)`);
        for (const bad of invalid) ui.warn(`not checked, the run cannot be read: ${bad.reason}`);
        const summary = `${report.objects} object${report.objects === 1 ? '' : 's'} referenced by ${report.runs} run${report.runs === 1 ? '' : 's'} in ${report.store}: ${report.ok} ok, ${report.missing.length} missing, ${report.corrupt.length} corrupt${deep ? ' (hashes checked)' : ''}`;
        if (problems.length === 0) ui.success(summary);
        else ui.info(summary);
      }
      if (problems.length > 0) {
        throw new RunpagesError(
          'verify-failed',
          `${report.missing.length} missing and ${report.corrupt.length} corrupt object${problems.length === 1 ? '' : 's'} in ${report.store}`,
          {
            hint: 'Publish the runs listed above again from the machine that has their files (`runpages commit <run-dir>`; queued runs: `runpages sync`); delete a corrupt object from the store first, since a present object is not uploaded again. Then re-run `runpages verify`.',
          },
        );
      }
    });
}
