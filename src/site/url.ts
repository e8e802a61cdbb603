/**
 * Site URLs under a base path (docs/design.md#urls: the site may live at `/<repo>/` on GitHub Pages, and every
 * link must honour it). Pages use `url()` from `site/src/lib/url.ts`, which passes Astro's base.
 */

/** Normalises a base path to `/` or `/a/b/` (leading and trailing slash). */
export function normalizeBase(base: string | undefined): string {
  const trimmed = (base ?? '/').trim().replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '/' : `/${trimmed}/`;
}

/**
 * Joins a site-relative path to the base path.
 *
 * @example joinBase('/sub/', 'r/abc/') // "/sub/r/abc/"; joinBase('/', '/') // "/"
 */
export function joinBase(base: string, path: string): string {
  return normalizeBase(base) + path.replace(/^\/+/, '');
}

/** Path of a run's page, relative to the base. */
export function runPath(id: string): string {
  return `r/${encodeURIComponent(id)}/`;
}

/**
 * The full URL of a run's page when the config names the site's URL (`site.url`), for the line a
 * job prints when it ends.
 *
 * @example runUrl('https://acme.github.io/model/', '01JC1A') // "https://acme.github.io/model/r/01JC1A/"
 */
export function runUrl(siteUrl: string | undefined, id: string): string | undefined {
  return siteUrl ? `${siteUrl.replace(/\/+$/, '')}/${runPath(id)}` : undefined;
}

/** Path of a project's summary page, relative to the base. */
export function projectPath(project: string): string {
  return `p/${encodeURIComponent(project)}/`;
}

/** Path of a project's run table, relative to the base. */
export function projectRunsPath(project: string): string {
  return `p/${encodeURIComponent(project)}/runs/`;
}

/** Path of a project's metric labels and formats (JSON), fetched by lean run pages; relative to the base. */
export function metricsDisplayPath(project: string): string {
  return `data/${encodeURIComponent(project)}/metrics.json`;
}

/** Path of a project's lazily loaded MiniSearch index (JSON), relative to the base. */
export function searchIndexPath(project: string): string {
  return `data/${encodeURIComponent(project)}/search.json`;
}

/** Path of the ad hoc comparison of `ids`, relative to the base. */
export function comparePath(ids: string[], baseline?: string): string {
  const query = `runs=${ids.map(encodeURIComponent).join(',')}${baseline ? `&baseline=${encodeURIComponent(baseline)}` : ''}`;
  return `compare/?${query}`;
}

/**
 * Link to a commit on the forge, when the remote is on github.com (https or ssh form); else undefined.
 *
 * @example commitUrl('git@github.com:acme/ml.git', 'abc123') // "https://github.com/acme/ml/commit/abc123"
 */
export function commitUrl(remote: string | undefined, commit: string | undefined): string | undefined {
  const repo = githubRepo(remote);
  if (!repo || !commit || !/^[0-9a-f]{7,64}$/i.test(commit)) return undefined;
  return `https://github.com/${repo}/commit/${commit}`;
}

/** `owner/name` of a github.com remote URL, or undefined. */
export function githubRepo(remote: string | undefined): string | undefined {
  if (!remote) return undefined;
  const match = /^(?:https?:\/\/(?:[^@/]+@)?github\.com\/|git@github\.com:|ssh:\/\/git@github\.com\/)([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(
    remote.trim(),
  );
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/**
 * The origin of the store's public URL (`https://bucket.example.com`), the one host besides the site
 * itself that pages may load images from (CSP `img-src`, images in notes); undefined without one.
 *
 * @example publicOrigin('https://cdn.example.com/runs/') // 'https://cdn.example.com'
 */
export function publicOrigin(publicUrl: string | undefined): string | undefined {
  if (!publicUrl) return undefined;
  try {
    const url = new URL(publicUrl);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** Public URL of an object in the store: `<publicUrl>/sha256/<2>/<62>`, or undefined without a publicUrl. */
export function objectUrl(publicUrl: string | undefined, sha256: string): string | undefined {
  if (!publicUrl) return undefined;
  return `${publicUrl.replace(/\/+$/, '')}/sha256/${sha256.slice(0, 2)}/${sha256.slice(2)}`;
}
