/**
 * The object store interface (docs/design.md#object-store): content-addressed by sha256, layout
 * `sha256/<2 hex>/<62 hex>`. Backends: a local folder (`local.ts`) and S3 (`s3.ts`); `openStore`
 * picks one from the configured URI.
 */
import { RunpagesError } from '../errors.ts';

export interface PutOptions {
  onProgress?: (written: number, total: number) => void;
}

export interface ObjectStore {
  /** Human-readable location for messages, e.g. `s3://bucket/prefix` or a folder path. */
  readonly location: string;
  /** Size in bytes of a stored object, or undefined when it is absent. */
  stat(sha256: string): Promise<number | undefined>;
  /**
   * Stores a local file (streamed, hashed while reading); skipped when present. `onProgress` hears
   * the bytes written so far of `total`, for progress on large artifacts.
   */
  putFile(path: string, options?: PutOptions): Promise<{ sha256: string; size: number; uploaded: boolean }>;
  /** Stores bytes held in memory; skipped when present. */
  putBytes(data: Uint8Array): Promise<{ sha256: string; size: number; uploaded: boolean }>;
  /** Downloads to `dest`, verifying the hash; a mismatch is an error and leaves no file behind. */
  getFile(sha256: string, dest: string): Promise<void>;
  /** Reads an object fully into memory, verified. */
  getBytes(sha256: string): Promise<Uint8Array>;
  /**
   * Streams a stored object and returns what its bytes actually hash to, or undefined when it is
   * absent: the deep check of `runpages verify`. Never throws for corruption; the caller compares.
   */
  digest(sha256: string): Promise<{ sha256: string; size: number } | undefined>;
  /**
   * Every object in the store with its size, in no particular order: one listing instead of a
   * request per object when checking many (`runpages verify`). Optional for backends.
   */
  list?(): AsyncIterable<{ sha256: string; size: number }>;
  /**
   * Writes (or replaces) a small mutable object `live/<name>` beside the content-addressed ones, sent
   * with `Cache-Control: no-cache`: the live object a running run's page reads over `publicUrl`
   * (src/record/live-object.ts). Only stores a browser can read have it (S3).
   */
  putLive?(name: string, data: Uint8Array): Promise<void>;
}

/** Key of an object inside a store. */
export function objectKey(sha256: string): string {
  return `sha256/${sha256.slice(0, 2)}/${sha256.slice(2)}`;
}

/** The object is not in the store. */
export function objectMissingError(location: string, sha256: string, options: { cause?: unknown } = {}): RunpagesError {
  return new RunpagesError('object-missing', `Object ${sha256} is missing from the store ${location}`, {
    hint: 'Run `runpages verify` to list every missing object and the runs that reference it; re-publish those runs from the machine that recorded them (`runpages sync`), or check that `store` in runpages.config.yaml points at the right place.',
    ...options,
  });
}

/** The stored bytes do not hash to the object's name. */
export function objectCorruptError(location: string, sha256: string, actual: { sha256: string; size: number }): RunpagesError {
  return new RunpagesError(
    'object-corrupt',
    `Object ${sha256} in the store ${location} is corrupt: its ${actual.size} bytes hash to ${actual.sha256}; the store copy is corrupt, so nothing was written`,
    {
      hint: 'Delete that object from the store and re-publish the run that produced it (the original file re-uploads under the same name); `runpages verify --deep` lists every corrupt object.',
    },
  );
}

/** A file's bytes changed between hashing it and storing it: storing them under the old name would lie. */
export function fileChangedError(path: string, expected: { size: number }, actual: { size: number }): RunpagesError {
  return new RunpagesError(
    'file-changed',
    `${path} changed while it was being stored (${expected.size} bytes when hashed, ${actual.size} when copied); nothing was stored for it`,
    { hint: 'Store artifacts once they are complete (after the training code has closed the file), then publish again.' },
  );
}
