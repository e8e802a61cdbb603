/**
 * Writing a saved comparison's file (`comparisons/<slug>.yaml`, read by ./saved.ts): the text, a slug
 * for a title, and GitHub's new-file link. Pure and browser-safe (no schema or YAML library), so the
 * compare page's "Save as comparison" can use it.
 */

/** Slugs become URL segments: `/c/<slug>/`. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,79}$/;

/**
 * The `comparisons/<slug>.yaml` text that saves a comparison ("Save as comparison" on /compare/).
 * Strings are written as JSON strings (valid YAML double-quoted scalars), so any title survives
 * the round trip through `parseSavedComparison` (./saved.ts).
 *
 * @example savedComparisonYaml({ title: 'lr sweep', runs: [a, b], baseline: a })
 */
export function savedComparisonYaml(input: {
  title: string;
  runs: readonly string[];
  baseline?: string | undefined;
  description?: string | undefined;
}): string {
  const lines = [
    '# A saved comparison: pre-rendered at /c/<slug>/ (the file name is the slug). Fields: title, description, runs, baseline, columns, narrative.',
    `title: ${JSON.stringify(input.title.trim() || 'Comparison')}`,
  ];
  if (input.description?.trim()) lines.push(`description: ${JSON.stringify(input.description.trim())}`);
  lines.push(`runs: [${input.runs.map((id) => JSON.stringify(id)).join(', ')}]`);
  if (input.baseline !== undefined && input.baseline !== input.runs[0]) lines.push(`baseline: ${JSON.stringify(input.baseline)}`);
  return `${lines.join('\n')}\n`;
}

/** A slug for a title: lowercase letters, digits and "-", as {@link SLUG_PATTERN} requires. */
export function slugOf(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return SLUG_PATTERN.test(slug) ? slug : 'comparison';
}

/**
 * GitHub's page for a new file in `repo` (`https://github.com/<owner>/<name>`) on `branch`, with
 * its name and text filled in.
 */
export function githubNewFileUrl(repo: string, branch: string, path: string, text: string): string {
  return `${repo}/new/${branch.split('/').map(encodeURIComponent).join('/')}?filename=${encodeURIComponent(path)}&value=${encodeURIComponent(text)}`;
}
