/**
 * `/compare/runs.json`: the manifest of the run lookup (src/index/run-lookup.ts) the comparison page
 * resolves ids, id prefixes and names with; it loads only the shards a reference needs
 * (`/compare/ids/<k>.json`, `/compare/names/<k>.json`), so 100k runs cost a page a few KB, not 5 MB.
 */
import type { APIRoute } from 'astro';
import { compareLookup } from '../../lib/compare-lookup.ts';

export const GET: APIRoute = async () => {
  const { manifest } = await compareLookup();
  return new Response(JSON.stringify(manifest), { headers: { 'content-type': 'application/json' } });
};
