/**
 * Who changed a run after the fact, read from the branch's history (git is the audit trail): every
 * commit made by `runpages edit`, `archive` or `unarchive` names its run in a `Runpages-Edited`
 * trailer (src/branch/commit.ts), so one `git log --grep` finds them all without diffing trees.
 */
import { EDITED_TRAILER } from '../branch/commit.ts';
import { git } from '../git/exec.ts';

export interface RunEditInfo {
  /** The author of the latest edit, as git has it. */
  by: string;
  /** When (ISO 8601, the author date). */
  at: string;
  /** How many edit commits name the run. */
  count: number;
}

const FIELD = '\x1f';
const RECORD = '\x1e';

/**
 * The edits of each run on `ref`'s history by run id, latest first.
 *
 * @example (await readRunEdits(cwd, 'runs')).get('01JC1A…') // { by: 'Ada', at: '2026-12-04T…', count: 2 }
 */
export async function readRunEdits(cwd: string, ref: string): Promise<Map<string, RunEditInfo>> {
  const out = await git(cwd, ['log', `--format=%an${FIELD}%aI${FIELD}%b${RECORD}`, `--grep=^${EDITED_TRAILER}: `, ref, '--']);
  return parseRunEdits(out);
}

/** The pure half of {@link readRunEdits}: `git log` output (newest first) to edits by run id. */
export function parseRunEdits(text: string): Map<string, RunEditInfo> {
  const edits = new Map<string, RunEditInfo>();
  for (const entry of text.split(RECORD)) {
    const [by, at, body] = entry.replace(/^\n/, '').split(FIELD);
    if (by === undefined || at === undefined || body === undefined) continue;
    for (const line of body.split('\n')) {
      const match = new RegExp(`^${EDITED_TRAILER}: (\\S+)$`).exec(line.trim());
      if (!match) continue;
      const id = match[1] as string;
      const seen = edits.get(id);
      if (seen) seen.count++;
      else edits.set(id, { by, at: new Date(at).toISOString(), count: 1 });
    }
  }
  return edits;
}
