/**
 * Helpers for tests of built sites: list output files (links are checked by ./links.ts).
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file under `dir`, as paths relative to it with `/` separators, sorted. */
export function listFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.push(relative(dir, full).split('\\').join('/'));
    }
  };
  walk(dir);
  return files.sort();
}
