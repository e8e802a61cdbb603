/**
 * What a build derives from one run's series and keeps in the pack (see pack.ts) under its content
 * hash, so rebuilds derive only new or changed runs: the run page's charts and the comparison data
 * the browser fetches. Plot charts (about 5 ms each) are spread over the cores in worker threads.
 */
import { availableParallelism } from 'node:os';
import { deserialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { compareData } from '../report/compare-data.ts';
import type { RunRecord, SeriesData, SeriesFile } from '../run/schema.ts';
import { canLogScale, renderCompactChart, renderSeriesChart, type ChartStyle } from './charts.ts';
import type { Pack } from './pack.ts';

/** Bump when charts or comparison data change shape, so cached assets are derived again. */
const ASSETS_VERSION = 'assets@1';

/** One series' charts: the linear one, and a log-scale one when that helps (Plot style only). */
export interface SeriesCharts {
  linear: string;
  log?: string;
}

export interface RunAssets {
  /** Charts by series name. */
  charts: Record<string, SeriesCharts>;
  /** The run's comparison data as JSON (see src/report/compare-data.ts). */
  compare: string;
}

/** Pack key of a run's series file. */
export function seriesKey(runHash: string): string {
  return `series:${runHash}`;
}

/** Pack key of a run's assets in a chart style. */
export function assetsKey(runHash: string, style: ChartStyle): string {
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

/**
 * A run's charts and comparison data. Compact charts have no log-scale variant: their range labels
 * carry the scale.
 *
 * @example deriveRunAssets(run.record, series.series, 'compact').charts['train/loss'].linear
 */
export function deriveRunAssets(record: RunRecord, series: Record<string, SeriesData>, style: ChartStyle): RunAssets {
  const charts: Record<string, SeriesCharts> = {};
  for (const [name, data] of Object.entries(series)) {
    if (style === 'compact') charts[name] = { linear: renderCompactChart(data, { name }) };
    else charts[name] = { linear: renderSeriesChart(data, { name }), ...(canLogScale(data) ? { log: renderSeriesChart(data, { name, log: true }) } : {}) };
  }
  return { charts, compare: JSON.stringify(compareData(record, series), finiteOrNull) };
}

/** One run to derive, as sent to a worker: the series stay v8-serialised until used. */
export interface AssetJob {
  hash: string;
  record: RunRecord;
  series: Uint8Array | undefined;
  style: ChartStyle;
}

/** Derives a job's assets (in a worker or inline). */
export function runAssetJob(job: AssetJob): RunAssets {
  const series = job.series ? (deserialize(job.series) as SeriesFile).series : {};
  return deriveRunAssets(job.record, series, job.style);
}

/** Below this many Plot-charted runs, worker start-up costs more than it saves. */
const PARALLEL_THRESHOLD = 16;
/** Runs handed to a worker at a time: small batches keep each worker's heap small. */
const BATCH = 8;

/**
 * Derives and stores the assets of every run the pack lacks, reading each run's series from the pack
 * one run at a time (memory stays bounded). Returns how many series charts were rendered and reused.
 *
 * @example await storeRunAssets(load.runs, pack, 'compact', (done, total) => say(`${done}/${total}`))
 */
export async function storeRunAssets(
  runs: readonly { hash: string; record: RunRecord }[],
  pack: Pack,
  style: ChartStyle,
  onProgress?: (done: number, total: number) => void,
): Promise<{ rendered: number; cached: number }> {
  const missing = runs.filter((run) => !pack.has(assetsKey(run.hash, style)));
  const job = (run: { hash: string; record: RunRecord }): AssetJob => ({ hash: run.hash, record: run.record, series: pack.get(seriesKey(run.hash)), style });
  const store = (hash: string, assets: RunAssets) => pack.putValue(assetsKey(hash, style), assets);
  const report = (done: number) => onProgress?.(done, missing.length);
  const workers = Math.min(availableParallelism(), 8);
  // Compact charts cost less than handing a run to a worker.
  if (style === 'plot' && missing.length >= PARALLEL_THRESHOLD && workers > 1) await deriveInWorkers(missing, job, workers, store, report);
  else {
    for (const [index, run] of missing.entries()) {
      store(run.hash, runAssetJob(job(run)));
      if ((index + 1) % 500 === 0) report(index + 1);
    }
  }
  report(missing.length);
  const charts = (list: readonly { record: RunRecord }[]) => list.reduce((sum, run) => sum + Object.keys(run.record.series).length, 0);
  const rendered = charts(missing);
  return { rendered, cached: charts(runs) - rendered };
}

/** Jobs are made (their series read from the pack) only as workers ask for them. */
async function deriveInWorkers<Run>(
  runs: Run[],
  job: (run: Run) => AssetJob,
  count: number,
  store: (hash: string, assets: RunAssets) => void,
  report: (done: number) => void,
): Promise<void> {
  // The worker is this package's module: .ts in a checkout, compiled .js when installed.
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const workerUrl = new URL(`./run-assets-worker.${extension}`, import.meta.url);
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve, reject) => {
          const worker = new Worker(workerUrl);
          let finished = false;
          let batch: AssetJob[] = [];
          const feed = () => {
            if (next >= runs.length) {
              finished = true;
              void worker.terminate().then(() => resolve());
              return;
            }
            batch = runs.slice(next, next + BATCH).map(job);
            next += batch.length;
            worker.postMessage(batch);
          };
          worker.on('message', (results: RunAssets[]) => {
            results.forEach((assets, i) => store((batch[i] as AssetJob).hash, assets));
            done += batch.length;
            report(done);
            feed();
          });
          worker.once('error', reject);
          worker.once('exit', (code) => {
            if (!finished) reject(new Error(`chart worker exited with code ${code}`));
          });
          feed();
        }),
    ),
  );
}
