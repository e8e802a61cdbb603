/**
 * `/r/<id>/data.json`: what the ad hoc comparison page fetches for one run: the record and its
 * series thinned to at most 200 points each (enough for an overlay, small enough for many runs).
 */
import type { APIRoute } from 'astro';
import { getSeries, getSiteData } from '../../../../../src/site/data.ts';
import type { SeriesData } from '../../../../../src/run/schema.ts';

const MAX_POINTS = 200;

export async function getStaticPaths() {
  const data = await getSiteData();
  return data.runs.map((run) => ({ params: { id: run.record.id }, cacheKey: `compare-data@1:${run.hash}` }));
}

/** Every k-th point, always keeping the last; the branch already kept extremes per bucket. */
function thin(series: SeriesData): SeriesData {
  const n = series.step.length;
  if (n <= MAX_POINTS) return series;
  const stride = Math.ceil(n / MAX_POINTS);
  const keep = [...Array(n).keys()].filter((i) => i % stride === 0 || i === n - 1);
  return {
    step: keep.map((i) => series.step[i] as number),
    value: keep.map((i) => series.value[i] as number),
    ...(series.time ? { time: keep.map((i) => series.time?.[i] as number) } : {}),
  };
}

/** JSON has no NaN or Infinity: they become null, and the page reads null as "not a number". */
function finite(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

export const GET: APIRoute = async ({ params }) => {
  const data = await getSiteData();
  const run = data.runById.get(params.id as string);
  if (!run) return new Response('not found', { status: 404 });
  const stored = (await getSeries(run.record.id))?.series ?? {};
  const series = Object.fromEntries(Object.entries(stored).map(([name, s]) => [name, thin(s)]));
  return new Response(JSON.stringify({ record: run.record, series }, finite), { headers: { 'content-type': 'application/json' } });
};
