/**
 * The run lookup's shards (`/compare/ids/<k>.json`, `/compare/names/<k>.json`), listed in
 * `/compare/runs.json`; see src/index/run-lookup.ts.
 */
import type { APIRoute } from 'astro';
import { compareLookupFiles } from '../../lib/compare-lookup.ts';

export async function getStaticPaths() {
  return (await compareLookupFiles()).map(({ file, body, cacheKey }) => ({ params: { shard: file }, props: { body }, cacheKey }));
}

export const GET: APIRoute = ({ props }) =>
  new Response((props as { body: string }).body, { headers: { 'content-type': 'application/json' } });
