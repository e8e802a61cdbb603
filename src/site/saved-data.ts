/**
 * The saved comparisons of a build, handed from `runpages build` to the pages beside the site data
 * (see data.ts): what the pages show, and what the build left out for /report/.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SavedComparison, SkippedComparison } from '../report/saved.ts';

const SAVED_FILE = 'comparisons.json';
const SKIPPED_FILE = 'comparisons-skipped.json';

/** Hands the build's saved comparisons (and those it left out, for /report/) to the pages: written beside the site data. */
export function writeSavedComparisons(dataDir: string, comparisons: SavedComparison[], skipped: SkippedComparison[] = []): void {
  writeFileSync(join(dataDir, SAVED_FILE), JSON.stringify(comparisons));
  writeFileSync(join(dataDir, SKIPPED_FILE), JSON.stringify(skipped));
}

/** The saved comparisons the build left out, for /report/ (none when the build wrote no file). */
export function readSkippedComparisons(dataDir: string | undefined): SkippedComparison[] {
  const file = dataDir === undefined ? undefined : join(dataDir, SKIPPED_FILE);
  return file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SkippedComparison[]) : [];
}

/** The saved comparisons the build wrote to `dataDir`, or undefined when it wrote none. */
export function readSavedComparisons(dataDir: string): SavedComparison[] | undefined {
  const file = join(dataDir, SAVED_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SavedComparison[]) : undefined;
}
