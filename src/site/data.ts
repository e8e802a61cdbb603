/**
 * The one typed door through which site pages read data. `runpages build` loads and indexes the runs,
 * writes them with {@link writeSiteData} to a folder named by `RUNPAGES_DATA_DIR`, then runs Astro;
 * pages call {@link getSiteData} (cached per process, so `getStaticPaths` over 10k runs reads it once)
 * and {@link getSeries} for one run's series. v8 serialisation keeps NaN and ±Infinity, which JSON loses.
 *
 * Without `RUNPAGES_DATA_DIR` (e.g. `astro dev` inside this repo) the data is built in-process from
 * the package's sample `runs/` folder.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { parseConfig, type Config } from '../config.ts';
import type { IndexedRun, ProjectIndex, RunIndex } from '../index/run-index.ts';
import type { InvalidRun } from '../index/load.ts';
import { summarize, type Summary } from '../report/summary.ts';
import type { SeriesFile } from '../run/schema.ts';
import type { ChartStyle } from './charts.ts';

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
  /** Folder of charts cached by content hash (see charts.ts). */
  chartCacheDir?: string;
  /** How run pages draw series (see charts.ts); `plot` when absent. */
  chartStyle?: ChartStyle;
  /** Folder of series files named by run hash, kept between builds; `<data dir>/series` when absent. */
  seriesDir?: string;
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
  chartCacheDir?: string;
  /** How run pages draw series: Plot charts for small sites, compact ones for big sites. */
  chartStyle: ChartStyle;
  /** Folder of series files named by run hash (see {@link writeSiteData}). */
  seriesDir?: string;
  /**
   * Hash of everything besides a run's own files that its page shows (config, project list):
   * part of every run page's incremental-build `cacheKey`.
   */
  shellKey: string;
}

let cached: Promise<SiteData> | undefined;
let fallbackSeries: Map<string, SeriesFile> | undefined;

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
  const dir = process.env[DATA_DIR_ENV];
  const data = await getSiteData();
  if (!dir) return fallbackSeries?.get(id);
  const run = data.runById.get(id);
  if (!run) return undefined;
  const file = seriesPath(data.seriesDir ?? join(dir, 'series'), run.hash);
  return existsSync(file) ? (deserialize(readFileSync(file)) as SeriesFile) : undefined;
}

/**
 * Writes what pages read: the index, and the series of runs given here (keyed by run hash, see
 * {@link writeSeriesFile}). Used by `runpages build`.
 */
export function writeSiteData(dir: string, payload: Omit<SitePayload, 'format'>, series: Map<string, SeriesFile> = new Map()): void {
  const seriesDir = payload.seriesDir ?? join(dir, 'series');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, INDEX_FILE), serialize({ format: FORMAT, ...payload } satisfies SitePayload));
  for (const [hash, file] of series) writeSeriesFile(seriesDir, hash, file);
}

/**
 * Writes one run's series as `<dir>/<run hash>.v8` unless it is there already: the folder is kept
 * between builds, so a rebuild after one new run writes one file.
 */
export function writeSeriesFile(dir: string, hash: string, series: SeriesFile): void {
  const path = seriesPath(dir, hash);
  if (existsSync(path)) return;
  mkdirSync(dir, { recursive: true });
  // Write then rename: a concurrent build reading the same cache never sees half a file.
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, serialize(series));
  renameSync(temp, path);
}

/** Where {@link writeSeriesFile} puts a run's series. */
export function seriesPath(dir: string, hash: string): string {
  return join(dir, `${hash}.v8`);
}

async function loadSiteData(): Promise<SiteData> {
  const dir = process.env[DATA_DIR_ENV];
  if (dir) {
    const payload = deserialize(readFileSync(join(dir, INDEX_FILE))) as SitePayload;
    if (payload.format !== FORMAT) throw new Error(`${join(dir, INDEX_FILE)} has format ${String(payload.format)}, expected ${FORMAT}`);
    return resolveSiteData(payload);
  }
  return resolveSiteData(await samplePayload());
}

/** Builds the payload in-process from the package's sample runs (dev server, no CLI). */
async function samplePayload(): Promise<SitePayload> {
  const { loadRuns } = await import('../index/load.ts');
  const { buildIndex } = await import('../index/run-index.ts');
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const load = await loadRuns({ from: join(root, 'runs'), cwd: root });
  fallbackSeries = new Map(load.runs.flatMap((run) => (run.series ? [[run.record.id, run.series] as const] : [])));
  const config = parseConfig({});
  return { format: FORMAT, config, generated: new Date().toISOString(), source: 'runs', index: buildIndex(load, config) };
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
    ...(payload.seriesDir ? { seriesDir: payload.seriesDir } : {}),
    ...(payload.chartCacheDir ? { chartCacheDir: payload.chartCacheDir } : {}),
  };
}
