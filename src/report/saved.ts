/**
 * Saved comparisons: `comparisons/<slug>.yaml` on the default branch (the build's working directory)
 * or on the runs branch (or beside a runs folder), pre-rendered at `/c/<slug>/`. Validated once here
 * with errors that name the file and the field; run references are resolved against the loaded runs.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { RunpagesError } from '../errors.ts';
import { InvalidRunError, UNKNOWN_KEY, zodIssues } from '../run/validate.ts';
import { parseYaml } from '../run/yaml.ts';
import { resolveRunIds } from './compare.ts';

export const COMPARISON_SCHEMA = 'runpages/comparison@1';
/** Slugs become URL segments: `/c/<slug>/`. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,79}$/;

export const SavedComparisonSchema = z.strictObject({
  /** Optional version marker; only this version is read. */
  schema: z.literal(COMPARISON_SCHEMA, { message: `must be "${COMPARISON_SCHEMA}" (or left out)` }).optional(),
  /** Page title, e.g. "Lower learning rate and deeper model". */
  title: z.string().min(1, 'must not be empty').max(200),
  /** One or two sentences for link previews; default: a sentence stating the result. */
  description: z.string().max(400).optional(),
  /** Run ids or unambiguous id prefixes, in display order. */
  runs: z.array(z.string().min(1)).min(2, 'must list at least two runs'),
  /** The run others are compared against; default the first. */
  baseline: z.string().min(1).optional(),
  /** Metrics to show, in order; default every metric. */
  columns: z.array(z.string().min(1)).optional(),
  /** Markdown shown above the tables (sanitised). */
  narrative: z.string().optional(),
});

export type SavedComparisonInput = z.infer<typeof SavedComparisonSchema>;

export interface SavedComparison extends SavedComparisonInput {
  slug: string;
  /** Where it was read from, for error messages: `comparisons/x.yaml` or `runs branch:comparisons/x.yaml`. */
  file: string;
  /** Full run ids, resolved. */
  runIds: string[];
  baselineId: string;
}

/**
 * A saved comparison the build left out because of the runs, not of the file: a run prefix that
 * became ambiguous as runs were added, or a run that is gone. Listed on /report/.
 */
export interface SkippedComparison {
  file: string;
  reason: string;
}

/** The runs are not what the comparison names (ambiguous, missing): data, not the file, is at fault. */
class UnresolvedRuns extends RunpagesError {}

/** Validates one saved comparison's YAML text and resolves its runs against `ids`. */
export function parseSavedComparison(text: string, file: string, ids: readonly string[]): SavedComparison {
  const slug = basename(file).replace(/\.ya?ml$/, '');
  if (!SLUG_PATTERN.test(slug)) {
    throw new RunpagesError('invalid-comparison', `${file}: the file name "${slug}" cannot be a URL slug.`, {
      hint: 'Name saved comparisons with lowercase letters, digits and "-", e.g. comparisons/lr-sweep.yaml.',
    });
  }
  const data = parseYaml(text, file);
  const result = SavedComparisonSchema.safeParse(data ?? {});
  if (!result.success) {
    // An unknown key is most often a typo: name it and list the keys that exist.
    const known = Object.keys(SavedComparisonSchema.shape).join(', ');
    const issues = zodIssues(file, data, result.error).map((issue) =>
      issue.message === UNKNOWN_KEY ? { ...issue, message: `is not a field of a saved comparison (fields: ${known})` } : issue,
    );
    throw new InvalidRunError(
      issues,
      'Fix the field named above; a saved comparison needs `title` and `runs` (see the README on saved comparisons).',
    );
  }
  const input = result.data;
  let runIds: string[];
  let baselineId: string;
  try {
    runIds = resolveRunIds(input.runs, ids);
    baselineId = input.baseline === undefined ? (runIds[0] as string) : (resolveRunIds([input.baseline], ids)[0] as string);
  } catch (error) {
    if (error instanceof RunpagesError) throw new UnresolvedRuns(error.code, `${file}: ${error.message}`, { hint: error.hint ?? '' });
    throw error;
  }
  if (!runIds.includes(baselineId)) {
    throw new RunpagesError('invalid-comparison', `${file}: field "baseline" names ${baselineId}, which is not one of its runs.`, {
      hint: 'Add the baseline to `runs`, or pick one of the listed runs.',
    });
  }
  return { ...input, slug, file, runIds, baselineId };
}

/**
 * Reads every saved comparison for a build: `<cwd>/comparisons/*.yaml`, then those on the runs
 * source (`comparisons/` beside a runs folder, or on the branch). A slug in the working directory
 * wins over the same slug on the runs source. Sorted by slug.
 */
export async function loadSavedComparisons(options: { cwd: string; from: string; ids: readonly string[]; fromIsFolder: boolean }): Promise<SavedComparison[]> {
  return (await readSavedComparisonFiles(options)).comparisons;
}

/**
 * {@link loadSavedComparisons} for the build, with the comparisons it left out. A mistake in the
 * user's own `comparisons/` file (not YAML, a wrong field, a bad slug) fails, as config does. The
 * build goes on without a comparison whose runs no longer resolve (a prefix that two runs now share,
 * a run that is gone), and without any broken comparison read from the runs source: data others
 * push must not stop the build.
 */
export async function readSavedComparisonFiles(options: { cwd: string; from: string; ids: readonly string[]; fromIsFolder: boolean }): Promise<{ comparisons: SavedComparison[]; skipped: SkippedComparison[] }> {
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
  if (options.fromIsFolder) {
    // A runs folder is laid out like the branch's runs/, so the branch root is its parent.
    const root = dirname(isAbsolute(options.from) ? options.from : resolve(options.cwd, options.from));
    fromFolder(join(root, 'comparisons'), `${join(root, 'comparisons')}/`, resolve(root) === resolve(options.cwd));
  } else {
    const { readBranchFiles } = await import('../branch/read.ts');
    for await (const file of readBranchFiles(options.cwd, options.from, (path) => /^comparisons\/[^/]+\.ya?ml$/.test(path))) {
      const slug = basename(file.path).replace(/\.ya?ml$/, '');
      if (!texts.has(slug)) texts.set(slug, { text: file.content.toString('utf8'), file: `${options.from}:${file.path}`, own: false });
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

const SAVED_FILE = 'comparisons.json';
const SKIPPED_FILE = 'comparisons-skipped.json';

/** Hands the build's saved comparisons (and those it left out, for /report/) to the pages: written beside the site data. */
export function writeSavedComparisons(dataDir: string, comparisons: SavedComparison[], skipped: SkippedComparison[] = []): void {
  writeFileSync(join(dataDir, SAVED_FILE), JSON.stringify(comparisons));
  writeFileSync(join(dataDir, SKIPPED_FILE), JSON.stringify(skipped));
}

/** The saved comparisons the build left out, for /report/ (none on the dev server). */
export function readSkippedComparisons(dataDir: string | undefined): SkippedComparison[] {
  const file = dataDir === undefined ? undefined : join(dataDir, SKIPPED_FILE);
  return file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SkippedComparison[]) : [];
}

/** The saved comparisons the build wrote to `dataDir`, or undefined when it wrote none (dev server). */
export function readSavedComparisons(dataDir: string): SavedComparison[] | undefined {
  const file = join(dataDir, SAVED_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SavedComparison[]) : undefined;
}
