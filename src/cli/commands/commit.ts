/**
 * `runpages commit <run-dir>`: publishes a run directory made by anything (a Python job, a shell
 * script): validate, queue, upload artifacts, commit to the runs branch, push.
 */
import type { Command } from 'commander';
import { addRunOptions, type RunFlags } from '../run-options.ts';

export const order = 15;

/** Exit status when the run was kept in the queue rather than published. */
export const QUEUED_EXIT_CODE = 3;

interface CommitFlags extends RunFlags {
  json?: boolean;
}

export function register(program: Command): void {
  addRunOptions(
    program
      .command('commit')
      .description('Publish a run directory (run.yaml, params, metrics.jsonl, summary.json, notes.md, artifacts/) to the runs branch.')
      .argument('<run-dir>', 'the run directory'),
  )
    .option('--json', 'print the outcome as JSON on stdout')
    .addHelpText(
      'after',
      `
Artifacts go to the object store first, then the run is committed to the local runs branch (your
working tree, index and HEAD are not touched) and pushed. If that fails (offline, no access), the run
stays queued in .runpages/queue/ and the exit status is ${QUEUED_EXIT_CODE}: publish it later with "runpages sync".

Examples:
  $ runpages commit out/run-42
  $ runpages commit out/run-42 --project vision --tag baseline --param lr=0.001`,
    )
    .action(async (dir: string, flags: CommitFlags) => {
      const [
        { resolve },
        { loadConfig },
        { repoRoot },
        { prepareRunDir },
        { publishRuns },
        { runOverrides },
        { runFolder },
        ui,
        { RunpagesError },
        { runUrl },
      ] = await Promise.all([
        import('node:path'),
        import('../../config.ts'),
        import('../../git/refs.ts'),
        import('../../record/run-dir.ts'),
        import('../../branch/publish.ts'),
        import('../run-options.ts'),
        import('../../run/prepared.ts'),
        import('../ui.ts'),
        import('../../errors.ts'),
        import('../../site/url.ts'),
      ]);
      const root = (await repoRoot(process.cwd())) ?? process.cwd();
      const config = loadConfig(root);
      const prepared = await prepareRunDir(resolve(dir), runOverrides(flags), { cwd: root });
      const { id, name } = prepared.record;
      const outcome = await publishRuns([prepared], { cwd: root, config });
      for (const warning of outcome.warnings) ui.warn(warning);
      const url = runUrl(config.site.url, id);
      if (flags.json) ui.printJson({ id, name, folder: runFolder(prepared.record), ...(url ? { url } : {}), ...outcome });
      const queued = outcome.queued.find((entry) => entry.id === id);
      if (queued) {
        throw new RunpagesError('run-queued', `Run ${name} (${id}) is not published: ${queued.reason}. It is queued in .runpages/queue/${id}/.`, {
          // The cause's own hint (e.g. which credentials to check) beats a generic list of suspects.
          hint: queued.hint
            ? `${queued.hint} The run waits in the queue: \`runpages sync\` publishes it once that is fixed.`
            : 'Fix the cause above (network, remote URL, access rights, store credentials), then run `runpages sync`.',
          exitCode: QUEUED_EXIT_CODE,
        });
      }
      ui.success(
        `Published run ${name} (${id}) to ${config.branch}${outcome.pushAttempts > 0 ? ` on ${config.remote}` : ' (local branch: no remote)'}${url ? `: ${url} once the site is rebuilt` : ''}`,
      );
    });
}
