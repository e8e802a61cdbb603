/**
 * What a build keeps for the next one in the user-side cache folder: the record of rendered pages
 * (keyed by the app, so a new app re-renders) and the validated runs by content hash.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { createHash } from 'node:crypto';
import type { LoadCache } from '../index/load.ts';
import { parsedRunFormat } from '../index/run-cache.ts';
import type { PageKeys } from './page-keys.ts';
import { astroNodeModules, fingerprint } from './astro-driver.ts';

const RENDERED_PAGES_FORMAT = 'runpages/rendered-pages@1';

interface RenderedPages {
  format: typeof RENDERED_PAGES_FORMAT;
  /** The output folder they were rendered into. */
  out: string;
  /** The app that rendered them (its templates and the code they call). */
  app: string;
  keys: PageKeys;
}

/**
 * The pages the last build rendered into `out` whose files are still there, by key (see
 * page-keys.ts), or undefined when they cannot be trusted: another output folder, another version of
 * the app. The record is removed here and written again only when this build succeeds, so a build
 * that fails halfway leaves the next one to render everything.
 */
export function takeRenderedPages(cacheDir: string, out: string, root: string): PageKeys | undefined {
  const file = join(cacheDir, 'rendered-pages.v8');
  let record: Partial<RenderedPages> | undefined;
  try {
    record = deserialize(readFileSync(file)) as Partial<RenderedPages>;
  } catch {
    return undefined;
  }
  rmSync(file, { force: true });
  if (record.format !== RENDERED_PAGES_FORMAT || record.out !== out || record.app !== appKey(root) || !(record.keys instanceof Map)) return undefined;
  const keys = record.keys;
  for (const path of keys.keys()) if (!existsSync(join(out, path))) keys.delete(path);
  return keys;
}

export function saveRenderedPages(cacheDir: string, out: string, root: string, keys: PageKeys): void {
  const file = join(cacheDir, 'rendered-pages.v8');
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, serialize({ format: RENDERED_PAGES_FORMAT, out, app: appKey(root), keys } satisfies RenderedPages));
  renameSync(temp, file);
}

/** Changes whenever the Astro app, the package code its pages import, or Astro itself changes. */
export function appKey(root: string): string {
  const astro = readFileSync(join(astroNodeModules(), 'astro', 'package.json'), 'utf8');
  return createHash('sha256')
    .update(fingerprint(root))
    .update(fingerprint(fileURLToPath(new URL('../', import.meta.url))))
    .update(astro)
    .digest('hex');
}

/**
 * Validated runs of the last build by content hash (see LoadCache), so a rebuild parses only new
 * runs (the build drops those whose series and assets are both gone, once it knows the style).
 */
export function readRunCache(cacheDir: string): LoadCache {
  const file = join(cacheDir, 'runs.v8');
  const cache: LoadCache = new Map();
  try {
    const data = deserialize(readFileSync(file)) as { format?: string; runs?: LoadCache };
    if (data.format !== parsedRunFormat('run-cache') || !(data.runs instanceof Map)) return cache;
    for (const [hash, run] of data.runs) cache.set(hash, run);
  } catch {
    // no cache yet, or unreadable: parse everything
  }
  return cache;
}

/** Keeps the cache to the runs of this build (write then rename: concurrent builds share the folder). */
export function writeRunCache(cacheDir: string, cache: LoadCache, runs: { hash: string }[]): void {
  const kept: LoadCache = new Map();
  for (const run of runs) {
    const entry = cache.get(run.hash);
    if (entry) kept.set(run.hash, entry);
  }
  mkdirSync(cacheDir, { recursive: true });
  const file = join(cacheDir, 'runs.v8');
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, serialize({ format: parsedRunFormat('run-cache'), runs: kept }));
  renameSync(temp, file);
}
