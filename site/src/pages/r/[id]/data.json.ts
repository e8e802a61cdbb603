/**
 * `/r/<id>/data.json`: what the ad hoc comparison page fetches for one run: the record without what a
 * comparison never shows (artifacts, notes, output), and its series thinned to at most 120 points
 * each, values rounded to 5 significant digits and times made relative to the first point. About
 * 5-8 KB a run, inside the Pages budget of ~10 KB a run at 100k runs.
 */
import type { APIRoute } from 'astro';
import { getSeries, getSiteData } from '../../../../../src/site/data.ts';
import type { SeriesData } from '../../../../../src/run/schema.ts';

const MAX_POINTS = 120;
/** Record fields a comparison does not use. */
const OMITTED = ['artifacts', 'notes', 'output_tail', 'command', 'series'];

export async function getStaticPaths() {
  const data = await getSiteData();
  return data.runs.map((run) => ({ params: { id: run.record.id }, cacheKey: `compare-data@2:${run.hash}` }));
}

/** Every k-th point, always keeping the last (the branch already kept extremes per bucket), compactly. */
function thin(series: SeriesData): SeriesData {
  const n = series.step.length;
  const stride = Math.max(1, Math.ceil(n / MAX_POINTS));
  const keep = [...Array(n).keys()].filter((i) => i % stride === 0 || i === n - 1);
  const round = (value: number) => (Number.isFinite(value) ? Number(value.toPrecision(5)) : value);
  const start = series.time?.find((t) => Number.isFinite(t)) ?? 0;
  return {
    step: keep.map((i) => series.step[i] as number),
    value: keep.map((i) => round(series.value[i] as number)),
    // Relative times compare the same way (the page aligns on time since the first point).
    ...(series.time ? { time: keep.map((i) => Math.round(((series.time?.[i] as number) - start) * 10) / 10) } : {}),
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
  const record = Object.fromEntries(Object.entries(run.record).filter(([key]) => !OMITTED.includes(key)));
  return new Response(JSON.stringify({ record, series }, finite), { headers: { 'content-type': 'application/json' } });
};
