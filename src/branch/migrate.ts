/**
 * `runpages migrate`: moves every run of an old-layout branch (`runs/<project>/<yyyy-mm>/<id>/`)
 * into its bucket (`runs/<project>/<yyyy-mm>/<bucket>/<id>/`, src/run/layout.ts) in one commit.
 * A move re-points the run's folder tree, so every file keeps its blob: the content is byte for byte
 * what it was. Works on the remote's tip when there is a remote (then pushes, retrying on a moved
 * branch), else on the local branch; a branch already in the new layout is left alone.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.ts';
import { RunpagesError } from '../errors.ts';
import { commitTree, ObjectReader, TREE_MODE } from '../git/objects.ts';
import { repoRoot, resolveCommit, updateRef } from '../git/refs.ts';
import { fetchBranch, hasRemote, pushCommit } from '../git/remote.ts';
import { canonicalFolder, parseRunFolder } from '../run/layout.ts';
import { applyToTree, listRunFolders, type FolderTree } from './commit.ts';
import { catchUpLocal } from './publish.ts';

export interface MigrateOutcome {
  /** The commit migrated (the remote's tip when there is a remote). */
  from: string;
  /** The new tip; equal to `from` when nothing moved or on a dry run. */
  to: string;
  /** Runs moved, old folder to new. */
  moved: { from: string; to: string }[];
  /** Old-layout folders dropped because the run is already in its bucket (the bucketed copy is the newer writer's). */
  dropped: string[];
  /** Runs on the branch in all (after the migration). */
  runs: number;
  /** True when the new tip is on the remote (false: local branch only, or a dry run). */
  pushed: boolean;
  dryRun: boolean;
}

/** Steps of a migration, for a progress line. */
export type MigrateStep = 'fetching' | 'reading' | 'committing' | 'pushing';

const MAX_ATTEMPTS = 10;

/**
 * Rewrites the runs branch into the bucketed layout in one commit.
 *
 * @example const { moved } = await migrateBranch({ cwd, config, dryRun: true });
 */
export async function migrateBranch(options: {
  cwd: string;
  config: Config;
  dryRun?: boolean;
  onStep?: (step: MigrateStep, detail?: string) => void;
}): Promise<MigrateOutcome> {
  const { cwd, config } = options;
  const { remote, branch } = config;
  const ref = `refs/heads/${branch}`;
  if (!(await repoRoot(cwd))) {
    throw new RunpagesError('not-a-repository', `${cwd} is not inside a git repository, so there is no "${branch}" branch to migrate`, {
      hint: 'Run `runpages migrate` inside your project repository.',
    });
  }
  const withRemote = await hasRemote(cwd, remote);
  const reader = new ObjectReader(cwd);
  try {
    for (let attempt = 1; ; attempt++) {
      let base: string | undefined;
      if (withRemote) {
        options.onStep?.('fetching', `${remote}/${branch}`);
        try {
          base = await fetchBranch(cwd, remote, branch);
        } catch (error) {
          throw new RunpagesError(
            'fetch-failed',
            `Cannot fetch "${branch}" from the remote "${remote}": ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
            {
              hint: 'Nothing was changed. Check the network and the remote URL (`git remote -v`), then run `runpages migrate` again.',
              cause: error,
            },
          );
        }
      }
      base ??= await resolveCommit(cwd, ref);
      if (!base) {
        throw new RunpagesError('branch-not-found', `There is no "${branch}" branch to migrate${withRemote ? ` (neither locally nor on "${remote}")` : ''}.`, {
          hint: 'Nothing to do: a new branch is written in the current layout from the start.',
        });
      }
      options.onStep?.('reading', base.slice(0, 12));
      const plan = await planMigration(reader, base);
      const outcome = { from: base, to: base, moved: plan.moved, dropped: plan.dropped, runs: plan.runs, pushed: false, dryRun: options.dryRun === true };
      if (options.dryRun || (plan.moved.length === 0 && plan.dropped.length === 0)) return { ...outcome, pushed: withRemote && !options.dryRun };

      options.onStep?.('committing', `${plan.moved.length} runs`);
      const { tree } = await applyToTree(cwd, reader, base, [
        ...[...plan.moved.map((move) => move.from), ...plan.dropped].map((path) => ({ path, entry: null })),
        ...plan.moved.map((move) => ({ path: move.to, entry: { mode: TREE_MODE, type: 'tree' as const, sha: plan.trees.get(move.from) as string } })),
      ]);
      const commit = await commitTree(cwd, tree as string, [base], migrationMessage(plan.moved.length, plan.dropped.length));
      if (!withRemote) {
        if (await updateRef(cwd, ref, commit, base, 'runpages migrate')) return { ...outcome, to: commit };
      } else {
        options.onStep?.('pushing', `${remote}/${branch}`);
        if ((await pushCommit(cwd, remote, commit, branch)) === 'pushed') {
          await catchUpLocal(cwd, reader, ref, commit);
          return { ...outcome, to: commit, pushed: true };
        }
      }
      if (attempt >= MAX_ATTEMPTS) {
        throw new RunpagesError('branch-busy', `The "${branch}" branch kept moving while it was migrated (${MAX_ATTEMPTS} attempts); nothing was changed.`, {
          hint: 'Run `runpages migrate` again when fewer jobs are publishing.',
        });
      }
      await sleep(Math.random() * 200 * attempt); // someone published meanwhile: migrate their tip
    }
  } finally {
    reader.close();
  }
}

/** Which run folders of `commit` move where. */
async function planMigration(
  reader: ObjectReader,
  commit: string,
): Promise<{ moved: { from: string; to: string }[]; dropped: string[]; runs: number; trees: Map<string, string> }> {
  const folders: FolderTree[] = await listRunFolders(reader, commit);
  const present = new Set(folders.map((folder) => folder.path));
  const trees = new Map(folders.map((folder) => [folder.path, folder.tree]));
  const moved: { from: string; to: string }[] = [];
  const dropped: string[] = [];
  const targets = new Set<string>();
  for (const folder of folders) {
    const path = parseRunFolder(folder.path);
    if (!path) continue; // a folder that is no run's (a name a run cannot have): left as it is
    const to = canonicalFolder(path);
    if (to === folder.path) continue;
    // Already in its bucket (written after an upgrade), or a second old copy: the bucketed one stays.
    if (present.has(to) || targets.has(to)) dropped.push(folder.path);
    else {
      targets.add(to);
      moved.push({ from: folder.path, to });
    }
  }
  const runs = new Set(folders.map((folder) => parseRunFolder(folder.path)).flatMap((path) => (path ? [canonicalFolder(path)] : []))).size;
  return { moved, dropped, runs, trees };
}

function migrationMessage(moved: number, dropped: number): string {
  const parts = [`Move ${moved} run${moved === 1 ? '' : 's'} into buckets (runpages migrate)`];
  const body = [
    'runs/<project>/<yyyy-mm>/<run-id>/ becomes runs/<project>/<yyyy-mm>/<bucket>/<run-id>/, so no folder',
    "of the branch holds more than 3,000 entries (GitHub's guidance). Every file keeps its content.",
  ];
  if (dropped > 0) body.push(`${dropped} old-layout cop${dropped === 1 ? 'y' : 'ies'} of runs already in their bucket removed.`);
  return `${parts.join('')}\n\n${body.join('\n')}\n`;
}
