/**
 * `/c/<slug>/comparison.csv`: a saved comparison's metrics (with deltas against its baseline) and
 * params as CSV, written at build time so the download works without JavaScript.
 */
import type { APIRoute, GetStaticPaths } from 'astro';
import { compareRuns } from '../../../../../src/report/compare.ts';
import { comparisonCsv } from '../../../../../src/report/compare-csv.ts';
import type { SavedComparison } from '../../../../../src/report/saved.ts';
import { getSiteData } from '../../../../../src/site/data.ts';
import { comparedRuns, savedComparisons } from '../../../lib/comparisons.ts';

export const getStaticPaths: GetStaticPaths = async () => {
  const saved = await savedComparisons();
  return saved.map((comparison) => ({ params: { slug: comparison.slug }, props: { saved: comparison } }));
};

export const GET: APIRoute = async ({ props }) => {
  const { saved } = props as { saved: SavedComparison };
  const data = await getSiteData();
  const runs = (await comparedRuns(saved.runIds)).map((run) => ({ record: run.record }));
  const comparison = compareRuns(runs, { baseline: saved.baselineId, config: data.config });
  return new Response(comparisonCsv(comparison), { headers: { 'content-type': 'text/csv; charset=utf-8' } });
};
