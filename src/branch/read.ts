/** Reading the runs branch straight from the object database: no checkout, two git processes. */
import { RunpagesError } from '../errors.ts';
import { gitBytes } from '../git/exec.ts';
import { ObjectReader } from '../git/objects.ts';
import { repoRoot, resolveCommit } from '../git/refs.ts';

/** A file of a branch as `ls-tree` lists it: path and blob id. */
export interface BranchFile {
  path: string;
  sha: string;
}

/**
 * Yields every file of `ref` (a branch name, `origin/runs`, or a commit) whose path passes `filter`,
 * in path order, using `ls-tree -r` and one `cat-file --batch`.
 *
 * @example
 * for await (const file of readBranchFiles(cwd, 'runs', (path) => path.endsWith('/run.yaml'))) {
 *   records.push(parseRunRecord(parseYaml(file.content.toString('utf8'), file.path), file.path));
 * }
 */
export async function* readBranchFiles(
  cwd: string,
  ref: string,
  filter: (path: string) => boolean = () => true,
): AsyncGenerator<{ path: string; content: Buffer }> {
  yield* readBlobs(cwd, await listBranchFiles(cwd, ref, filter));
}

/** The files of `ref` whose path passes `filter`, in path order, without reading them. */
export async function listBranchFiles(cwd: string, ref: string, filter: (path: string) => boolean = () => true): Promise<BranchFile[]> {
  const commit = await resolveCommit(cwd, ref);
  if (!commit) throw await missingRef(cwd, ref);
  const listing = (await gitBytes(cwd, ['ls-tree', '-r', '-z', '--full-tree', commit])).toString('utf8');
  const blobs: BranchFile[] = [];
  for (const line of listing.split('\0')) {
    // `<mode> <type> <sha>\t<path>`
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const [, type, sha] = line.slice(0, tab).split(' ');
    const path = line.slice(tab + 1);
    if (type === 'blob' && sha && filter(path)) blobs.push({ path, sha });
  }
  return blobs;
}

/** Reads `blobs` in order through one `cat-file --batch`. */
export async function* readBlobs(cwd: string, blobs: readonly BranchFile[]): AsyncGenerator<BranchFile & { content: Buffer }> {
  if (blobs.length === 0) return;
  const reader = new ObjectReader(cwd);
  try {
    // Ask for a window of objects ahead so git never waits on us, without holding the whole branch in memory.
    const window = 64;
    const request = (sha: string): Promise<{ content: Buffer } | undefined> => {
      const read = reader.read(sha);
      read.catch(() => {}); // a consumer that stops early leaves reads behind; the awaited one still throws
      return read;
    };
    const reads = blobs.slice(0, window).map((blob) => request(blob.sha));
    for (let index = 0; index < blobs.length; index++) {
      const ahead = blobs[index + window];
      if (ahead) reads.push(request(ahead.sha));
      const object = await reads[index];
      const blob = blobs[index] as BranchFile;
      if (!object) throw new Error(`blob ${blob.sha} listed by ls-tree is missing`);
      reads[index] = Promise.resolve(undefined);
      yield { ...blob, content: object.content };
    }
  } finally {
    reader.close();
  }
}

/** Why `ref` cannot be read, and the likeliest fix: not a repository, a fresh clone, or no init yet. */
async function missingRef(cwd: string, ref: string): Promise<RunpagesError> {
  if (!(await repoRoot(cwd))) {
    return new RunpagesError('not-a-repository', `${cwd} is not inside a git repository, so there is no "${ref}" branch to read runs from`, {
      hint: 'cd into your project repository, or read a folder of runs with `--from <dir>`.',
    });
  }
  // A fresh clone has the branch only as origin/<ref> until it is fetched into a local branch.
  if (!ref.includes('/') && (await resolveCommit(cwd, `origin/${ref}`))) {
    return new RunpagesError('branch-not-found', `There is no local branch "${ref}" yet; origin has one`, {
      hint: `Create it from origin with \`git branch ${ref} origin/${ref}\` (once), or read it directly with \`--from origin/${ref}\`.`,
    });
  }
  return new RunpagesError('branch-not-found', `There is no branch or commit "${ref}" in ${cwd}`, {
    hint: `Create the runs branch with \`runpages init\`, fetch it with \`git fetch origin ${ref}:${ref}\`, or build from a folder with \`--from runs\`.`,
  });
}
