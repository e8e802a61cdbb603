/**
 * Worker thread for run-assets.ts: derives each batch of runs it is sent (Plot charts are CPU-bound:
 * Plot + linkedom) and answers with their assets, which the build stores in the pack.
 */
import { parentPort } from 'node:worker_threads';
import { runAssetJob, type AssetJob } from './run-assets.ts';

parentPort?.on('message', (jobs: AssetJob[]) => {
  parentPort?.postMessage(jobs.map(runAssetJob));
});
