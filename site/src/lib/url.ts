/**
 * `url(path)`: a site-relative path joined to the configured base (`--base` / `site.base`), for every
 * href and src in the pages. `runPath` etc. give the paths of the site's contract URLs.
 */
import { joinBase } from '../../../src/site/url.ts';

export { comparePath, projectPath, projectRunsPath, runPath, searchIndexPath } from '../../../src/site/url.ts';

/**
 * @example <a href={url(runPath(run.id))}>…</a>; url('/') is the home page under the base
 */
export function url(path: string): string {
  return joinBase(import.meta.env.BASE_URL, path);
}
