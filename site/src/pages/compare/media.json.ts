/**
 * `/compare/media.json`: the ids of the runs with media, so /compare/ fetches
 * `compare/media/<id>.json` only for those (a few percent of runs) and never asks for a missing file.
 */
import type { APIRoute } from 'astro';
import { getSiteData } from '../../../../src/site/data.ts';

export const GET: APIRoute = async () => {
  const data = await getSiteData();
  const ids = [...data.media]
    .filter(([, view]) => view.groups.length > 0)
    .map(([id]) => id)
    .sort();
  return new Response(JSON.stringify({ schema: 'runpages/compare-media-index@1', runs: ids }), { headers: { 'content-type': 'application/json' } });
};
