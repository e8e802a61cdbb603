/**
 * Git's object database through plumbing: write blobs and trees, make commits, and read objects
 * with one long-lived `cat-file --batch` process. Nothing here touches a working tree or index.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, gitMaybe } from './exec.ts';

/** One entry of a tree object. */
export interface TreeEntry {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
  name: string;
}

/** A mode for a subdirectory entry, as `mktree` expects it. */
export const TREE_MODE = '040000';
export const FILE_MODE = '100644';

/**
 * Writes blobs to the object database in one git process and returns their ids, in order.
 * Contents go through temporary files (`hash-object --stdin-paths`) so thousands of files cost one
 * process, and `--no-filters` keeps the bytes exactly as given.
 */
export async function writeBlobs(cwd: string, contents: readonly (string | Uint8Array)[]): Promise<string[]> {
  if (contents.length === 0) return [];
  const dir = await mkdtemp(join(tmpdir(), 'runpages-blobs-'));
  try {
    const paths = contents.map((_, index) => join(dir, String(index)));
    await Promise.all(contents.map((content, index) => writeFile(paths[index] as string, content)));
    const out = await git(cwd, ['hash-object', '-w', '--no-filters', '--stdin-paths'], { input: `${paths.join('\n')}\n` });
    return out.split('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes tree objects in one `mktree --batch` process and returns their ids, in order. */
export async function writeTrees(cwd: string, trees: readonly (readonly TreeEntry[])[]): Promise<string[]> {
  if (trees.length === 0) return [];
  // -z: entries end in NUL and an empty entry ends a tree, so any file name is safe.
  const input = trees.map((entries) => `${entries.map((e) => `${e.mode} ${e.type} ${e.sha}\t${e.name}\0`).join('')}\0`).join('');
  const out = await git(cwd, ['mktree', '-z', '--batch'], { input });
  return out.split('\n');
}

/** Per repository: extra environment giving commits an identity when git has none configured. */
const identities = new Map<string, Promise<Record<string, string>>>();

async function identityFor(cwd: string): Promise<Record<string, string>> {
  const [committer, author] = await Promise.all([gitMaybe(cwd, ['var', 'GIT_COMMITTER_IDENT']), gitMaybe(cwd, ['var', 'GIT_AUTHOR_IDENT'])]);
  if (committer && author) return {};
  return {
    GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? 'runpages',
    GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? 'runpages@localhost',
    GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME ?? 'runpages',
    GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL ?? 'runpages@localhost',
  };
}

/**
 * Makes a commit object (it does not move any ref). Jobs in containers often have no git identity
 * configured; then runpages commits as itself rather than failing the publish.
 */
export async function commitTree(cwd: string, tree: string, parents: readonly string[], message: string): Promise<string> {
  let identity = identities.get(cwd);
  if (!identity) identities.set(cwd, (identity = identityFor(cwd)));
  const args = ['commit-tree', tree, ...parents.flatMap((parent) => ['-p', parent])];
  return git(cwd, args, { input: message, env: await identity });
}

/** An object read from the database. */
export interface GitObject {
  sha: string;
  type: string;
  content: Buffer;
}

/**
 * A long-lived `git cat-file --batch`: one process answers any number of reads, in order.
 * Call `close()` when done.
 *
 * @example
 * const reader = new ObjectReader(cwd);
 * const readme = await reader.read('runs:README.md');
 * reader.close();
 */
export class ObjectReader {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #waiting: { resolve: (value: GitObject | undefined) => void; reject: (error: Error) => void }[] = [];
  #buffer: Buffer = Buffer.alloc(0);
  #failure: Error | undefined;

  constructor(cwd: string) {
    this.#child = spawn('git', ['cat-file', '--batch'], { cwd, env: process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    this.#child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    this.#child.stdout.on('data', (chunk: Buffer) => {
      this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
      this.#drain();
    });
    const fail = (error: Error): void => {
      this.#failure = error;
      for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
    };
    this.#child.on('error', fail);
    this.#child.stdin.on('error', () => {});
    this.#child.on('close', (code) => {
      if (this.#waiting.length) fail(new Error(`git cat-file --batch exited (${code}): ${stderr.trim()}`));
    });
  }

  /** Reads an object by any name git understands (`<sha>`, `<commit>:<path>`); undefined when missing. */
  read(name: string): Promise<GitObject | undefined> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (/[\n]/.test(name)) return Promise.reject(new Error(`invalid object name: ${JSON.stringify(name)}`));
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#child.stdin.write(`${name}\n`);
    });
  }

  /** Reads a tree's entries; undefined when the name does not resolve to a tree. */
  async readTree(name: string): Promise<TreeEntry[] | undefined> {
    const object = await this.read(name);
    return object?.type === 'tree' ? parseTree(object.content, object.sha.length / 2) : undefined;
  }

  close(): void {
    this.#child.stdin.end();
  }

  #drain(): void {
    for (;;) {
      const waiter = this.#waiting[0];
      const newline = this.#buffer.indexOf(10);
      if (!waiter || newline < 0) return;
      const header = this.#buffer.subarray(0, newline).toString('utf8');
      if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
        this.#buffer = this.#buffer.subarray(newline + 1);
        this.#waiting.shift();
        waiter.resolve(undefined);
        continue;
      }
      const [sha, type, sizeText] = header.split(' ');
      const size = Number(sizeText);
      if (!sha || !type || !Number.isInteger(size)) {
        this.#waiting.shift();
        waiter.reject(new Error(`unexpected cat-file output: ${header}`));
        return;
      }
      const end = newline + 1 + size;
      if (this.#buffer.length < end + 1) return; // content and its trailing newline not all here yet
      const content = Buffer.from(this.#buffer.subarray(newline + 1, end));
      this.#buffer = this.#buffer.subarray(end + 1);
      this.#waiting.shift();
      waiter.resolve({ sha, type, content });
    }
  }
}

/** Parses a raw tree object: entries of `<mode> <name>\0<binary id>`. */
function parseTree(content: Buffer, idBytes: number): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let offset = 0;
  while (offset < content.length) {
    const space = content.indexOf(32, offset);
    const nul = content.indexOf(0, space);
    const mode = content.subarray(offset, space).toString('latin1');
    const name = content.subarray(space + 1, nul).toString('utf8');
    const sha = content.subarray(nul + 1, nul + 1 + idBytes).toString('hex');
    const type = mode === '40000' ? 'tree' : mode === '160000' ? 'commit' : 'blob';
    entries.push({ mode: type === 'tree' ? TREE_MODE : mode, type, sha, name });
    offset = nul + 1 + idBytes;
  }
  return entries;
}
