/**
 * The object store interface (DESIGN §6): content-addressed by sha256, layout
 * `sha256/<2 hex>/<62 hex>`. Backends: a local folder (`local.ts`) and S3 (`s3.ts`); `openStore`
 * picks one from the configured URI.
 */
export interface ObjectStore {
  /** Human-readable location for messages, e.g. `s3://bucket/prefix` or a folder path. */
  readonly location: string;
  /** Size in bytes of a stored object, or undefined when it is absent. */
  stat(sha256: string): Promise<number | undefined>;
  /** Stores a local file (streamed, hashed while reading); skipped when present. */
  putFile(path: string): Promise<{ sha256: string; size: number; uploaded: boolean }>;
  /** Stores bytes held in memory; skipped when present. */
  putBytes(data: Uint8Array): Promise<{ sha256: string; size: number; uploaded: boolean }>;
  /** Downloads to `dest`, verifying the hash; a mismatch is an error and leaves no file behind. */
  getFile(sha256: string, dest: string): Promise<void>;
  /** Reads an object fully into memory, verified. */
  getBytes(sha256: string): Promise<Uint8Array>;
}

/** Key of an object inside a store. */
export function objectKey(sha256: string): string {
  return `sha256/${sha256.slice(0, 2)}/${sha256.slice(2)}`;
}
