/**
 * sha256 of files, bytes and streams. Objects are named by their sha256, so every write and every
 * read passes through one of these; files are streamed so memory stays flat for large artifacts.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RunpagesError } from '../errors.ts';
import { SHA256_PATTERN } from '../run/schema.ts';

export interface Digest {
  sha256: string;
  size: number;
}

/** sha256 (hex) of bytes in memory. */
export function sha256Bytes(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * A pass-through stream that hashes and counts what flows through it; `digest()` is valid once the
 * stream has ended.
 *
 * @example
 * const hasher = new HashingStream();
 * await pipeline(createReadStream(file), hasher, createWriteStream(copy));
 * hasher.digest(); // { sha256: '…', size: 1234 }
 */
export class HashingStream extends Transform {
  readonly #hash: Hash = createHash('sha256');
  readonly #onBytes: ((total: number) => void) | undefined;
  #size = 0;
  #result: Digest | undefined;

  /** `onBytes(total)` is told the running byte count after each chunk. */
  constructor(onBytes?: (total: number) => void) {
    super();
    this.#onBytes = onBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    this.#onBytes?.(this.#size);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#result = { sha256: this.#hash.digest('hex'), size: this.#size };
    callback();
  }

  /** The hash and size of everything that passed through; throws before the stream has ended. */
  digest(): Digest {
    if (!this.#result) throw new Error('HashingStream.digest() called before the stream ended');
    return this.#result;
  }
}

/** Reads a file in 1 MiB chunks: the 64 KiB default makes hashing multi-GB checkpoints call-bound. */
export function readFileStream(path: string): ReadStream {
  return createReadStream(path, { highWaterMark: 1024 * 1024 });
}

/** sha256 and size of a file, streamed. */
export async function sha256File(path: string): Promise<Digest> {
  const hasher = new HashingStream();
  await pipeline(readFileStream(path), hasher, async (source: AsyncIterable<Buffer>) => {
    // Drain: only the digest is wanted.
    for await (const _chunk of source);
  });
  return hasher.digest();
}

/** Rejects anything that is not a sha256 hex digest before it becomes part of a path or key. */
export function assertSha256(sha256: string): void {
  if (!SHA256_PATTERN.test(sha256)) {
    throw new RunpagesError('invalid-object-id', `"${sha256.slice(0, 80)}" is not a sha256 object id (64 lowercase hex characters)`, {
      hint: 'Object ids come from run records (artifacts[].sha256, series.*.sha256, git.diff); check the record that referenced it.',
    });
  }
}
