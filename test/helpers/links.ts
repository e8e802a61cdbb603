/**
 * A link checker for built sites: every internal href/src of every HTML page must stay under the
 * base path and point at a file that exists in the output folder.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import fg from 'fast-glob';

export interface BrokenLink {
  page: string;
  url: string;
  reason: string;
}

/** Checks every page of the site in `out`, served under `base` (e.g. `/repo/`). Returns broken links and the count checked. */
export function checkLinks(out: string, base: string): { broken: BrokenLink[]; checked: number; pages: number } {
  const pages = fg.sync('**/*.html', { cwd: out });
  const broken: BrokenLink[] = [];
  let checked = 0;
  for (const page of pages) {
    const html = readFileSync(join(out, page), 'utf8');
    const pageUrl = new URL(`${base}${page.replace(/index\.html$/, '')}`, 'https://site.test');
    for (const match of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
      const raw = (match[1] ?? '').replace(/&amp;/g, '&');
      if (raw === '' || /^(?:[a-z][a-z0-9+.-]*:|#|\/\/)/i.test(raw)) continue;
      checked++;
      const url = new URL(raw, pageUrl);
      if (!url.pathname.startsWith(base)) {
        broken.push({ page, url: raw, reason: `is outside the base path ${base}` });
        continue;
      }
      const path = decodeURIComponent(url.pathname.slice(base.length));
      let file = join(out, path);
      if (path === '' || path.endsWith('/')) file = join(file, 'index.html');
      else if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
      if (!existsSync(file)) broken.push({ page, url: raw, reason: `no file ${relative(out, file)}` });
    }
  }
  return { broken, checked, pages: pages.length };
}
