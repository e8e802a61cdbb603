/**
 * Saved comparisons: `comparisons/<slug>.yaml` on the default branch (the build's working directory)
 * or on the runs branch (or beside a runs folder), pre-rendered at `/c/<slug>/`. Validated once here
 * with errors that name the file and the field; run references are resolved against the loaded runs.
 */
import { z } from 'zod';
import { RunpagesError } from '../errors.ts';
import { InvalidRunError, UNKNOWN_KEY, zodIssues } from '../run/validate.ts';
import { parseYaml } from '../run/yaml.ts';
import { resolveRunIds } from './compare.ts';
import { SLUG_PATTERN } from './saved-file.ts';

export const COMPARISON_SCHEMA = 'runpages/comparison@1';
export { SLUG_PATTERN } from './saved-file.ts';

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

/** A comparison whose runs no longer resolve (data changed), as opposed to a mistake in its file. */
export class UnresolvedRuns extends RunpagesError {}

/** Validates one saved comparison's YAML text and resolves its runs against `ids`. */
export function parseSavedComparison(text: string, file: string, ids: readonly string[]): SavedComparison {
  // The file's own name, whether `file` is a path or a `branch:path` label.
  const slug = (file.split(/[\\/:]/).at(-1) ?? file).replace(/\.ya?ml$/, '');
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
    throw new InvalidRunError(issues, 'Fix the field named above; a saved comparison needs `title` and `runs` (see the README on saved comparisons).');
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
