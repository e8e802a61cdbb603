/**
 * What the full run page shows, computed from the index: formatted facts, metric rows, flattened
 * params, artifact links, lineage. Pure, so the page template only lays it out. The parts a run page
 * drawn in the browser shows too are in run-rows.ts.
 */
import { createHash } from 'node:crypto';
import type { ProjectConfig } from '../config.ts';
import type { IndexedRun } from '../index/run-index.ts';
import type { RunRecord } from '../run/schema.ts';
import { formatBytes, shortId } from './format.ts';
import { MAX_ROWS, envRows, factRows, metricRows, paramRows, runHeadline, type Fact, type MetricRow, type ParamRow } from './run-rows.ts';
import { commitUrl, githubRepo, objectUrl } from './url.ts';
import { liveNotice } from './live-view.ts';

export { MAX_ROWS, paramRows, type MetricRow, type ParamRow };

export interface ArtifactRow {
  path: string;
  size: string;
  type: string;
  sha256: string;
  /** Public link when the config has `publicUrl`. */
  href?: string;
  /** The command that copies it locally. */
  pull: string;
}

export interface RunLink {
  id: string;
  /** Undefined when the linked run is not in this site (deleted, or another branch). */
  name?: string;
  status?: string;
}

/** Characters of notes rendered; longer notes are cut (the full text stays in run.yaml). */
export const MAX_NOTES = 100_000;

export interface RunView {
  title: string;
  description: string;
  facts: Fact[];
  metrics: MetricRow[];
  params: ParamRow[];
  /** Rows left out of the metrics and params tables beyond {@link MAX_ROWS}. */
  hidden: { metrics: number; params: number };
  /** Notes as given, cut at {@link MAX_NOTES}. */
  notes?: { text: string; truncated: boolean };
  artifacts: ArtifactRow[];
  git?: { commit?: string; short?: string; href?: string; branch?: string; remote?: string; repo?: string; dirty?: boolean };
  env: { label: string; value: string }[];
  parents: RunLink[];
  children: RunLink[];
}

/**
 * Builds the run page's view.
 *
 * @example runView(run, projectConfig, { publicUrl, runById, shellKey })
 */
export function runView(
  run: IndexedRun,
  project: ProjectConfig,
  site: { publicUrl?: string | undefined; runById: Map<string, IndexedRun>; shellKey: string },
): RunView {
  const r = run.record;
  const link = (id: string): RunLink => {
    const other = site.runById.get(id);
    return other ? { id, name: other.record.name, status: other.record.status } : { id };
  };
  const parents = r.parents.map(link);
  const children = run.children.map(link);
  const allMetrics = metricRows(r, project);
  const allParams = paramRows(r.params);
  return {
    ...runHeadline(r, project),
    facts: factRows(r),
    metrics: allMetrics.slice(0, MAX_ROWS),
    params: allParams.slice(0, MAX_ROWS),
    hidden: { metrics: Math.max(0, allMetrics.length - MAX_ROWS), params: Math.max(0, allParams.length - MAX_ROWS) },
    ...(r.notes ? { notes: { text: r.notes.slice(0, MAX_NOTES), truncated: r.notes.length > MAX_NOTES } } : {}),
    artifacts: r.artifacts.map((a) => {
      const href = objectUrl(site.publicUrl, a.sha256);
      return {
        path: a.path,
        size: formatBytes(a.size),
        type: a.type ?? '',
        sha256: a.sha256,
        ...(href ? { href } : {}),
        pull: `runpages pull ${r.id} ${shellQuote(a.path)}`,
      };
    }),
    ...(r.git ? { git: gitView(r.git) } : {}),
    env: envRows(r),
    parents,
    children,
  };
}

/**
 * The run page's incremental-build key: changes when anything the page shows changes (the run's
 * content, the site shell, the names and statuses of linked runs). Cheap, unlike the view itself,
 * because it is computed for every run on every build.
 */
export function runPageKey(
  run: IndexedRun,
  site: { publicUrl?: string | undefined; runById: Map<string, IndexedRun>; shellKey: string; mediaKey?: string | undefined; now?: Date },
): string {
  const link = (id: string) => {
    const other = site.runById.get(id);
    return other ? [id, other.record.name, other.record.status] : [id];
  };
  return createHash('sha256')
    .update(
      JSON.stringify([
        run.hash,
        run.record.status,
        liveKey(run, site.now),
        run.edited ?? null,
        site.shellKey,
        site.publicUrl ?? '',
        run.record.parents.map(link),
        run.children.map(link),
        site.mediaKey ?? '',
      ]),
    )
    .digest('hex')
    .slice(0, 32);
}

/**
 * The lean run page's incremental-build key (a page drawn in the browser, see run-pages.ts): changes
 * when what its HTML holds changes: the run's content (name, status, title and description), the site
 * shell (config, projects), the run-count threshold it names and the data shard it fetches. Always
 * differs from the full page's key, so a run moving between the two is rendered again.
 */
export function leanRunPageKey(run: IndexedRun, site: { shellKey: string; threshold: number; shard: number; now?: Date }): string {
  return createHash('sha256')
    .update(JSON.stringify(['lean', run.hash, run.record.status, liveKey(run, site.now), run.edited ?? null, site.shellKey, site.threshold, site.shard]))
    .digest('hex')
    .slice(0, 32);
}

/** A live or crashed run's notice counts from the build's now ("3 minutes ago"): its page is redrawn when that text changes. */
function liveKey(run: IndexedRun, now: Date | undefined): string | null {
  return now === undefined ? null : (liveNotice(run.record, now) ?? null);
}

function gitView(git: NonNullable<RunRecord['git']>): NonNullable<RunView['git']> {
  const href = commitUrl(git.remote, git.commit);
  const repo = githubRepo(git.remote);
  return {
    ...(git.commit ? { commit: git.commit, short: shortId(git.commit, 10) } : {}),
    ...(href ? { href } : {}),
    ...(git.branch ? { branch: git.branch } : {}),
    ...(git.remote ? { remote: git.remote } : {}),
    ...(repo ? { repo } : {}),
    ...(git.dirty !== undefined ? { dirty: git.dirty } : {}),
  };
}

/** Quotes a path for a POSIX shell when it needs it. */
function shellQuote(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
