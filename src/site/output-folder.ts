/** The build's output folder: listing, tidying and measuring it. */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Paths of all files below `dir`, relative to it. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

/** Removes folders left empty below `dir` (not `dir` itself, nor a git repository's). */
export function removeEmptyFolders(dir: string): boolean {
  let empty = true;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== '.git' && removeEmptyFolders(path)) rmSync(path, { recursive: true });
    else empty = false;
  }
  return empty;
}

export function ensureSlash(path: string): string {
  return path.endsWith('/') ? path : `${path}/`;
}

/** Counts HTML pages and total bytes of the output. */
export function measure(dir: string): { pages: number; bytes: number } {
  let pages = 0;
  let bytes = 0;
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        bytes += statSync(full).size;
        if (entry.name.endsWith('.html')) pages += 1;
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return { pages, bytes };
}
