/**
 * The images of compared runs as links for a Markdown comparison (`compare --markdown`): for every
 * image key any run logged, each run's image at its last step, linked through the site's media/
 * path (the build publishes display copies as `media/<sha256>.<ext>`), else through the store's
 * `publicUrl`, else named without a link. Pure: manifests in, rows out.
 */
import type { MediaManifest } from '../run/media.ts';

export interface MediaLinkRow {
  key: string;
  /** One per run, in the comparison's order; undefined where the run did not log the key. */
  runs: Array<{ step?: number; url?: string } | undefined>;
}

/**
 * @example
 * comparisonImageLinks([manifestA, manifestB], { siteUrl: 'https://team.github.io/ml' })
 * // [{ key: 'val/samples', runs: [{ step: 9, url: 'https://team.github.io/ml/media/<sha>.png' }, ...] }]
 */
export function comparisonImageLinks(
  manifests: ReadonlyArray<MediaManifest | undefined>,
  where: { siteUrl?: string; objectUrl?: (sha256: string) => string | undefined },
): MediaLinkRow[] {
  const keys = new Set<string>();
  for (const manifest of manifests) for (const entry of manifest?.media ?? []) if (entry.kind === 'image') keys.add(entry.key);
  const site = where.siteUrl?.replace(/\/+$/, '');
  return [...keys].sort().map((key) => ({
    key,
    runs: manifests.map((manifest) => {
      // media.json is sorted by key then step: the last entry of the key is its last step.
      const entry = manifest?.media.filter((item) => item.kind === 'image' && item.key === key).at(-1);
      if (!entry) return undefined;
      const url = entry.display && site ? `${site}/${entry.display.file}` : where.objectUrl?.(entry.sha256);
      return { ...(entry.step === undefined ? {} : { step: entry.step }), ...(url ? { url } : {}) };
    }),
  }));
}
