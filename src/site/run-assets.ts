/**
 * What a build derives from one run and keeps in the pack (see pack.ts) under its content hash, so
 * rebuilds derive only new or changed runs: the parsed series, the comparison data the browser
 * fetches, and the run page's charts in a chart style. Derivation runs in a pool of worker threads,
 * one per available core, which also parse and validate each run's files while the main thread reads
 * the next ones; a handful of runs is derived inline.
 */
import { setOwn } from '../run/keys.ts';
import { availableParallelism } from 'node:os';
import { deserialize, serialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { parseRunFiles, type ParsedRecord, type RunFiles } from '../index/run-files.ts';
import type { InvalidRun } from '../run/parse-text.ts';
import { compareData } from '../report/compare-data.ts';
import type { RunRecord, SeriesData, SeriesFile } from '../run/schema.ts';
import { canLogScale, renderCompactChart, renderSeriesChart, type ChartStyle } from './charts.ts';
import type { Pack } from './pack.ts';

/** Bump when charts or comparison data change shape, so cached ones are derived again. */
const ASSETS_VERSION = 'assets@2';

/** One series' charts: the linear one, and a log-scale one when that helps (Plot style only). */
export interface SeriesCharts {
  linear: string;
  log?: string;
}

/** A run's charts by series name. */
export type RunCharts = Record<string, SeriesCharts>;

/** Pack key of a run's series file (v8-serialised), kept in a pack of its own (see build.ts). */
export function seriesKey(runHash: string): string {
  return `series:${runHash}`;
}

/** True for a series key (older builds kept series in the assets pack). */
export function isSeriesKey(key: string): boolean {
  return key.startsWith('series:');
}

/** The cache folder's pack of full series: a CI cache may leave it out (see src/hosting/github-pages.ts). */
export const SERIES_PACK = 'series';

/** Where a build keeps what it derives: assets (charts, comparison data) and full series apart. */
export interface RunPacks {
  assets: Pack;
  series: Pack;
}

/** Pack key of a run's comparison data (JSON text, see src/report/compare-data.ts). */
export function compareKey(runHash: string): string {
  return `${ASSETS_VERSION}:compare:${runHash}`;
}

/** Pack key of a run's charts in a chart style. */
export function chartsKey(runHash: string, style: ChartStyle): string {
  return `${ASSETS_VERSION}:${style}:${runHash}`;
}

/** True when a pack key belongs to one of `hashes` (what a build keeps). */
export function isKeyOfRuns(key: string, hashes: ReadonlySet<string>): boolean {
  return hashes.has(key.slice(key.lastIndexOf(':') + 1));
}

/** JSON has no NaN or Infinity: they become null, and the browser reads null as "not a number". */
function finiteOrNull(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

/** A run's comparison data as JSON. */
export function deriveCompare(record: RunRecord, series: Record<string, SeriesData>): string {
  return JSON.stringify(compareData(record, series), finiteOrNull);
}

/**
 * A run's charts in a style. Compact charts have no log-scale variant: their range labels carry the
 * scale.
 *
 * @example deriveCharts(series.series, 'compact')['train/loss'].linear
 */
export function deriveCharts(series: Record<string, SeriesData>, style: ChartStyle): RunCharts {
  const charts: RunCharts = {};
  for (const [name, data] of Object.entries(series)) {
    if (style === 'compact') setOwn(charts, name, { linear: renderCompactChart(data, { name }) });
    else
      setOwn(charts, name, { linear: renderSeriesChart(data, { name }), ...(canLogScale(data) ? { log: renderSeriesChart(data, { name, log: true }) } : {}) });
  }
  return charts;
}

/**
 * One run to derive: what of it, and either its record and series v8-serialised (as the pack keeps
 * them) or its files still to be parsed and validated (while the build loads runs).
 */
export type AssetJob = {
  hash: string;
  compare: boolean;
  styles: ChartStyle[];
} & ({ record: RunRecord; series?: Uint8Array | undefined } | { files: RunFiles });

export interface AssetResult {
  compare?: string;
  charts: Partial<Record<ChartStyle, RunCharts>>;
  /** For a job given files: the run they hold (record and series names). */
  run?: ParsedRecord;
  /** For a job given files with series: the parsed series file, serialised for the pack. */
  series?: Uint8Array;
  /** For a job given files that do not hold a valid run: why. */
  invalid?: InvalidRun;
}

/** Derives a job (in a worker or inline). */
export function runAssetJob(job: AssetJob): AssetResult {
  let record: RunRecord;
  let series: Record<string, SeriesData> = {};
  let parsed: Pick<AssetResult, 'run' | 'series'> = {};
  if ('files' in job) {
    const run = parseRunFiles(job.files, job.hash);
    if ('reason' in run) return { charts: {}, invalid: run };
    record = run.run.record;
    const { media, mediaProblem } = run.run;
    parsed = { run: { record, seriesNames: run.run.seriesNames, ...(media ? { media } : {}), ...(mediaProblem ? { mediaProblem } : {}) } };
    if (run.series) {
      series = run.series.series;
      parsed.series = serialize(run.series);
    }
  } else {
    record = job.record;
    if (job.series) series = (deserialize(job.series) as SeriesFile).series;
  }
  const charts: AssetResult['charts'] = {};
  for (const style of job.styles) charts[style] = deriveCharts(series, style);
  return { ...(job.compare ? { compare: deriveCompare(record, series) } : {}), charts, ...parsed };
}

/** Writes a job's result into the packs. */
export function storeAssetResult(packs: RunPacks, hash: string, result: AssetResult): void {
  const pack = packs.assets;
  if (result.series) packs.series.put(seriesKey(hash), result.series);
  if (result.compare !== undefined) pack.put(compareKey(hash), Buffer.from(result.compare));
  for (const [style, charts] of Object.entries(result.charts)) pack.putValue(chartsKey(hash, style as ChartStyle), charts);
}

/**
 * Worker threads for deriving assets: one per core (at most 8). The main thread parses run.yaml while
 * they draw, and has nothing else to do once loading ends, so a worker per core keeps every core
 * busy; `RUNPAGES_WORKERS` pins the count (the bench measures scaling with it and `taskset`).
 */
export function assetWorkerCount(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  const pinned = Number.parseInt(env.RUNPAGES_WORKERS ?? '', 10);
  if (Number.isInteger(pinned) && pinned >= 0) return Math.min(pinned, 64);
  return Math.max(1, Math.min(cores, 8));
}

/** Jobs derived inline before workers start: a small site never pays for starting them. */
const INLINE_JOBS = 16;
/** Jobs waiting or in progress per worker before `submit` makes the loader wait. */
const QUEUE_PER_WORKER = 16;

/**
 * Derives jobs as they are submitted: the first few inline, the rest in worker threads, storing
 * each result with `onResult` on the main thread. `submit` resolves once there is room for another
 * job (so a fast loader cannot pile up series in memory); then `done` settles with the result.
 */
export class AssetDeriver {
  private readonly onResult: (job: AssetJob, result: AssetResult) => void;
  private readonly workerCount: number;
  private workers: { worker: Worker; jobs: { job: AssetJob; settle: (result: AssetResult) => void; reject: (error: Error) => void }[] }[] = [];
  private submitted = 0;
  private failure: Error | undefined;
  private waiting: (() => void)[] = [];

  constructor(onResult: (job: AssetJob, result: AssetResult) => void, workerCount = assetWorkerCount()) {
    this.onResult = onResult;
    this.workerCount = workerCount;
  }

  /** Derives `job` now or hands it to the least busy worker. */
  async submit(job: AssetJob): Promise<{ done: Promise<AssetResult> }> {
    if (this.failure) throw this.failure;
    this.submitted += 1;
    if (this.submitted <= INLINE_JOBS || this.workerCount < 1) {
      const result = runAssetJob(job);
      this.onResult(job, result);
      return { done: Promise.resolve(result) };
    }
    if (this.workers.length === 0) this.start();
    while (this.pending() >= this.workers.length * QUEUE_PER_WORKER) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      if (this.failure) throw this.failure;
    }
    const least = this.workers.reduce((a, b) => (b.jobs.length < a.jobs.length ? b : a));
    const done = new Promise<AssetResult>((settle, reject) => least.jobs.push({ job, settle, reject }));
    done.catch(() => {}); // the failure is also thrown by submit() and finish()
    least.worker.postMessage(job);
    return { done };
  }

  /** Waits for every submitted job, then stops the workers. */
  async finish(): Promise<void> {
    while (this.pending() > 0 && !this.failure) await new Promise<void>((resolve) => this.waiting.push(resolve));
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
    this.workers = [];
    if (this.failure) throw this.failure;
  }

  private pending(): number {
    return this.workers.reduce((sum, { jobs }) => sum + jobs.length, 0);
  }

  private start(): void {
    // The worker is this package's module: .ts in a checkout, compiled .js when installed.
    const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
    const url = new URL(`./run-assets-worker.${extension}`, import.meta.url);
    for (let i = 0; i < this.workerCount; i += 1) {
      const slot: (typeof this.workers)[number] = { worker: new Worker(url), jobs: [] };
      slot.worker.on('message', (result: AssetResult) => {
        const { job, settle } = slot.jobs.shift() as (typeof slot.jobs)[number];
        this.onResult(job, result);
        settle(result);
        this.wake();
      });
      slot.worker.once('error', (error) => this.fail(error));
      slot.worker.once('exit', (code) => {
        if (slot.jobs.length > 0) this.fail(new Error(`chart worker exited with code ${code} before finishing its runs`));
      });
      this.workers.push(slot);
    }
  }

  /** Rejects every job still waiting, so nobody waits on a dead worker forever. */
  private fail(error: Error): void {
    this.failure ??= error;
    for (const slot of this.workers) for (const { reject } of slot.jobs.splice(0)) reject(error);
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}

/**
 * Derives what the pack still lacks for `runs` in `style` (runs reused from the last build, runs
 * without series, a change of chart style), reading series from the series pack one run at a time.
 *
 * @example await completeRunAssets(load.runs, { assets, series }, 'compact', deriver)
 */
export async function completeRunAssets(
  runs: readonly { hash: string; record: RunRecord }[],
  packs: RunPacks,
  style: ChartStyle,
  deriver: AssetDeriver,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const jobs = runs.flatMap((run): AssetJob[] => {
    const compare = !packs.assets.has(compareKey(run.hash));
    const styles = packs.assets.has(chartsKey(run.hash, style)) ? [] : [style];
    return compare || styles.length > 0 ? [{ hash: run.hash, record: run.record, series: undefined, compare, styles }] : [];
  });
  for (const [index, job] of jobs.entries()) {
    await deriver.submit({ ...job, series: packs.series.get(seriesKey(job.hash)) });
    if ((index + 1) % 500 === 0) onProgress?.(index + 1, jobs.length);
  }
  await deriver.finish();
  if (jobs.length > 0) onProgress?.(jobs.length, jobs.length);
}
