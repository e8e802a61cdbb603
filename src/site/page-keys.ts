/**
 * Incremental builds: a page (or data file) is rendered only when its key (a hash of everything it
 * shows) differs from the key it was last rendered with into the same output folder; otherwise its
 * file is left as it is. Routes pass their paths through {@link pathsToRender}; the build hands the
 * last build's keys in and records this build's afterwards (see build.ts).
 *
 * Why not Astro's experimental incremental build: it still visits every path and keeps a copy of
 * every page in its cache, so each page costs two file writes on a cold build, and creating a file
 * costs ~0.5 ms here (most of a 10k-run build).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';

/** Keys by output file (relative to the output folder, e.g. `r/<id>/index.html`). */
export type PageKeys = Map<string, string>;

/** A route's path with its output file and key. */
export interface KeyedPath {
  /** Output file relative to the output folder. */
  file: string;
  /** Changes whenever what the file shows changes. */
  key: string;
}

const RECORD_DIR = 'page-keys';

/**
 * The paths of a route that need rendering: those whose file's key changed since the last build.
 * Records every path's key in `dataDir` (when building), so the build can keep the others' files.
 *
 * @example return pathsToRender(dataDir, data.renderedPages, 'runs', runs.map((run) => ({ params, props, file, key })))
 */
export function pathsToRender<T extends KeyedPath>(dataDir: string | undefined, previous: PageKeys | undefined, route: string, paths: T[]): T[] {
  if (!dataDir) return paths;
  const dir = join(dataDir, RECORD_DIR);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${route}.v8`), serialize(new Map(paths.map((path) => [path.file, path.key]))));
  return previous ? paths.filter((path) => previous.get(path.file) !== path.key) : paths;
}

/** Every key the routes recorded in `dataDir` during this build. */
export function recordedKeys(dataDir: string): PageKeys {
  const keys: PageKeys = new Map();
  const dir = join(dataDir, RECORD_DIR);
  let files: string[] = [];
  try {
    files = readdirSync(dir);
  } catch {
    return keys;
  }
  for (const file of files) for (const [path, key] of deserialize(readFileSync(join(dir, file))) as PageKeys) keys.set(path, key);
  return keys;
}
