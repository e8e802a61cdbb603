/**
 * Worker thread for run-assets.ts: derives each run it is sent (charts are CPU-bound) and answers
 * with the result, which the build stores in the pack.
 */
import { parentPort } from 'node:worker_threads';
import { runAssetJob, type AssetJob } from './run-assets.ts';

parentPort?.on('message', (job: AssetJob) => {
  parentPort?.postMessage(runAssetJob(job));
});
