/**
 * Worker thread for charts.ts: renders its share of chart jobs into the cache and reports progress.
 * Rendering is CPU-bound (Plot + linkedom), so the build spreads it over the cores.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { renderChartJob, type ChartJob } from './charts.ts';

const jobs = workerData as ChartJob[];
let pending = 0;
for (const job of jobs) {
  renderChartJob(job);
  pending += 1;
  if (pending === 100) {
    parentPort?.postMessage(pending);
    pending = 0;
  }
}
if (pending > 0) parentPort?.postMessage(pending);
