/**
 * Reading the saved comparisons (`comparisons/*.yaml`) a build shows: from the working directory and
 * from the runs source (a folder beside the runs, or the branch). Parsing and validation are the pure
 * src/report/saved.ts; this module is the I/O around it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { RunpagesError } from '../errors.ts';
import type { RunSource } from './source.ts';
import { parseSavedComparison, type SavedComparison, type SkippedComparison, UnresolvedRuns } from '../report/saved.ts';

/**
 * Reads every saved comparison for a build: `<cwd>/comparisons/*.yaml`, then those on the runs
 * source (`comparisons/` beside a runs folder, or on the branch). A slug in the working directory
 * wins over the same slug on the runs source. Sorted by slug.
 */
export async function loadSavedComparisons(options: { cwd: string; source: RunSource; ids: readonly string[] }): Promise<SavedComparison[]> {
  return (await readSavedComparisonFiles(options)).comparisons;
}

/**
 * {@link loadSavedComparisons} for the build, with the comparisons it left out. A mistake in the
 * user's own `comparisons/` file (not YAML, a wrong field, a bad slug) fails, as config does. The
 * build goes on without a comparison whose runs no longer resolve (a prefix that two runs now share,
 * a run that is gone), and without any broken comparison read from the runs source: data others
 * push must not stop the build.
 */
export async function readSavedComparisonFiles(options: {
  cwd: string;
  source: RunSource;
  ids: readonly string[];
}): Promise<{ comparisons: SavedComparison[]; skipped: SkippedComparison[] }> {
  const texts = new Map<string, { text: string; file: string; own: boolean }>();
  const fromFolder = (dir: string, label: string, own: boolean) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      if (!/\.ya?ml$/.test(name)) continue;
      const slug = name.replace(/\.ya?ml$/, '');
      if (!texts.has(slug)) texts.set(slug, { text: readFileSync(join(dir, name), 'utf8'), file: `${label}${name}`, own });
    }
  };
  fromFolder(join(options.cwd, 'comparisons'), 'comparisons/', true);
  if ('folder' in options.source) {
    // A runs folder is laid out like the branch's runs/, so the branch root is its parent.
    const root = dirname(options.source.folder);
    fromFolder(join(root, 'comparisons'), `${join(root, 'comparisons')}/`, resolve(root) === resolve(options.cwd));
  } else {
    const { readBranchFiles } = await import('../branch/read.ts');
    const branch = options.source.branch;
    for await (const file of readBranchFiles(options.cwd, branch, (path) => /^comparisons\/[^/]+\.ya?ml$/.test(path))) {
      const slug = basename(file.path).replace(/\.ya?ml$/, '');
      if (!texts.has(slug)) texts.set(slug, { text: file.content.toString('utf8'), file: `${branch}:${file.path}`, own: false });
    }
  }
  const comparisons: SavedComparison[] = [];
  const skipped: SkippedComparison[] = [];
  for (const { text, file, own } of texts.values()) {
    try {
      comparisons.push(parseSavedComparison(text, file, options.ids));
    } catch (error) {
      if (!(error instanceof RunpagesError) || (own && !(error instanceof UnresolvedRuns))) throw error;
      skipped.push({ file, reason: error.message });
    }
  }
  comparisons.sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  skipped.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { comparisons, skipped };
}
