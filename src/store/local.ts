/**
 * The local object store: a folder (default `.runpages/objects`) laid out `sha256/<2 hex>/<62 hex>`.
 * Objects are written through a temporary file in their own folder and renamed into place, so a
 * reader never sees half an object; they are made read-only, as git does with its objects.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { RunpagesError } from '../errors.ts';
import { writeAtomically } from './atomic.ts';
import { assertSha256, readFileStream, sha256Bytes, sha256File, type Digest } from './hash.ts';
import { fileChangedError, objectCorruptError, objectKey, objectMissingError, type ObjectStore, type PutOptions } from './store.ts';

/** File-system failures of the store folder itself, in words. */
const STORE_WRITE_ERRORS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  ENOTDIR: 'a file stands where a folder should be',
};

/** No such object: nothing at its path, or a file where one of its folders should be. */
function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Opens (lazily creates) a local store rooted at an absolute folder.
 *
 * @example
 * const store = new LocalStore('/repo/.runpages/objects');
 * const { sha256 } = await store.putFile('model.pt');
 * await store.getFile(sha256, '/tmp/model.pt');
 */
export class LocalStore implements ObjectStore {
  readonly root: string;
  readonly location: string;

  constructor(root: string) {
    this.root = root;
    this.location = root;
  }

  /** Absolute path of an object's file. */
  pathOf(sha256: string): string {
    assertSha256(sha256);
    return join(this.root, ...objectKey(sha256).split('/'));
  }

  async stat(sha256: string): Promise<number | undefined> {
    try {
      return (await stat(this.pathOf(sha256))).size;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async putFile(path: string, options: PutOptions = {}): Promise<{ sha256: string; size: number; uploaded: boolean }> {
    // First pass names the object, so an object already present costs one read and no write.
    const expected = await sha256File(path);
    if ((await this.stat(expected.sha256)) === expected.size) return { ...expected, uploaded: false };
    const { onProgress } = options;
    const onBytes = onProgress && ((written: number) => onProgress(written, expected.size));
    await this.#write(readFileStream(path), expected.sha256, onBytes, (actual) => {
      if (actual.sha256 !== expected.sha256 || actual.size !== expected.size) throw fileChangedError(path, expected, actual);
    });
    return { ...expected, uploaded: true };
  }

  async putBytes(data: Uint8Array): Promise<{ sha256: string; size: number; uploaded: boolean }> {
    const sha256 = sha256Bytes(data);
    if ((await this.stat(sha256)) === data.length) return { sha256, size: data.length, uploaded: false };
    await this.#write(Readable.from([data]), sha256, undefined, () => {});
    return { sha256, size: data.length, uploaded: true };
  }

  /** Writes an object atomically; a store folder that cannot be written is the user's to fix. */
  async #write(source: Readable, sha256: string, onBytes: ((total: number) => void) | undefined, accept: (digest: Digest) => void): Promise<void> {
    const dest = this.pathOf(sha256);
    try {
      await writeAtomically(source, dest, accept, { readOnly: true, ...(onBytes ? { onBytes } : {}) });
    } catch (error) {
      const { code, path } = error as NodeJS.ErrnoException;
      if (!path?.startsWith(this.root) || !code || !STORE_WRITE_ERRORS[code]) throw error;
      throw new RunpagesError('store-write-failed', `Cannot write object ${sha256} to the store ${this.location}: ${STORE_WRITE_ERRORS[code]} (${code})`, {
        hint: "Free space or fix the folder's permissions, or point `store` in runpages.config.yaml elsewhere. Runs that could not be stored stay queued for `runpages sync`.",
        cause: error,
      });
    }
  }

  async getFile(sha256: string, dest: string): Promise<void> {
    const source = this.pathOf(sha256);
    try {
      await writeAtomically(readFileStream(source), dest, (actual) => {
        if (actual.sha256 !== sha256) throw objectCorruptError(this.location, sha256, actual);
      });
    } catch (error) {
      if (isNotFound(error) && (error as NodeJS.ErrnoException).path === source) {
        throw objectMissingError(this.location, sha256, { cause: error });
      }
      throw error;
    }
  }

  async getBytes(sha256: string): Promise<Uint8Array> {
    let data: Buffer;
    try {
      data = await readFile(this.pathOf(sha256));
    } catch (error) {
      if (isNotFound(error)) throw objectMissingError(this.location, sha256, { cause: error });
      throw error;
    }
    const actual = sha256Bytes(data);
    if (actual !== sha256) throw objectCorruptError(this.location, sha256, { sha256: actual, size: data.length });
    return data;
  }

  async *list(): AsyncIterable<{ sha256: string; size: number }> {
    const top = join(this.root, 'sha256');
    const folders = await readdir(top).catch((error: unknown) => {
      if (isNotFound(error)) return [];
      throw error;
    });
    for (const folder of folders.sort()) {
      if (!/^[0-9a-f]{2}$/.test(folder)) continue;
      for (const entry of (await readdir(join(top, folder), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        // Temporary files of writes in progress are dot-files: never objects.
        if (!entry.isFile() || !/^[0-9a-f]{62}$/.test(entry.name)) continue;
        const size = await stat(join(top, folder, entry.name)).then(
          (s) => s.size,
          () => undefined,
        );
        if (size !== undefined) yield { sha256: folder + entry.name, size };
      }
    }
  }

  async digest(sha256: string): Promise<Digest | undefined> {
    try {
      return await sha256File(this.pathOf(sha256));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}
