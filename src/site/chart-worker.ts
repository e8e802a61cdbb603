/**
 * Worker thread for charts.ts: renders each batch of chart jobs it is sent into the cache and answers
 * with how many charts it rendered. Rendering is CPU-bound (Plot + linkedom), so the build spreads it over
 * the cores.
 */
import { parentPort } from 'node:worker_threads';
import { renderChartJob, type ChartJob } from './charts.ts';

parentPort?.on('message', (jobs: ChartJob[]) => {
  let rendered = 0;
  for (const job of jobs) rendered += renderChartJob(job);
  parentPort?.postMessage(rendered);
});
