/**
 * `/r/<id>/data.json`: what the ad hoc comparison page fetches for one run, packed small (under
 * 4 KB a run, inside the Pages budget of ~10 KB a run at 100k runs); see src/report/compare-data.ts.
 */
import type { APIRoute } from 'astro';
import { compareData } from '../../../../../src/report/compare-data.ts';
import { getSeries, getSiteData } from '../../../../../src/site/data.ts';

export async function getStaticPaths() {
  const data = await getSiteData();
  return data.runs.map((run) => ({ params: { id: run.record.id }, cacheKey: `compare-data@3:${run.hash}` }));
}

/** JSON has no NaN or Infinity: they become null, and the page reads null as "not a number". */
function finite(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

export const GET: APIRoute = async ({ params }) => {
  const data = await getSiteData();
  const run = data.runById.get(params.id as string);
  if (!run) return new Response('not found', { status: 404 });
  const series = (await getSeries(run.record.id))?.series ?? {};
  return new Response(JSON.stringify(compareData(run.record, series), finite), { headers: { 'content-type': 'application/json' } });
};
