/**
 * Committing runs to the `runs` branch with plumbing only (docs/design.md#branch): blobs and trees are written
 * straight to the object database, only the trees along each run's path are rebuilt, and the branch
 * moves by compare-and-swap. The user's working tree, index and HEAD are never read or written.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RunpagesError } from '../errors.ts';
import { commitTree, FILE_MODE, ObjectReader, TREE_MODE, writeBlobs, writeTrees, type TreeEntry } from '../git/objects.ts';
import { gitBytes } from '../git/exec.ts';
import { resolveCommit, updateRef } from '../git/refs.ts';
import { runFolder, type PreparedRun } from '../run/prepared.ts';

/** A run's folder on the branch and the tree object holding its files. */
export interface FolderTree {
  /** `runs/<project>/<yyyy-mm>/<id>` */
  path: string;
  tree: string;
  /** The run's id when this is an edit after the fact: its commit says so (see EDITED_TRAILER). */
  edited?: string;
}

/** The trailer naming a run changed after the fact (`runpages edit`, `archive`); read by src/index/edits.ts. */
export const EDITED_TRAILER = 'Runpages-Edited';

/** What a new branch starts with, so anyone who stumbles on it knows what it is. */
export const BRANCH_README = `# runpages runs

This branch holds experiment runs recorded with [runpages](https://github.com/runpages/runpages):
one folder per run, \`runs/<project>/<yyyy-mm>/<run-id>/run.yaml\` (plus \`series.json\`).
Artifacts live in the object store, named by their sha256.

It is written by \`runpages record\`, \`runpages commit\` and \`runpages sync\` with git plumbing,
never by hand, and it shares no history with the code. \`runpages build\` turns it into a site.
`;

/** Writes each run's files and folder tree to the object database; nothing refers to them yet. */
export async function writeRunTrees(cwd: string, runs: readonly PreparedRun[]): Promise<FolderTree[]> {
  const byName = ([a]: [string, unknown], [b]: [string, unknown]): number => (a < b ? -1 : a > b ? 1 : 0);
  const files = runs.map((run) => Object.entries(run.files).sort(byName));
  const media = runs.map((run) => Object.entries(run.media ?? {}).sort(byName));
  const blobs = await writeBlobs(cwd, [
    ...files.flatMap((entries) => entries.map(([, content]) => content)),
    ...media.flatMap((entries) => entries.map(([, content]) => content)),
  ]);
  let next = 0;
  const blobEntries = (entries: [string, unknown][]): TreeEntry[] => entries.map(([name]) => ({ mode: FILE_MODE, type: 'blob', sha: blobs[next++] as string, name }));
  const fileEntries = files.map(blobEntries);
  // The media/ subfolder's trees first: the run folders' trees refer to them.
  const withMedia = media.map((entries, index) => ({ entries, index })).filter(({ entries }) => entries.length > 0);
  const mediaTrees = await writeTrees(cwd, withMedia.map(({ entries }) => blobEntries(entries)));
  withMedia.forEach(({ index }, n) => {
    const entries = fileEntries[index] as TreeEntry[];
    entries.push({ mode: TREE_MODE, type: 'tree', sha: mediaTrees[n] as string, name: 'media' });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  });
  const trees = await writeTrees(cwd, fileEntries);
  return runs.map((run, index) => ({ path: runFolder(run.record), tree: trees[index] as string, ...(run.edited ? { edited: run.record.id } : {}) }));
}

/**
 * The commit that puts `folders` on top of `parent` (undefined: a new orphan branch, which also
 * gets a README). Folders already there with the same content change nothing; when nothing changes
 * at all, `commit` is `parent` itself.
 */
export async function buildCommit(
  cwd: string,
  reader: ObjectReader,
  parent: string | undefined,
  folders: readonly FolderTree[],
): Promise<{ commit: string; changed: string[] }> {
  const extra: { path: string; entry: Omit<TreeEntry, 'name'> }[] = [];
  if (parent === undefined) {
    const [readme] = await writeBlobs(cwd, [BRANCH_README]);
    extra.push({ path: 'README.md', entry: { mode: FILE_MODE, type: 'blob', sha: readme as string } });
  }
  const { tree, changed } = await applyToTree(cwd, reader, parent, [
    ...folders.map((folder) => ({ path: folder.path, entry: { mode: TREE_MODE, type: 'tree' as const, sha: folder.tree } })),
    ...extra,
  ]);
  // No new root tree means every entry was already in place (a new branch always gets its README).
  if (tree === undefined) return { commit: parent as string, changed: [] };
  const paths = changed.filter((path) => path !== 'README.md' || parent !== undefined);
  const edited = folders.filter((folder) => folder.edited !== undefined && paths.includes(folder.path)).map((folder) => folder.edited as string);
  const commit = await commitTree(cwd, tree, parent ? [parent] : [], commitMessage(paths, edited));
  return { commit, changed: paths };
}

/**
 * A merge of `from` into `onto` that keeps everything of `onto` and adds every file `from` has that
 * `onto` lacks or holds differently, except inside a run folder `onto` already has: that run is
 * taken whole from `onto`. Runs never conflict (each has its own folder), so this is how a local
 * branch with unpublished runs and a remote that moved on come together. A run in both with other
 * content is one re-published since its local commit (the local copy is the older one: a version
 * still unpublished is still queued, and goes up from the queue), so mixing in the local files
 * would revert it. When `from` adds nothing, the result is `onto` itself.
 */
export async function mergeBranches(cwd: string, reader: ObjectReader, onto: string, from: string): Promise<string> {
  const diff = (await gitBytes(cwd, ['diff-tree', '-r', '-z', '--no-renames', onto, from])).toString('utf8').split('\0');
  const changes: { path: string; entry: Omit<TreeEntry, 'name'> }[] = [];
  // Records come in pairs: `:<old mode> <new mode> <old sha> <new sha> <status>` then the path.
  for (let index = 0; index + 1 < diff.length; index += 2) {
    const [, mode, , sha, status] = (diff[index] as string).slice(1).split(' ');
    const path = diff[index + 1] as string;
    if (mode && sha && status !== 'D') changes.push({ path, entry: { mode, type: mode === '160000' ? 'commit' : 'blob', sha } });
  }
  const inOnto = new Map<string, boolean>();
  const runFolderOf = (path: string): string | undefined => (/^runs\/[^/]+\/[^/]+\/[^/]+\//.test(path) ? path.split('/').slice(0, 4).join('/') : undefined);
  for (const folder of new Set(changes.map((change) => runFolderOf(change.path)).filter((f): f is string => f !== undefined))) {
    inOnto.set(folder, (await reader.read(`${onto}:${folder}`)) !== undefined);
  }
  const kept = changes.filter((change) => {
    const folder = runFolderOf(change.path);
    return folder === undefined || !inOnto.get(folder);
  });
  changes.length = 0;
  changes.push(...kept);
  const { tree } = await applyToTree(cwd, reader, onto, changes);
  if (tree === undefined) return onto;
  return commitTree(cwd, tree, [onto, from], 'Merge runs published elsewhere with local ones\n');
}

/** The run folders in a commit's `runs/<project>/<yyyy-mm>/<id>` layout, with their trees. */
export async function listRunFolders(reader: ObjectReader, commit: string): Promise<FolderTree[]> {
  const children = async (path: string): Promise<string[]> =>
    ((await reader.readTree(`${commit}:${path}`)) ?? []).filter((entry) => entry.type === 'tree').map((entry) => `${path}/${entry.name}`);
  const months = (await Promise.all((await children('runs')).map(children))).flat();
  const folders = (await Promise.all(months.map(children))).flat();
  const trees = await Promise.all(folders.map((path) => reader.read(`${commit}:${path}`)));
  return folders.map((path, index) => ({ path, tree: trees[index]?.sha as string }));
}

/**
 * Rebuilds the trees along each changed path of `base`'s tree, bottom-up, one `mktree` process per
 * depth. Returns the new root tree, or undefined when every entry was already in place.
 */
async function applyToTree(
  cwd: string,
  reader: ObjectReader,
  base: string | undefined,
  changes: readonly { path: string; entry: Omit<TreeEntry, 'name'> }[],
): Promise<{ tree: string | undefined; changed: string[] }> {
  const pending = new Map<string, Map<string, TreeEntry>>();
  const put = (path: string, entry: Omit<TreeEntry, 'name'>): void => {
    const slash = path.lastIndexOf('/');
    const dir = slash < 0 ? '' : path.slice(0, slash);
    const name = path.slice(slash + 1);
    let entries = pending.get(dir);
    if (!entries) pending.set(dir, (entries = new Map()));
    entries.set(name, { ...entry, name });
  };
  for (const change of changes) put(change.path, change.entry);
  const leaves = new Set(changes.map((change) => change.path));
  const depth = (dir: string): number => (dir === '' ? 0 : dir.split('/').length);

  const changed: string[] = [];
  let root: string | undefined;
  const maxDepth = Math.max(...[...pending.keys()].map(depth));
  for (let level = maxDepth; level >= 0; level--) {
    const dirs = [...pending.keys()].filter((dir) => depth(dir) === level).sort();
    const existing = await Promise.all(dirs.map(async (dir) => (base ? ((await reader.readTree(`${base}:${dir}`)) ?? []) : [])));
    const rewrites: { dir: string; entries: TreeEntry[] }[] = [];
    dirs.forEach((dir, index) => {
      const entries = new Map((existing[index] ?? []).map((entry) => [entry.name, entry]));
      let differs = false;
      for (const [name, entry] of pending.get(dir) ?? []) {
        const old = entries.get(name);
        if (old && old.sha === entry.sha && old.mode === entry.mode) continue;
        differs = true;
        entries.set(name, entry);
        const path = dir ? `${dir}/${name}` : name;
        if (leaves.has(path)) changed.push(path);
      }
      if (differs) rewrites.push({ dir, entries: [...entries.values()] });
    });
    const shas = await writeTrees(cwd, rewrites.map((rewrite) => rewrite.entries));
    rewrites.forEach(({ dir }, index) => {
      const sha = shas[index] as string;
      if (dir === '') root = sha;
      else put(dir, { mode: TREE_MODE, type: 'tree', sha });
    });
  }
  return { tree: root, changed: changed.sort() };
}

function commitMessage(paths: readonly string[], edited: readonly string[] = []): string {
  const shown = paths.slice(0, 20).map((path) => `- ${path}`);
  if (paths.length > shown.length) shown.push(`- ... and ${paths.length - shown.length} more`);
  const runs = paths.filter((path) => path.startsWith('runs/'));
  const title =
    paths.length === 0
      ? 'Create the runs branch'
      : runs.length !== paths.length
        ? `Update ${paths.join(', ').slice(0, 60)}`
        : runs.length === 1
          ? `Add run ${runs[0]?.split('/').slice(1).join('/')}`
          : `Add ${runs.length} runs`;
  const trailers = edited.length ? `\n${edited.map((id) => `${EDITED_TRAILER}: ${id}`).join('\n')}\n` : '';
  return `${edited.length ? title.replace(/^Add run/, 'Edit run') : title}\n\n${shown.join('\n')}\n${trailers}`;
}

/**
 * Sets `ref` to `parent` plus `folders`, retrying on a concurrent local update (another process
 * committing at the same moment), since runs never conflict. Returns the new tip and the folders
 * that changed (empty when every run was already there: re-publishing is a no-op).
 */
export async function commitFolders(
  cwd: string,
  reader: ObjectReader,
  ref: string,
  folders: readonly FolderTree[],
): Promise<{ commit: string; changed: string[] }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const tip = await resolveCommit(cwd, ref);
    const { commit, changed } = await buildCommit(cwd, reader, tip, folders);
    if (commit === tip || (await updateRef(cwd, ref, commit, tip, commitMessage(changed).split('\n')[0]))) return { commit, changed };
    await sleep(Math.random() * 20 * Math.min(attempt + 1, 10));
  }
  throw new RunpagesError('branch-busy', `Could not update ${ref}: other processes kept moving it`, {
    hint: 'Runs are still queued; run `runpages sync` once the other writers are done.',
  });
}

/**
 * Commits prepared runs to the local branch (created as an orphan when missing).
 *
 * @example
 * const { commit, changed } = await commitRuns(cwd, 'runs', [prepared]);
 */
export async function commitRuns(cwd: string, branch: string, runs: readonly PreparedRun[]): Promise<{ commit: string; changed: string[] }> {
  const reader = new ObjectReader(cwd);
  try {
    return await commitFolders(cwd, reader, `refs/heads/${branch}`, await writeRunTrees(cwd, runs));
  } finally {
    reader.close();
  }
}
