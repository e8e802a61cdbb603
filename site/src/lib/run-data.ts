/**
 * Fetching run data in the browser: each run's comparison data lives in a shard file
 * (`compare/data/<k>.json`, see src/report/compare-data.ts) found from its id and the site's run count.
 */
import { RUN_DATA_SHARD_SCHEMA, runDataShard, runDataShardCount, type CompareData, type RunDataShard } from '../../../src/report/compare-data.ts';

/** Fetches JSON written by the build, whose nulls stand for NaN or infinities: they read as NaN. */
export async function fetchJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return JSON.parse(await response.text(), (_key, value: unknown) => (value === null ? Number.NaN : value)) as T;
}

/**
 * The data of runs `ids` in a site of `runCount` runs, fetching each shard once. A run missing from
 * its shard is an error that says the site may be mid-deployment.
 *
 * @example const data = await fetchRunData('/', ['01JC…'], manifest.count)
 */
export async function fetchRunData(base: string, ids: readonly string[], runCount: number): Promise<Map<string, CompareData>> {
  const count = runDataShardCount(runCount);
  const shards = [...new Set(ids.map((id) => runDataShard(id, count)))];
  const loaded = await Promise.all(shards.map((shard) => fetchRunDataShard(base, shard)));
  const byId = new Map<string, CompareData>();
  for (const id of ids) {
    const data = loaded.map((runs) => runs[id]).find((found) => found !== undefined);
    if (!data) throw new Error(`run ${id} is not in the site's data (the site may be mid-deployment)`);
    byId.set(id, data);
  }
  return byId;
}

/**
 * The runs of data shard `shard` by id, for a page that knows its shard (a lean run page).
 *
 * @example (await fetchRunDataShard('/', 17))['01JC…']
 */
export async function fetchRunDataShard(base: string, shard: number): Promise<RunDataShard['runs']> {
  const file = `compare/data/${shard}.json`;
  const body = await fetchJson<RunDataShard>(`${base}${file}`);
  if (body.schema !== RUN_DATA_SHARD_SCHEMA) throw new Error(`${file} is not ${RUN_DATA_SHARD_SCHEMA} (the site may be mid-deployment)`);
  return body.runs;
}
