/**
 * Helpers for tests of built sites: list output files and check that every internal link resolves.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
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

/** `href` and `src` values of an HTML document (attribute values are entity-decoded for &amp;). */
export function linksOf(html: string): string[] {
  const links: string[] = [];
  for (const match of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) links.push((match[1] as string).replace(/&amp;/g, '&').replace(/&#39;/g, "'"));
  return links;
}

/**
 * Internal links of every HTML page under `dir` that do not resolve to a file, as `page -> link`.
 * Internal means site-absolute under `base` or relative; a link outside `base` is broken too.
 */
export function brokenLinks(dir: string, base: string): string[] {
  const broken: string[] = [];
  for (const page of listFiles(dir).filter((f) => f.endsWith('.html'))) {
    const pageUrl = new URL(`http://site${base}${page}`);
    for (const link of linksOf(readFileSync(join(dir, page), 'utf8'))) {
      if (/^(https?:|mailto:|data:|#)/.test(link) || link === '') continue;
      const target = new URL(link, pageUrl);
      if (target.host !== 'site') continue;
      const path = decodeURIComponent(target.pathname);
      if (!path.startsWith(base)) {
        broken.push(`${page} -> ${link} (outside base ${base})`);
        continue;
      }
      let file = join(dir, path.slice(base.length));
      if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
      if (!existsSync(file)) broken.push(`${page} -> ${link}`);
    }
  }
  return broken;
}
