/**
 * What `runpages record` checks before it starts the job: that the run can be published at all (a
 * git repository whose object database and refs it can write, so the runs branch can be made or
 * moved, and a config it can read). A problem found after a ten-hour job is ten hours lost; found
 * before, it costs a second. Reachability of the remote is not checked: an offline run is queued.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { loadConfig, type Config } from '../config.ts';
import { RunpagesError } from '../errors.ts';
import { gitMaybe } from '../git/exec.ts';
import { repoRoot } from '../git/refs.ts';

/**
 * Resolves to the repository root and its config, or throws a RunpagesError whose hint says how to
 * fix the setup.
 *
 * @example const { root, config } = await checkCanRecord(process.cwd());
 */
export async function checkCanRecord(cwd: string): Promise<{ root: string; config: Config }> {
  const root = await repoRoot(cwd);
  if (!root) {
    throw new RunpagesError(
      'not-a-repository',
      `${cwd} is not inside a git repository, so the run would have no branch to go to; the command was not started.`,
      {
        hint: 'Run runpages record inside your project repository (or create one with `git init`, then `runpages init`); to run the command unrecorded, run it without runpages record.',
      },
    );
  }
  const common = (await gitMaybe(root, ['rev-parse', '--git-common-dir'])) ?? '.git';
  const gitDir = isAbsolute(common) ? common : join(root, common);
  for (const folder of ['objects', 'refs']) {
    try {
      await access(join(gitDir, folder), constants.W_OK);
    } catch {
      throw new RunpagesError(
        'repository-read-only',
        `cannot write to ${join(gitDir, folder)}, so the runs branch cannot be created or moved; the command was not started.`,
        {
          hint: 'Record from a clone you can write to (check the owner and permissions of the .git folder).',
        },
      );
    }
  }
  return { root, config: loadConfig(root) };
}
