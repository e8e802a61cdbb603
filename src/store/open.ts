/**
 * Picks the object store backend from the configured `store` URI (docs/design.md#object-store).
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunpagesError } from '../errors.ts';
import { LocalStore } from './local.ts';
import { S3Store, type S3StoreOptions } from './s3.ts';
import type { ObjectStore } from './store.ts';

/** The default store: a gitignored folder in the repository. */
const DEFAULT_STORE = '.runpages/objects';

/**
 * Opens the store a URI names: a path or `file://` URI (relative ones resolve against `cwd`) is a
 * local folder; `s3://bucket/prefix` is S3. Opening does no I/O.
 *
 * @example
 * const store = openStore(loadConfig(cwd).store, cwd);
 * await store.putFile('artifacts/model.pt');
 */
export function openStore(uri: string, cwd: string, options: { s3?: S3StoreOptions } = {}): ObjectStore {
  const value = uri.trim() || DEFAULT_STORE;
  if (value.startsWith('s3://')) return new S3Store(value, options.s3);
  if (value.startsWith('file:')) {
    // file:///abs is absolute; file://relative/dir and file:relative/dir (not valid file URLs) are
    // read as relative to cwd, which is what people mean by them.
    const path = value.startsWith('file:///') ? fileURLToPath(value) : value.replace(/^file:(\/\/)?/, '');
    return new LocalStore(resolve(cwd, path));
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]+):\/\//.exec(value)?.[1];
  if (scheme) {
    throw new RunpagesError('invalid-store', `store: "${value}" uses the unsupported scheme "${scheme}://"`, {
      hint: 'Set `store` in runpages.config.yaml to a folder path (e.g. .runpages/objects), a file:// URI, or s3://<bucket>/<prefix> (any S3-compatible endpoint via AWS_ENDPOINT_URL_S3).',
    });
  }
  return new LocalStore(isAbsolute(value) ? value : resolve(cwd, value));
}
