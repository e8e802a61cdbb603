/**
 * Atomic, verified file writes: bytes stream into a temporary file beside the destination, are
 * hashed on the way, and are renamed into place only when the caller accepts the digest. A crash,
 * an interrupted stream or a rejected digest never leaves a half-written file under the final name.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HashingStream, type Digest } from './hash.ts';

/** Temporary files are dot-files ending in `.tmp`, so no reader mistakes them for finished ones. */
function tempPathFor(dest: string): string {
  return join(dirname(dest), `.${basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Streams `source` to `dest` atomically. `accept(digest)` runs after the last byte is on disk and
 * before the rename: throwing from it discards the temporary file and the error propagates.
 *
 * @example
 * await writeAtomically(createReadStream(src), dest, (d) => { if (d.sha256 !== want) throw corrupt(); });
 */
export async function writeAtomically(
  source: Readable,
  dest: string,
  accept: (digest: Digest) => void,
  options: { readOnly?: boolean; onBytes?: (total: number) => void } = {},
): Promise<Digest> {
  // The source may fail (a missing file, a reset socket) before the pipeline is attached; without a
  // listener that would crash the process. The pipeline still sees the error: the stream is errored.
  const early = (): void => {};
  source.on('error', early);
  await mkdir(dirname(dest), { recursive: true });
  const temp = tempPathFor(dest);
  const hasher = new HashingStream(options.onBytes);
  try {
    // `flush` fsyncs before close, so a rename never publishes bytes still only in the page cache.
    await pipeline(source, hasher, createWriteStream(temp, { flags: 'wx', flush: true }));
    const digest = hasher.digest();
    accept(digest);
    if (options.readOnly) await chmod(temp, 0o444);
    await rename(temp, dest);
    return digest;
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    source.off('error', early);
  }
}
