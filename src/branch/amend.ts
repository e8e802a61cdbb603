/**
 * Changing a published run after the fact (`runpages edit`, `archive`, `unarchive`): read its
 * folder from the freshest tip (the remote's when it can be fetched), change run.yaml, and publish
 * the folder again through publish.ts, so the change is a commit by whoever made it (git history is
 * the audit trail), pushed with the same retry, and queued when the remote is out of reach.
 */
import type { Config } from '../config.ts';
import { RunpagesError } from '../errors.ts';
import { repoRoot, resolveCommit } from '../git/refs.ts';
import { fetchBranch, hasRemote } from '../git/remote.ts';
import { loadRunRecords } from '../index/records.ts';
import { stringifyRecord } from '../record/run-dir.ts';
import { runFolder } from '../run/prepared.ts';
import { setOwn } from '../run/keys.ts';
import type { RunRecord } from '../run/schema.ts';
import { parseRunRecord } from '../run/validate.ts';
import { parseYaml } from '../run/yaml.ts';
import { publishRuns, type PublishOutcome } from './publish.ts';
import { listBranchFiles, readBlobs } from './read.ts';

export interface AmendResult {
  before: RunRecord;
  after: RunRecord;
  /** False when the edit changed nothing (no commit was made). */
  changed: boolean;
  outcome: PublishOutcome;
}

/**
 * Applies `change` to the fields of the run `select` picks.
 *
 * @example await amendRun({ cwd, config, select: (records) => findRun(records, '01JC1A'), change: (fields) => ({ ...fields, archived: true }) });
 */
export async function amendRun(options: {
  cwd: string;
  config: Config;
  /** Picks the run from the branch's records (the CLI resolves an id, prefix or name). */
  select: (records: RunRecord[]) => RunRecord;
  change: (fields: Record<string, unknown>) => Record<string, unknown>;
  /** Told when the remote could not be fetched (the local branch is edited instead). */
  warn?: (message: string) => void;
}): Promise<AmendResult> {
  const { cwd, config } = options;
  if (!(await repoRoot(cwd))) {
    throw new RunpagesError('not-a-repository', `${cwd} is not inside a git repository, so there is no runs branch to change`, {
      hint: 'Run this inside your project repository.',
    });
  }
  let tip: string | undefined;
  if (await hasRemote(cwd, config.remote)) {
    try {
      tip = await fetchBranch(cwd, config.remote, config.branch);
    } catch (error) {
      options.warn?.(
        `cannot fetch "${config.branch}" from "${config.remote}" (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); changing the local branch, to be pushed by runpages sync`,
      );
    }
  }
  tip ??= await resolveCommit(cwd, `refs/heads/${config.branch}`);
  if (!tip) {
    throw new RunpagesError('branch-not-found', `There is no "${config.branch}" branch with runs to change.`, {
      hint: 'Record a run first, or create the branch with `runpages init`.',
    });
  }
  const { runs } = await loadRunRecords(cwd, { branch: tip });
  const before = options.select(runs.map((run) => run.record));
  const folder = runs.find((run) => run.record.id === before.id)?.folder ?? runFolder(before);

  const files: Record<string, string> = {};
  // The media/ folder's display copies are bytes: carried over as they are.
  const media: Record<string, Uint8Array> = {};
  const listed = await listBranchFiles(cwd, tip, (path) => path.startsWith(`${folder}/`) && /^(media\/)?[^/]+$/.test(path.slice(folder.length + 1)));
  for await (const file of readBlobs(cwd, listed)) {
    const name = file.path.slice(folder.length + 1);
    if (name.startsWith('media/')) setOwn(media, name.slice('media/'.length), file.content);
    else setOwn(files, name, file.content.toString('utf8'));
  }
  const fields = parseYaml(files['run.yaml'] ?? '', `${folder}/run.yaml`) as Record<string, unknown>;
  const changedFields = options.change(fields);
  const text = stringifyRecord(changedFields);
  const after = parseRunRecord(changedFields, `${folder}/run.yaml`);
  if (text === files['run.yaml']) return { before, after, changed: false, outcome: { published: [before.id], queued: [], pushAttempts: 0, warnings: [] } };
  const outcome = await publishRuns(
    [{ record: after, files: { ...files, 'run.yaml': text }, objects: [], edited: true, ...(Object.keys(media).length ? { media } : {}) }],
    { cwd, config },
  );
  return { before, after, changed: true, outcome };
}
