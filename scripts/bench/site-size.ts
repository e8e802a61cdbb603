/** Output size of a built site: total, per page type, and what a page's HTML weighs gzipped. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The page type of a file in the built site, from its URL path (docs/design.md#urls). */
export function pageType(path: string): string {
  const p = path.split(sep).join('/');
  if (p.startsWith('r/')) return p.endsWith('.html') ? 'run pages' : 'run page assets';
  if (/^p\/[^/]+\/runs\/index\.html$/.test(p)) return 'run table pages';
  if (/^p\/[^/]+\/runs\//.test(p)) return 'run table data';
  if (/^p\/[^/]+\/index\.html$/.test(p)) return 'project summaries';
  if (p.startsWith('p/')) return 'project data';
  if (p.startsWith('data/')) return 'search and data';
  if (p.startsWith('compare/') || p.startsWith('c/')) return 'comparisons';
  if (p.startsWith('_astro/')) return 'scripts and styles';
  if (p === 'index.html') return 'home';
  return 'other';
}

export interface SiteSize {
  total: number;
  files: number;
  byType: Record<string, { bytes: number; files: number }>;
}

/** Walks `dir` and sums file sizes by page type. */
export function measureSite(dir: string): SiteSize {
  const size: SiteSize = { total: 0, files: 0, byType: {} };
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        const bytes = statSync(path).size;
        const type = pageType(relative(dir, path));
        const bucket = (size.byType[type] ??= { bytes: 0, files: 0 });
        bucket.bytes += bytes;
        bucket.files++;
        size.total += bytes;
        size.files++;
      }
    }
  };
  walk(dir);
  return size;
}

/** Gzipped size of a file, as a server with compression would send it. */
export function gzipSize(path: string): number {
  return gzipSync(readFileSync(path), { level: 6 }).length;
}
