/**
 * Build-time access for the comparison and summary pages: runs with their series in the shape
 * src/report wants, the saved comparisons of this build, and Plot's document for SVG charts.
 */
import { parseHTML } from 'linkedom';
import { getSeries, getSiteData } from '../../../src/site/data.ts';
import type { ComparedRun } from '../../../src/report/compare.ts';
import { loadSavedComparisons, type SavedComparison } from '../../../src/report/saved.ts';

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
 * Saved comparisons: `comparisons/*.yaml` in the build's working directory and on the runs source.
 * The build records its source as "folder <path>" or "branch <ref>"; the dev server's sample data
 * has only the working directory's.
 */
export function savedComparisons(): Promise<SavedComparison[]> {
  saved ??= (async () => {
    const data = await getSiteData();
    const [kind, ...rest] = data.source.split(' ');
    const from = rest.join(' ');
    const ids = data.runs.map((run) => run.record.id);
    if (!from) return loadSavedComparisons({ cwd: process.cwd(), from: 'runs', fromIsFolder: true, ids });
    return loadSavedComparisons({ cwd: process.cwd(), from, fromIsFolder: kind === 'folder', ids });
  })();
  return saved;
}

/** A fresh DOM for Observable Plot at build time. */
export function chartDocument(): Document {
  return parseHTML('<!doctype html><html><body></body></html>').document as unknown as Document;
}
