/**
 * The one typed door through which site pages read data. `runpages build` loads and indexes the runs,
 * writes them with {@link writeSiteData} to a folder named by `RUNPAGES_DATA_DIR`, then runs Astro;
 * pages call {@link getSiteData} (cached per process, so `getStaticPaths` over 10k runs reads it once)
 * and {@link getSeries} for one run's series. v8 serialisation keeps NaN and ±Infinity, which JSON loses.
 *
 * Pages never load runs themselves (that would reach git and the branch from the site): without
 * `RUNPAGES_DATA_DIR` they stop with a message that says to go through the CLI.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { Config } from '../config.ts';
import { RunpagesError } from '../errors.ts';
import type { IndexedRun, ProjectIndex, RunIndex } from '../index/run-index.ts';
import type { InvalidRun } from '../index/load.ts';
import { summarize, type Summary } from '../report/summary.ts';
import type { SeriesFile } from '../run/schema.ts';
import type { ChartStyle } from './charts.ts';
import type { MediaLeftOut, RunMediaView } from './media-view.ts';
import type { DiffView } from './diff-view.ts';
import type { ArtifactPreview } from './artifact-preview.ts';
import { PackReader } from './pack.ts';
import { pathsToRender, type KeyedPath, type PageKeys } from './page-keys.ts';
import { chartsKey, compareKey, deriveCharts, deriveCompare, seriesKey, type RunCharts } from './run-assets.ts';

/** Environment variable naming the folder `runpages build` wrote the site data to. */
export const DATA_DIR_ENV = 'RUNPAGES_DATA_DIR';

const INDEX_FILE = 'index.v8';
const FORMAT = 'runpages/site-data@1';

/** What one build hands to the pages. */
export interface SitePayload {
  format: typeof FORMAT;
  config: Config;
  /** When the build ran (ISO): the "now" of relative times, passed in so output is reproducible. */
  generated: string;
  /** Where runs were read from, for the build report (`runs`, `branch runs`). */
  source: string;
  index: RunIndex;
  /** How run pages draw series (see charts.ts); `plot` when absent. */
  chartStyle?: ChartStyle;
  /** The build's pack of run assets (charts, comparison data) by run hash (see pack.ts, run-assets.ts). */
  packDir?: string;
  /** The build's pack of full series by run hash. */
  seriesPackDir?: string;
  /** Keys of the pages the last build left in the output folder (see page-keys.ts). */
  renderedPages?: PageKeys;
  /** What run pages show of each run's media, by run id (see media-build.ts). */
  media?: Map<string, RunMediaView>;
  /** Media the site left out, for the build report. */
  mediaLeftOut?: MediaLeftOut[];
  /** Each dirty run's patch, classified, when the build could read it from the store (by run id). */
  diffs?: Map<string, DiffView>;
  /** Previews of small text and CSV artifacts the build could read from the store (by run id). */
  previews?: Map<string, ArtifactPreview[]>;
}

/** A project with its runs resolved. */
export interface SiteProject extends ProjectIndex {
  runs: IndexedRun[];
  /** The stakeholder summary, made once per build: `/p/<project>/` shows it, `/` its headline. */
  summary: Summary | undefined;
}

export interface SiteData {
  config: Config;
  generated: string;
  source: string;
  /** All runs, newest first. */
  runs: IndexedRun[];
  runById: Map<string, IndexedRun>;
  /** Projects sorted by name. */
  projects: SiteProject[];
  projectByName: Map<string, SiteProject>;
  /** Runs skipped by validation, with file and reason. */
  invalid: InvalidRun[];
  /** How run pages draw series: Plot charts for small sites, compact ones for big sites. */
  chartStyle: ChartStyle;
  /** The build's pack of run assets, absent on the dev server. */
  pack?: PackReader;
  /** The build's pack of full series, absent on the dev server. */
  seriesPack?: PackReader;
  /** Keys of the pages the last build left in the output folder; absent when all are rendered. */
  renderedPages?: PageKeys;
  /** Each run's media as its page shows them, by run id. */
  media: Map<string, RunMediaView>;
  mediaLeftOut: MediaLeftOut[];
  diffs: Map<string, DiffView>;
  previews: Map<string, ArtifactPreview[]>;
  /**
   * Hash of everything besides a run's own files that its page shows (config, project list):
   * part of every run page's key (see page-keys.ts).
   */
  shellKey: string;
}

let cached: Promise<SiteData> | undefined;

/**
 * The site's data, loaded once per process.
 *
 * @example const { projects, runById } = await getSiteData();
 */
export function getSiteData(): Promise<SiteData> {
  cached ??= loadSiteData();
  return cached;
}

/**
 * The series of one run (downsampled, as on the branch), or undefined when it has none.
 *
 * @example const series = await getSeries(run.record.id); series?.series['train/loss']
 */
export async function getSeries(id: string): Promise<SeriesFile | undefined> {
  const data = await getSiteData();
  const run = data.runById.get(id);
  if (!run) return undefined;
  return data.seriesPack?.getValue<SeriesFile>(seriesKey(run.hash));
}

/**
 * A run's charts by series name: from the build's pack, or drawn now on the dev server.
 *
 * @example (await getRunCharts(run))['train/loss']?.linear
 */
export async function getRunCharts(run: IndexedRun): Promise<RunCharts> {
  const data = await getSiteData();
  const stored = data.pack?.getValue<RunCharts>(chartsKey(run.hash, data.chartStyle));
  return stored ?? deriveCharts((await getSeries(run.record.id))?.series ?? {}, data.chartStyle);
}

/** A run's comparison data as JSON: from the build's pack, or made now on the dev server. */
export async function getRunCompare(run: IndexedRun): Promise<string> {
  const data = await getSiteData();
  const stored = data.pack?.get(compareKey(run.hash));
  if (!stored) return deriveCompare(run.record, (await getSeries(run.record.id))?.series ?? {});
  const text = stored.toString('utf8');
  // Packed from the record as stored (keyed by its content); a status derived at build time (crashed) wins.
  if (!text.includes('"status":"running"') || run.record.status === 'running') return text;
  const parsed = JSON.parse(text) as { record: Record<string, unknown> };
  return JSON.stringify({ ...parsed, record: { ...parsed.record, status: run.record.status } });
}

/**
 * The paths of a route that need rendering: those whose key changed since the last build into the
 * same output folder (see page-keys.ts). Every route with many paths passes them through here.
 *
 * @example return changedPaths('runs', data.runs.map((run) => ({ params, props, file: `r/${id}/index.html`, key })))
 */
export async function changedPaths<T extends KeyedPath>(route: string, paths: T[]): Promise<T[]> {
  const data = await getSiteData();
  return pathsToRender(process.env[DATA_DIR_ENV], data.renderedPages, route, paths);
}

/** Writes what pages read (the index and where the pack is). Used by `runpages build`. */
export function writeSiteData(dir: string, payload: Omit<SitePayload, 'format'>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, INDEX_FILE), serialize({ format: FORMAT, ...payload } satisfies SitePayload));
}

async function loadSiteData(): Promise<SiteData> {
  const dir = process.env[DATA_DIR_ENV];
  if (!dir) {
    throw new RunpagesError('no-site-data', `The site's pages read the data \`runpages build\` prepares, and ${DATA_DIR_ENV} is not set.`, {
      hint: 'Build or preview through the CLI: `runpages build`, or `runpages preview --watch` (in this repository: `npm run demo`), not `astro dev`.',
    });
  }
  const payload = deserialize(readFileSync(join(dir, INDEX_FILE))) as SitePayload;
  if (payload.format !== FORMAT) throw new Error(`${join(dir, INDEX_FILE)} has format ${String(payload.format)}, expected ${FORMAT}`);
  return resolveSiteData(payload);
}

/** Links a payload's ids into objects pages can walk. */
export function resolveSiteData(payload: SitePayload): SiteData {
  const runById = new Map(payload.index.runs.map((run) => [run.record.id, run]));
  const now = Date.parse(payload.generated);
  const projects = payload.index.projects.map((project): SiteProject => {
    const runs = project.runIds.flatMap((id) => {
      const run = runById.get(id);
      return run ? [run] : [];
    });
    const records = runs.map((run) => run.record);
    return { ...project, runs, summary: summarize(records, { project: project.name, config: project.config }, now) };
  });
  const shellKey = createHash('sha256')
    .update(JSON.stringify([payload.config, payload.chartStyle ?? 'plot', projects.map((p) => [p.name, p.title])]))
    .digest('hex')
    .slice(0, 16);
  return {
    shellKey,
    config: payload.config,
    generated: payload.generated,
    source: payload.source,
    runs: payload.index.runs,
    runById,
    projects,
    projectByName: new Map(projects.map((p) => [p.name, p])),
    invalid: payload.index.invalid,
    chartStyle: payload.chartStyle ?? 'plot',
    media: payload.media ?? new Map(),
    mediaLeftOut: payload.mediaLeftOut ?? [],
    diffs: payload.diffs ?? new Map(),
    previews: payload.previews ?? new Map(),
    ...(payload.packDir ? { pack: new PackReader(payload.packDir) } : {}),
    ...(payload.seriesPackDir ? { seriesPack: new PackReader(payload.seriesPackDir) } : {}),
    ...(payload.renderedPages ? { renderedPages: payload.renderedPages } : {}),
  };
}
