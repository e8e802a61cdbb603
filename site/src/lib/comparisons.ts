/**
 * Build-time access for the comparison and summary pages: runs with their series in the shape
 * src/report wants, the saved comparisons of this build, and Plot's document for SVG charts.
 */
import { parseHTML } from 'linkedom';
import { DATA_DIR_ENV, getSeries, getSiteData } from '../../../src/site/data.ts';
import type { ComparedRun } from '../../../src/report/compare.ts';
import type { SavedComparison } from '../../../src/report/saved.ts';
import { readSavedComparisons } from '../../../src/site/saved-data.ts';

/** The runs with these ids, with their stored series. */
export async function comparedRuns(ids: string[]): Promise<ComparedRun[]> {
  const data = await getSiteData();
  return Promise.all(
    ids.map(async (id) => {
      const run = data.runById.get(id);
      if (!run) throw new Error(`no run ${id}`);
      const series = (await getSeries(id))?.series;
      return series ? { record: run.record, series } : { record: run.record };
    }),
  );
}

let saved: Promise<SavedComparison[]> | undefined;

/**
 * Saved comparisons: `runpages build` reads `comparisons/*.yaml` (working directory and runs source)
 * before Astro runs and leaves them beside the site data.
 */
export function savedComparisons(): Promise<SavedComparison[]> {
  saved ??= (async () => {
    const dir = process.env[DATA_DIR_ENV];
    return (dir ? readSavedComparisons(dir) : undefined) ?? [];
  })();
  return saved;
}

/** A fresh DOM for Observable Plot at build time. */
export function chartDocument(): Document {
  return parseHTML('<!doctype html><html><body></body></html>').document as unknown as Document;
}
