/**
 * The run lookup's shards (`/compare/ids/<k>.json`, `/compare/names/<k>.json`), listed in
 * `/compare/runs.json`; see src/index/run-lookup.ts.
 */
import type { APIRoute } from 'astro';
import { compareLookupFiles } from '../../lib/compare-lookup.ts';
import { changedPaths } from '../../../../src/site/data.ts';

export async function getStaticPaths() {
  const files = (await compareLookupFiles()).map(({ file, body, key }) => ({ params: { shard: file }, props: { body }, file: `compare/${file}`, key }));
  return changedPaths('run-lookup', files);
}

export const GET: APIRoute = ({ props }) => new Response((props as { body: string }).body, { headers: { 'content-type': 'application/json' } });
