/**
 * The site pipeline: load runs (branch or folder) → index → write the site data → pre-render charts →
 * Astro's programmatic build of the package's `site/` app into the user's output folder.
 * Caches (Astro's, incremental build manifest, charts) live in a user-side folder, so the package can
 * be installed read-only in node_modules.
 */
import { rmSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.ts';
import { loadRuns, type InvalidRun, type LoadCache, type ParsedRecord, type RunParser } from '../index/load.ts';
import { readRunEdits } from '../index/edits.ts';
import { describeSource, type RunSource } from '../index/source.ts';
import { buildIndex } from '../index/run-index.ts';
import { liveSettings, withLiveStatus } from '../run/liveness.ts';
import { chartStyle, type ChartStyle } from './charts.ts';
import { writeSiteData } from './data.ts';
import { Pack } from './pack.ts';
import { recordedKeys } from './page-keys.ts';
import { AssetDeriver, chartsKey, compareKey, completeRunAssets, isKeyOfRuns, isSeriesKey, SERIES_PACK, seriesKey, storeAssetResult } from './run-assets.ts';
import { normalizeBase } from './url.ts';
import type { MediaLeftOut } from './media-view.ts';
import { astroBuild } from './astro-driver.ts';
import { readRunCache, saveRenderedPages, takeRenderedPages, writeRunCache } from './build-cache.ts';
import { measure } from './output-folder.ts';
import { siteArtifactPreviews, siteDiffs, siteMedia } from './run-extras.ts';

export interface BuildOptions {
  /** Where the runs are: a branch or a folder (decided by `runSource`, src/index/source.ts). */
  source: RunSource;
  /** The user's project folder (where git runs and relative paths start). */
  cwd: string;
  /** Output folder (absolute or relative to cwd). */
  out: string;
  config: Config;
  /** Base path override (`--base`); else `config.site.base`. */
  base?: string | undefined;
  /** Folder for caches; default `<cwd>/.runpages/cache`. */
  cacheDir?: string;
  /** The build's clock. */
  now: Date;
  /** Progress messages for the user. */
  onProgress?: (message: string) => void;
  /** The Astro app to build; default the package's own `site/` (tests may point at a copy). */
  siteRoot?: string;
  /** Called with each invalid run as soon as it is known. */
  onInvalid?: (invalid: InvalidRun) => void;
  /** Called with each saved comparison left out because its runs no longer resolve (see saved.ts). */
  onSkippedComparison?: (skipped: { file: string; reason: string }) => void;
  /** Called with each medium the site leaves out (docs/design.md#media). */
  onMediaLeftOut?: (left: MediaLeftOut) => void;
}

export interface BuildResult {
  out: string;
  base: string;
  runs: number;
  projects: number;
  invalid: InvalidRun[];
  pages: number;
  bytes: number;
  charts: { rendered: number; cached: number };
  /** Media copied into the site, and those left out (listed on /report/). */
  media: { files: number; bytes: number; leftOut: MediaLeftOut[] };
  seconds: number;
}

/** The package's Astro app, resolved from this module so it works from an installed package too. */
export function siteRoot(): string {
  // src/site/build.ts and dist/site/build.js both sit two levels below the package root.
  return fileURLToPath(new URL('../../site/', import.meta.url));
}

/**
 * Builds the static site.
 *
 * @example await buildSite({ source: { branch: 'runs' }, cwd, out: 'dist', config: loadConfig(cwd), now: new Date() })
 */
export async function buildSite(options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const say = options.onProgress ?? (() => {});
  const out = isAbsolute(options.out) ? options.out : resolve(options.cwd, options.out);
  const cacheDir = options.cacheDir ?? join(options.cwd, '.runpages', 'cache');
  const base = normalizeBase(options.base ?? options.config.site.base);
  say(`Loading runs from ${describeSource(options.source, options.cwd)}`);
  // What pages draw (charts, comparison data) is kept between builds in one pack; the full series,
  // which only saved comparisons, summaries and a change of chart style need again, in another,
  // which CI leaves out of its cache (see src/hosting/github-pages.ts): without it a run is parsed
  // again from its files and its charts are still reused. Series stream in, never all in memory.
  const pack = Pack.open(join(cacheDir, 'pack'));
  const seriesPack = Pack.open(join(cacheDir, SERIES_PACK));
  // Per process: two builds in one folder (a test run beside `preview --watch`) must not share it.
  const dataDir = join(cacheDir, `data-${process.pid}`);
  // While runs load, workers make each run's comparison data and compact charts (a big site's style);
  // what is still missing once the style is known is made after the load.
  const chartsRendered: Record<ChartStyle, number> = { plot: 0, compact: 0 };
  const deriver = new AssetDeriver((job, result) => {
    storeAssetResult({ assets: pack, series: seriesPack }, job.hash, result);
    for (const [style, charts] of Object.entries(result.charts)) chartsRendered[style as ChartStyle] += Object.keys(charts).length;
  });
  try {
    // Workers parse and validate each run's files too: the main thread only reads them. The chart
    // style follows the run count, so the folders' count stands in for it while runs load; should
    // invalid runs change the style, completeRunAssets draws what is missing.
    let loadStyle: ChartStyle = chartStyle(options.config.site.charts, 0);
    const parseRun: RunParser = async (files) => {
      // Charts and comparison data left by an earlier build (its series pack gone) are not drawn again.
      const styles = pack.has(chartsKey(files.hash, loadStyle)) ? [] : [loadStyle];
      const { done } = await deriver.submit({ hash: files.hash, files, compare: !pack.has(compareKey(files.hash)), styles });
      return { parsed: done.then((result) => result.invalid ?? (result.run as ParsedRecord)) };
    };
    const runCache = readRunCache(cacheDir);
    const onCount = (folders: number) => {
      loadStyle = chartStyle(options.config.site.charts, folders);
      // A cached run is reused when its series are at hand, or when what its page draws is.
      for (const [hash, run] of runCache) if (!hasSeries(hash, run.seriesNames) && !hasAssets(hash, loadStyle)) runCache.delete(hash);
    };
    const hasSeries = (hash: string, names: readonly string[]) => names.length === 0 || seriesPack.has(seriesKey(hash));
    const hasAssets = (hash: string, style: ChartStyle) => pack.has(compareKey(hash)) && pack.has(chartsKey(hash, style));
    const load = await loadRuns({ source: options.source, cwd: options.cwd, parseRun, onCount, cache: runCache });
    for (const invalid of load.invalid) options.onInvalid?.(invalid);
    // Liveness is judged at the build's now: a run gone quiet shows as crashed on every page.
    // Edits after the fact ("edited by … on …") come from the branch's history; a folder has none.
    const edits = 'branch' in options.source ? await readRunEdits(options.cwd, options.source.branch).catch(() => undefined) : undefined;
    const index = buildIndex(
      { ...load, runs: withLiveStatus(load.runs, options.now, liveSettings(options.config)), ...(edits ? { edits } : {}) },
      options.config,
    );
    say(`Indexed ${load.runs.length} runs in ${index.projects.length} projects`);

    const style = chartStyle(options.config.site.charts, load.runs.length);
    // Saved comparisons draw from full series; a run whose series the cache did not keep (CI leaves
    // them out) and that one needs, or whose assets are missing in the final style, is read again.
    const [{ readSavedComparisonFiles }, { writeSavedComparisons }] = await Promise.all([import('../index/comparisons.ts'), import('./saved-data.ts')]);
    const ids = load.runs.map((run) => run.record.id);
    const saved = await readSavedComparisonFiles({ cwd: options.cwd, source: options.source, ids });
    const compared = new Set(saved.comparisons.flatMap((comparison) => comparison.runIds));
    const reread = new Set(
      load.runs.filter((run) => !hasSeries(run.hash, run.seriesNames) && (compared.has(run.record.id) || !hasAssets(run.hash, style))).map((run) => run.hash),
    );
    if (reread.size > 0) {
      const others: LoadCache = new Map([...runCache].filter(([hash]) => !reread.has(hash)));
      await loadRuns({ source: options.source, cwd: options.cwd, parseRun, onCount: () => {}, cache: others });
    }
    writeRunCache(cacheDir, runCache, load.runs);
    // Show a line every two seconds at most, and the end once.
    let shownAt = 0;
    let shownDone = -1;
    const progress = (done: number, total: number): void => {
      if (done === shownDone || (done < total && Date.now() - shownAt < 2000)) return;
      shownAt = Date.now();
      shownDone = done;
      say(`Charts of ${done}/${total} runs`);
    };
    await completeRunAssets(load.runs, { assets: pack, series: seriesPack }, style, deriver, progress);
    const totalCharts = load.runs.reduce((sum, run) => sum + run.seriesNames.length, 0);
    const charts = { rendered: chartsRendered[style], cached: totalCharts - chartsRendered[style] };
    say('Preparing media');
    // Before the pack is saved: media charts are kept in it by content (see media-build.ts).
    const media = await siteMedia(load.runs, { ...options, out }, pack);
    for (const left of media.leftOut) options.onMediaLeftOut?.(left);
    const hashes = new Set(load.runs.map((run) => run.hash));
    pack.save((key) => isKeyOfRuns(key, hashes) && !isSeriesKey(key));
    seriesPack.save((key) => isKeyOfRuns(key, hashes));
    rmSync(dataDir, { recursive: true, force: true });
    const root = options.siteRoot ?? siteRoot();
    const diffs = await siteDiffs(load.runs, options);
    const previews = await siteArtifactPreviews(load.runs, options);
    const rendered = takeRenderedPages(cacheDir, out, root);
    writeSiteData(dataDir, {
      config: { ...options.config, site: { ...options.config.site, base } },
      generated: options.now.toISOString(),
      source: describeSource(options.source, options.cwd),
      index,
      chartStyle: style,
      packDir: pack.dir,
      seriesPackDir: seriesPack.dir,
      media: media.byRun,
      mediaLeftOut: media.leftOut,
      diffs,
      previews,
      ...(rendered ? { renderedPages: rendered } : {}),
    });

    // Saved comparisons were read above, where the user's folder and the runs source are known.
    for (const skipped of saved.skipped) options.onSkippedComparison?.(skipped);
    writeSavedComparisons(dataDir, saved.comparisons, saved.skipped);

    say(`Rendering pages with Astro (pages of unchanged runs are kept from the last build)`);
    await astroBuild({ root, out, cacheDir, base, dataDir, keep: media.files });
    saveRenderedPages(cacheDir, out, root, recordedKeys(dataDir));
    const { pages, bytes } = measure(out);
    return {
      out,
      base,
      runs: load.runs.length,
      projects: index.projects.length,
      invalid: load.invalid,
      pages,
      bytes,
      charts,
      media: { files: media.files.size, bytes: media.bytes, leftOut: media.leftOut },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await deriver.finish().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
    pack.close();
    seriesPack.close();
  }
}
