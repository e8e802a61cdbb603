/**
 * The data an interactive chart draws: the runs a figure names (`data-runs`), from the run data
 * shards the comparison page uses (100 points a series, times included), fetched once per page.
 */
import { unpackSeries, type CompareData } from '../../../../src/report/compare-data.ts';
import { runDataShard, runDataShardCount } from '../../../../src/report/compare-data.ts';
import { runColor } from '../../../../src/report/colors.ts';
import { fetchJson, fetchRunDataShard } from '../../lib/run-data.ts';
import type { RunLine } from './model.ts';

/** The site's base path, from the layout's `<meta name="runpages-base">`. */
export function siteBase(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="runpages-base"]')?.content ?? '/';
}

let count: Promise<number> | undefined;
const shards = new Map<number, Promise<Record<string, CompareData>>>();

async function runData(base: string, id: string): Promise<CompareData | undefined> {
  count ??= fetchJson<{ count: number }>(`${base}compare/runs.json`).then((manifest) => manifest.count);
  const shard = runDataShard(id, runDataShardCount(await count));
  let loaded = shards.get(shard);
  if (!loaded) shards.set(shard, (loaded = fetchRunDataShard(base, shard)));
  return (await loaded)[id];
}

/**
 * The lines of series `name` for runs `ids`, coloured by place in `ids` (the page's run order), so a
 * run has one colour on every chart of the page. Runs without the series are left out.
 */
export async function loadLines(base: string, ids: readonly string[], name: string, single: boolean): Promise<RunLine[]> {
  const data = await Promise.all(ids.map((id) => runData(base, id)));
  const lines: RunLine[] = [];
  data.forEach((run, i) => {
    const packed = run?.series[name];
    if (!run || !packed) return;
    const others = Object.fromEntries(
      Object.entries(run.series)
        .filter(([key]) => key !== name)
        .map(([key, s]) => [key, unpackSeries(s)]),
    );
    const record = run.record as { name?: string; created?: string };
    const startMs = record.created ? Date.parse(record.created) : Number.NaN;
    lines.push({
      id: ids[i]!,
      name: record.name ?? ids[i]!,
      color: single ? 'var(--chart-line, currentColor)' : runColor(i),
      series: unpackSeries(packed),
      ...(Number.isFinite(startMs) ? { startMs } : {}),
      others,
    });
  });
  return lines;
}
