/**
 * The one way runpages reads a file of a run directory. A job may leave anything under a known
 * name: a FIFO (opening it blocks until a writer comes, which never happens once the job exited), a
 * socket, a device (`/dev/zero` never ends), a symbolic link out of the run (a secret), or a file
 * still growing. So every read lstats first, opens only regular files (with O_NOFOLLOW and
 * O_NONBLOCK, so a file swapped for a FIFO or link after the lstat cannot block or escape either),
 * reads at most the size the file had when opened and never more than a cap.
 */
import { constants, type ReadStream } from 'node:fs';
import { lstat, open, realpath, type FileHandle } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describeErrno, errnoCode } from '../errno.ts';
import { InvalidRunError } from '../run/validate.ts';
import { HashingStream, type Digest } from '../store/hash.ts';

/** Text files read whole (run.yaml, params, summary.json, notes.md): more than this is a mistake. */
export const MAX_TEXT_FILE_BYTES = 16 * 1024 * 1024;
/** metrics.jsonl is streamed, so it may be large, but not endless. */
export const MAX_METRICS_FILE_BYTES = 4 * 1024 * 1024 * 1024;

/** Tells the user about a file that was left out (the caller decides where that is printed). */
export type RunFileWarn = (message: string) => void;

/** What stands at a run file's name, decided from lstat (and realpath for a symbolic link). */
export type RunFileKind =
  | { kind: 'missing' }
  | { kind: 'file'; path: string; size: number }
  | { kind: 'folder'; path: string }
  /** Not a regular file (FIFO, socket, device): never opened. */
  | { kind: 'special'; what: string };

function specialKind(info: { isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Classifies `name` (a path relative to the run directory `dir`, shown in messages) without opening
 * it. A symbolic link is followed only when it stays inside the run directory; one that leads out,
 * is broken or loops is an InvalidRunError naming the file and saying which.
 */
export async function classifyRunFile(dir: string, name: string): Promise<RunFileKind> {
  const full = join(dir, name);
  let info = await lstat(full).catch((error: unknown) => {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
    throw readError(name, error);
  });
  if (!info) return { kind: 'missing' };
  let path = full;
  if (info.isSymbolicLink()) {
    const runRoot = await realpath(dir);
    const target = await realpath(full).catch((error: unknown) => error as NodeJS.ErrnoException);
    if (typeof target !== 'string') {
      const why =
        errnoCode(target) === 'ENOENT'
          ? 'a broken symbolic link (its target does not exist)'
          : `a symbolic link that cannot be followed: ${describeErrno(target)}`;
      throw new InvalidRunError([{ file: name, field: '', message: `is ${why}` }], 'Replace the link with the file itself.');
    }
    if (!inside(runRoot, target)) {
      throw new InvalidRunError(
        [{ file: name, field: '', message: 'is a symbolic link to a file outside the run directory' }],
        'Copy the file into the run directory instead of linking to it.',
      );
    }
    path = target;
    info = await lstat(target);
  }
  if (info.isDirectory()) return { kind: 'folder', path };
  if (info.isFile()) return { kind: 'file', path, size: info.size };
  return { kind: 'special', what: specialKind(info) };
}

function readError(name: string, error: unknown): InvalidRunError {
  return new InvalidRunError([{ file: name, field: '', message: `cannot be read: ${describeErrno(error)}` }], 'Check the file and its permissions.');
}

/** An opened regular run file; `size` is its size when opened, and reads stop there. */
export interface OpenRunFile {
  name: string;
  path: string;
  size: number;
  handle: FileHandle;
}

/**
 * Opens `name` for reading, or returns undefined when it is absent or not a regular file (then
 * `warn` is told, naming the file). Over `maxBytes` is an InvalidRunError.
 */
export async function openRunFile(dir: string, name: string, options: { maxBytes: number; warn: RunFileWarn }): Promise<OpenRunFile | undefined> {
  const found = await classifyRunFile(dir, name);
  if (found.kind === 'missing') return undefined;
  if (found.kind !== 'file') {
    options.warn(`${name} is ${found.kind === 'folder' ? 'a folder' : found.what}, not a regular file: left out of the run (it was not opened)`);
    return undefined;
  }
  let handle: FileHandle;
  try {
    handle = await open(found.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    if (errnoCode(error) === 'ELOOP') {
      options.warn(`${name} was replaced by a symbolic link while being read: left out of the run`);
      return undefined;
    }
    throw readError(name, error);
  }
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    options.warn(`${name} is ${specialKind(info)}, not a regular file: left out of the run`);
    return undefined;
  }
  if (info.size > options.maxBytes) {
    await handle.close();
    throw new InvalidRunError(
      [{ file: name, field: '', message: `is ${info.size} bytes, over the limit of ${options.maxBytes} bytes` }],
      'Keep large outputs under artifacts/ (they go to the object store), not in the files runpages reads.',
    );
  }
  return { name, path: found.path, size: info.size, handle };
}

/** The bytes of an opened file up to its size at open time, as a stream that closes the file at its end. */
export function streamRunFile(file: OpenRunFile, options: { encoding?: BufferEncoding; highWaterMark?: number } = {}): Readable | ReadStream {
  if (file.size === 0) {
    void file.handle.close();
    return Readable.from([]);
  }
  return file.handle.createReadStream({ start: 0, end: file.size - 1, autoClose: true, ...options });
}

/**
 * A run file's text, or undefined when it is absent or was left out (with a warning).
 *
 * @example
 * const notes = await readRunText(dir, 'notes.md', warn);
 */
export async function readRunText(dir: string, name: string, warn: RunFileWarn, maxBytes = MAX_TEXT_FILE_BYTES): Promise<string | undefined> {
  const file = await openRunFile(dir, name, { maxBytes, warn });
  if (!file) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of streamRunFile(file)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** sha256 and size of an opened run file, streamed. */
export async function hashRunFile(file: OpenRunFile): Promise<Digest> {
  const hasher = new HashingStream();
  await pipeline(streamRunFile(file, { highWaterMark: 1024 * 1024 }), hasher, async (source: AsyncIterable<Buffer>) => {
    for await (const _chunk of source);
  });
  return hasher.digest();
}

/** The default warning sink: stderr, in the CLI's warning style. */
export const warnOnStderr: RunFileWarn = (message) => {
  process.stderr.write(`warning ${message}\n`);
};
