/**
 * `/compare/data/<k>.json`: the comparison data of the runs in shard k (see RunDataShard in
 * src/report/compare-data.ts). Each run's JSON was made once, when its charts were, and kept in the
 * build's pack; a shard only joins them, and is left as it is when none of its runs changed.
 */
import { createHash } from 'node:crypto';
import type { APIRoute } from 'astro';
import { RUN_DATA_SHARD_SCHEMA, runDataShard, runDataShardCount } from '../../../../../src/report/compare-data.ts';
import type { IndexedRun } from '../../../../../src/index/run-index.ts';
import { changedPaths, getRunCompare, getSiteData } from '../../../../../src/site/data.ts';

export async function getStaticPaths() {
  const data = await getSiteData();
  const count = runDataShardCount(data.runs.length);
  const shards = Array.from({ length: count }, (): IndexedRun[] => []);
  for (const run of data.runs) shards[runDataShard(run.record.id, count)]!.push(run);
  return changedPaths(
    'run-data',
    shards.map((runs, shard) => ({
      params: { shard: String(shard) },
      props: { runs },
      file: `compare/data/${shard}.json`,
      key: `run-data@1:${createHash('sha256')
        .update(runs.map((run) => `${run.hash}:${run.record.status}`).join())
        .digest('hex')}`,
    })),
  );
}

export const GET: APIRoute = async ({ props }) => {
  const runs = (props as { runs: IndexedRun[] }).runs;
  const entries = await Promise.all(runs.map(async (run) => `${JSON.stringify(run.record.id)}:${await getRunCompare(run)}`));
  return new Response(`{"schema":${JSON.stringify(RUN_DATA_SHARD_SCHEMA)},"runs":{${entries.join(',')}}}`, {
    headers: { 'content-type': 'application/json' },
  });
};
