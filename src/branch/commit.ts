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
import { BUCKET_PATTERN, canonicalFolder, parseRunFolder, runFolderOfPath, RUN_FILE_NAMES } from '../run/layout.ts';
import { runFolder, type PreparedRun } from '../run/prepared.ts';

/** A run's folder on the branch and the tree object holding its files. */
export interface FolderTree {
  /** `runs/<project>/<yyyy-mm>/<bucket>/<id>` (src/run/layout.ts; the old layout lacks the bucket) */
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
one folder per run, \`runs/<project>/<yyyy-mm>/<bucket>/<run-id>/run.yaml\` (plus \`series.json\`),
where the bucket is two hex digits of a hash of the id, so no folder grows past 3,000 entries.
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
  const blobEntries = (entries: [string, unknown][]): TreeEntry[] =>
    entries.map(([name]) => ({ mode: FILE_MODE, type: 'blob', sha: blobs[next++] as string, name }));
  const fileEntries = files.map(blobEntries);
  // The media/ subfolder's trees first: the run folders' trees refer to them.
  const withMedia = media.map((entries, index) => ({ entries, index })).filter(({ entries }) => entries.length > 0);
  const mediaTrees = await writeTrees(
    cwd,
    withMedia.map(({ entries }) => blobEntries(entries)),
  );
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
 * at all, `commit` is `parent` itself. A run written in the bucketed layout also leaves the old
 * layout's folder (src/run/layout.ts), so an edit or a re-publish never leaves the run twice.
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
    ...(parent === undefined ? [] : (await legacyCopies(reader, parent, folders)).map((path) => ({ path, entry: null }))),
    ...extra,
  ]);
  // No new root tree means every entry was already in place (a new branch always gets its README).
  if (tree === undefined) return { commit: parent as string, changed: [] };
  const paths = changed.filter((path) => path !== 'README.md' || parent !== undefined);
  const edited = folders.filter((folder) => folder.edited !== undefined && paths.includes(folder.path)).map((folder) => folder.edited as string);
  const commit = await commitTree(cwd, tree, parent ? [parent] : [], commitMessage(paths, edited));
  return { commit, changed: paths };
}

/** The old-layout folders in `commit` of runs `folders` write in the bucketed layout. */
async function legacyCopies(reader: ObjectReader, commit: string, folders: readonly FolderTree[]): Promise<string[]> {
  const months = new Map<string, Promise<TreeEntry[] | undefined>>();
  const found: string[] = [];
  for (const folder of folders) {
    const path = parseRunFolder(folder.path);
    if (path?.bucket === undefined) continue;
    const month = `runs/${path.project}/${path.month}`;
    if (!months.has(month)) months.set(month, reader.readTree(`${commit}:${month}`));
    const entry = ((await months.get(month)) ?? []).find((candidate) => candidate.name === path.id && candidate.type === 'tree');
    // A folder named like the id that holds run files, not a bucket that happens to share the name.
    if (entry && (await isRunTree(reader, entry.sha))) found.push(`${month}/${path.id}`);
  }
  return found;
}

/** True when the tree `sha` holds a run.yaml or series.json file. */
async function isRunTree(reader: ObjectReader, sha: string): Promise<boolean> {
  return ((await reader.readTree(sha)) ?? []).some((entry) => entry.type === 'blob' && (RUN_FILE_NAMES as readonly string[]).includes(entry.name));
}

/**
 * A merge of `from` into `onto` that keeps everything of `onto` and adds every file `from` has that
 * `onto` lacks or holds differently, except inside a run folder `onto` already has: that run is
 * taken whole from `onto`. Runs never conflict (each has its own folder), so this is how a local
 * branch with unpublished runs and a remote that moved on come together. A run in both with other
 * content is one re-published since its local commit (the local copy is the older one: a version
 * still unpublished is still queued, and goes up from the queue), so mixing in the local files
 * would revert it. A run `onto` holds in either layout counts as there; one only `from` holds goes
 * in at its bucketed folder. When `from` adds nothing, the result is `onto` itself.
 */
export async function mergeBranches(cwd: string, reader: ObjectReader, onto: string, from: string): Promise<string> {
  const diff = (await gitBytes(cwd, ['diff-tree', '-r', '-z', '--no-renames', onto, from])).toString('utf8').split('\0');
  const changes: TreeChange[] = [];
  const folderInOnto = new Map<string, boolean>();
  // Records come in pairs: `:<old mode> <new mode> <old sha> <new sha> <status>` then the path.
  for (let index = 0; index + 1 < diff.length; index += 2) {
    const [, mode, , sha, status] = (diff[index] as string).slice(1).split(' ');
    const path = diff[index + 1] as string;
    if (!mode || !sha || status === 'D') continue;
    const entry = { mode, type: mode === '160000' ? ('commit' as const) : ('blob' as const), sha };
    const run = runFolderOfPath(path);
    if (!run) {
      changes.push({ path, entry });
      continue;
    }
    const canonical = canonicalFolder(run);
    let inOnto = folderInOnto.get(canonical);
    if (inOnto === undefined) {
      const legacy = `runs/${run.project}/${run.month}/${run.id}`;
      inOnto = (await reader.read(`${onto}:${canonical}`)) !== undefined || (await isRunFolderAt(reader, onto, legacy));
      folderInOnto.set(canonical, inOnto);
    }
    if (!inOnto) changes.push({ path: `${canonical}/${path.slice(run.folder.length + 1)}`, entry });
  }
  const { tree } = await applyToTree(cwd, reader, onto, changes);
  if (tree === undefined) return onto;
  return commitTree(cwd, tree, [onto, from], 'Merge runs published elsewhere with local ones\n');
}

/** True when `commit` has a run folder (a tree holding run files) at `path`. */
async function isRunFolderAt(reader: ObjectReader, commit: string, path: string): Promise<boolean> {
  const object = await reader.read(`${commit}:${path}`);
  return object !== undefined && object.type === 'tree' && (await isRunTree(reader, object.sha));
}

/**
 * The run folders of a commit, in either layout (src/run/layout.ts), with their trees, sorted by
 * path: under each month, a folder holding run files is a run; a bucket's folders are runs.
 */
export async function listRunFolders(reader: ObjectReader, commit: string): Promise<FolderTree[]> {
  const trees = async (path: string): Promise<{ path: string; sha: string }[]> =>
    ((await reader.readTree(`${commit}:${path}`)) ?? [])
      .filter((entry) => entry.type === 'tree')
      .map((entry) => ({ path: `${path}/${entry.name}`, sha: entry.sha }));
  const months = (await Promise.all((await trees('runs')).map((project) => trees(project.path)))).flat();
  const entries = (await Promise.all(months.map((month) => trees(month.path)))).flat();
  const folders: FolderTree[] = [];
  await Promise.all(
    entries.map(async (entry) => {
      if (await isRunTree(reader, entry.sha)) folders.push({ path: entry.path, tree: entry.sha });
      else if (BUCKET_PATTERN.test(entry.path.slice(entry.path.lastIndexOf('/') + 1))) {
        for (const run of await trees(entry.path)) if (await isRunTree(reader, run.sha)) folders.push({ path: run.path, tree: run.sha });
      }
    }),
  );
  return folders.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A change to a tree: `entry` at `path`, or (null) nothing there any more. */
export interface TreeChange {
  path: string;
  entry: Omit<TreeEntry, 'name'> | null;
}

/**
 * Rebuilds the trees along each changed path of `base`'s tree, bottom-up, one `mktree` process per
 * depth; a folder left empty by removals goes too. Returns the new root tree, or undefined when
 * every entry was already in place, and the paths that got a new entry.
 */
export async function applyToTree(
  cwd: string,
  reader: ObjectReader,
  base: string | undefined,
  changes: readonly TreeChange[],
): Promise<{ tree: string | undefined; changed: string[] }> {
  const pending = new Map<string, Map<string, TreeEntry | null>>();
  const put = (path: string, entry: Omit<TreeEntry, 'name'> | null): void => {
    const slash = path.lastIndexOf('/');
    const dir = slash < 0 ? '' : path.slice(0, slash);
    const name = path.slice(slash + 1);
    let entries = pending.get(dir);
    if (!entries) pending.set(dir, (entries = new Map()));
    entries.set(name, entry && { ...entry, name });
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
        if (entry === null) {
          if (old) differs = entries.delete(name);
          continue;
        }
        if (old && old.sha === entry.sha && old.mode === entry.mode) continue;
        differs = true;
        entries.set(name, entry);
        const path = dir ? `${dir}/${name}` : name;
        if (leaves.has(path)) changed.push(path);
      }
      if (!differs) return;
      if (entries.size === 0 && dir !== '') put(dir, null);
      else rewrites.push({ dir, entries: [...entries.values()] });
    });
    const shas = await writeTrees(
      cwd,
      rewrites.map((rewrite) => rewrite.entries),
    );
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
