/**
 * The site pipeline: load runs (branch or folder) → index → write the site data → pre-render charts →
 * Astro's programmatic build of the package's `site/` app into the user's output folder.
 * Caches (Astro's, incremental build manifest, charts) live in a user-side folder, so the package can
 * be installed read-only in node_modules.
 */
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { createHash } from 'node:crypto';
import type { AstroIntegration } from 'astro';
import type { Config } from '../config.ts';
import { loadRuns, type InvalidRun, type LoadCache, type LoadedRun, type ParsedRecord, type RunParser } from '../index/load.ts';
import { readRunEdits } from '../index/edits.ts';
import { parsedRunFormat } from '../index/run-cache.ts';
import { describeSource, type RunSource } from '../index/source.ts';
import { buildIndex } from '../index/run-index.ts';
import { liveSettings, withLiveStatus } from '../run/liveness.ts';
import { chartStyle, type ChartStyle } from './charts.ts';
import { DATA_DIR_ENV, writeSiteData } from './data.ts';
import { Pack } from './pack.ts';
import { recordedKeys, type PageKeys } from './page-keys.ts';
import { AssetDeriver, chartsKey, compareKey, completeRunAssets, isKeyOfRuns, isSeriesKey, SERIES_PACK, seriesKey, storeAssetResult } from './run-assets.ts';
import { normalizeBase } from './url.ts';
import type { MediaLeftOut } from './media-view.ts';
import type { MediaSource, MediaStore, SiteMedia } from './media-build.ts';
import type { DiffView } from './diff-view.ts';
import type { ArtifactPreview } from './artifact-preview.ts';

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
    const index = buildIndex({ ...load, runs: withLiveStatus(load.runs, options.now, liveSettings(options.config)), ...(edits ? { edits } : {}) }, options.config);
    say(`Indexed ${load.runs.length} runs in ${index.projects.length} projects`);

    const style = chartStyle(options.config.site.charts, load.runs.length);
    // Saved comparisons draw from full series; a run whose series the cache did not keep (CI leaves
    // them out) and that one needs, or whose assets are missing in the final style, is read again.
    const [{ readSavedComparisonFiles }, { writeSavedComparisons }] = await Promise.all([import('../index/comparisons.ts'), import('./saved-data.ts')]);
    const ids = load.runs.map((run) => run.record.id);
    const saved = await readSavedComparisonFiles({ cwd: options.cwd, source: options.source, ids });
    const compared = new Set(saved.comparisons.flatMap((comparison) => comparison.runIds));
    const reread = new Set(
      load.runs
        .filter((run) => !hasSeries(run.hash, run.seriesNames) && (compared.has(run.record.id) || !hasAssets(run.hash, style)))
        .map((run) => run.hash),
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

/**
 * The media stage: display copies read from where the runs came from (the branch through one
 * `cat-file --batch`, or the folder, never through a symbolic link), originals from the store when
 * a copy is missing and the store can be reached.
 */
async function siteMedia(runs: readonly LoadedRun[], options: BuildOptions & { out: string }, pack: Pack): Promise<SiteMedia> {
  const withMedia = runs.filter((run) => run.media || run.mediaProblem);
  if (withMedia.length === 0) return { byRun: new Map(), leftOut: [], files: new Set(), bytes: 0 };
  const { prepareSiteMedia } = await import('./media-build.ts');
  const limit = 8 * 1024 * 1024;
  let reader: import('../git/objects.ts').ObjectReader | undefined;
  const from = options.source;
  const source: MediaSource =
    'folder' in from
    ? {
        read: async (folder, file) => {
          const path = join(from.folder, folder.slice('runs/'.length), file);
          const info = lstatSync(path, { throwIfNoEntry: false });
          const folderInfo = lstatSync(dirname(path), { throwIfNoEntry: false });
          if (!info?.isFile() || info.size > limit || !folderInfo?.isDirectory()) return undefined;
          return readFileSync(path);
        },
      }
    : {
        read: async (folder, file) => {
          reader ??= new (await import('../git/objects.ts')).ObjectReader(options.cwd);
          const object = await reader.read(`${from.branch}:${folder}/${file}`);
          return object?.type === 'blob' && object.content.length <= limit ? object.content : undefined;
        },
      };
  let store: MediaStore | undefined;
  const needsStore = withMedia.some((run) => run.media?.media.some((entry) => !entry.display));
  if (needsStore) {
    try {
      const opened = (await import('../store/open.ts')).openStore(options.config.store, options.cwd);
      store = {
        get: async (sha256) => ((await opened.stat(sha256)) === undefined ? undefined : opened.getBytes(sha256)),
      };
    } catch {
      store = undefined; // an invalid store setting: media without a branch copy are reported as such
    }
  }
  try {
    return await prepareSiteMedia({
      runs: withMedia,
      source,
      ...(store ? { store } : {}),
      out: options.out,
      budget: options.config.site.mediaBudget * 1024 * 1024,
      publicUrl: options.config.publicUrl,
      charts: {
        get: (key) => pack.get(key)?.toString('utf8'),
        put: (key, value) => pack.put(key, Buffer.from(value)),
      },
    });
  } finally {
    reader?.close();
  }
}

/** Runs whose small text artifacts the build previews, newest first, and artifacts a run. */
const MAX_PREVIEW_RUNS = 2000;
const MAX_PREVIEWS_PER_RUN = 10;

/**
 * Previews of the small text and CSV artifacts of the newest runs, read from the store when the
 * build can reach it (as the patches are); the first store failure stops the reading.
 */
async function siteArtifactPreviews(runs: readonly LoadedRun[], options: BuildOptions): Promise<Map<string, ArtifactPreview[]>> {
  const out = new Map<string, ArtifactPreview[]>();
  const [{ artifactPreview, previewable }, { redactText }] = await Promise.all([import('./artifact-preview.ts'), import('../record/redact.ts')]);
  const wanted = runs.filter((run) => run.record.artifacts.some((a) => previewable(a.type, a.size))).slice(0, MAX_PREVIEW_RUNS);
  if (wanted.length === 0) return out;
  let store: import('../store/store.ts').ObjectStore;
  try {
    store = (await import('../store/open.ts')).openStore(options.config.store, options.cwd);
  } catch {
    return out;
  }
  try {
    for (const run of wanted) {
      const previews: ArtifactPreview[] = [];
      for (const artifact of run.record.artifacts.filter((a) => previewable(a.type, a.size)).slice(0, MAX_PREVIEWS_PER_RUN)) {
        if ((await store.stat(artifact.sha256)) === undefined) continue;
        const preview = artifactPreview(artifact.path, artifact.type as string, await store.getBytes(artifact.sha256), redactText);
        if (preview) previews.push(preview);
      }
      if (previews.length > 0) out.set(run.record.id, previews);
    }
  } catch {
    // the store went away part-way: the previews read so far are kept
  }
  return out;
}

/** Dirty runs whose patch the build reads from the store, newest first: a bound for S3 round trips. */
const MAX_DIFF_RUNS = 2000;

/**
 * The dirty-tree patches of the newest dirty runs, read from the store when the build can reach it
 * (S3 in CI, the local store on the machine that recorded them) and classified for the run page.
 * The first failure stops the reading: a store that is not there is not asked 2,000 times.
 */
async function siteDiffs(runs: readonly LoadedRun[], options: BuildOptions): Promise<Map<string, DiffView>> {
  const out = new Map<string, DiffView>();
  const dirty = runs.filter((run) => run.record.git?.diff).slice(0, MAX_DIFF_RUNS);
  if (dirty.length === 0) return out;
  const [{ diffView, MAX_DIFF_BYTES }, { openStore }] = await Promise.all([import('./diff-view.ts'), import('../store/open.ts')]);
  let store: import('../store/store.ts').ObjectStore;
  try {
    store = openStore(options.config.store, options.cwd);
  } catch {
    return out;
  }
  const decoded = new Map<string, DiffView>();
  for (const run of dirty) {
    const sha = run.record.git?.diff as string;
    let view = decoded.get(sha);
    if (!view) {
      try {
        const size = await store.stat(sha);
        if (size === undefined || size > MAX_DIFF_BYTES) continue;
        view = diffView(new TextDecoder().decode(await store.getBytes(sha)));
      } catch {
        break;
      }
      decoded.set(sha, view);
    }
    out.set(run.record.id, view);
  }
  return out;
}

const RENDERED_PAGES_FORMAT = 'runpages/rendered-pages@1';

interface RenderedPages {
  format: typeof RENDERED_PAGES_FORMAT;
  /** The output folder they were rendered into. */
  out: string;
  /** The app that rendered them (its templates and the code they call). */
  app: string;
  keys: PageKeys;
}

/**
 * The pages the last build rendered into `out` whose files are still there, by key (see
 * page-keys.ts), or undefined when they cannot be trusted: another output folder, another version of
 * the app. The record is removed here and written again only when this build succeeds, so a build
 * that fails halfway leaves the next one to render everything.
 */
function takeRenderedPages(cacheDir: string, out: string, root: string): PageKeys | undefined {
  const file = join(cacheDir, 'rendered-pages.v8');
  let record: Partial<RenderedPages> | undefined;
  try {
    record = deserialize(readFileSync(file)) as Partial<RenderedPages>;
  } catch {
    return undefined;
  }
  rmSync(file, { force: true });
  if (record.format !== RENDERED_PAGES_FORMAT || record.out !== out || record.app !== appKey(root) || !(record.keys instanceof Map)) return undefined;
  const keys = record.keys;
  for (const path of keys.keys()) if (!existsSync(join(out, path))) keys.delete(path);
  return keys;
}

function saveRenderedPages(cacheDir: string, out: string, root: string, keys: PageKeys): void {
  const file = join(cacheDir, 'rendered-pages.v8');
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, serialize({ format: RENDERED_PAGES_FORMAT, out, app: appKey(root), keys } satisfies RenderedPages));
  renameSync(temp, file);
}

/** Changes whenever the Astro app, the package code its pages import, or Astro itself changes. */
function appKey(root: string): string {
  const astro = readFileSync(join(astroNodeModules(), 'astro', 'package.json'), 'utf8');
  return createHash('sha256')
    .update(fingerprint(root))
    .update(fingerprint(fileURLToPath(new URL('../', import.meta.url))))
    .update(astro)
    .digest('hex');
}

/**
 * Validated runs of the last build by content hash (see LoadCache), so a rebuild parses only new
 * runs (the build drops those whose series and assets are both gone, once it knows the style).
 */
function readRunCache(cacheDir: string): LoadCache {
  const file = join(cacheDir, 'runs.v8');
  const cache: LoadCache = new Map();
  try {
    const data = deserialize(readFileSync(file)) as { format?: string; runs?: LoadCache };
    if (data.format !== parsedRunFormat('run-cache') || !(data.runs instanceof Map)) return cache;
    for (const [hash, run] of data.runs) cache.set(hash, run);
  } catch {
    // no cache yet, or unreadable: parse everything
  }
  return cache;
}

/** Keeps the cache to the runs of this build (write then rename: concurrent builds share the folder). */
function writeRunCache(cacheDir: string, cache: LoadCache, runs: { hash: string }[]): void {
  const kept: LoadCache = new Map();
  for (const run of runs) {
    const entry = cache.get(run.hash);
    if (entry) kept.set(run.hash, entry);
  }
  mkdirSync(cacheDir, { recursive: true });
  const file = join(cacheDir, 'runs.v8');
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, serialize({ format: parsedRunFormat('run-cache'), runs: kept }));
  renameSync(temp, file);
}

/**
 * Builds run by this process. Astro imports its bundled pages natively and Node caches modules by
 * URL, so a second build in one process (preview --watch) needs its own chunk folder to see new data.
 */
let buildCount = 0;

async function astroBuild(options: { root: string; out: string; cacheDir: string; base: string; dataDir: string; keep: ReadonlySet<string> }): Promise<void> {
  const { build } = await import('astro');
  // Astro bundles the pages into chunks it then imports from `<cwd>/.astro/` when the output folder is
  // outside the cwd. Run it from a cache folder whose node_modules links to the one that holds astro,
  // so those imports resolve wherever runpages is installed (local, global, npx).
  const workRoot = join(options.cacheDir, 'astro-work');
  const nodeModules = astroNodeModules();
  linkDirectory(join(workRoot, 'node_modules'), nodeModules);
  const root = userSideRoot(options.root, join(options.cacheDir, 'app'), nodeModules);
  buildCount += 1;
  const workDir = join(workRoot, `build-${process.pid}-${buildCount}`);
  mkdirSync(workDir, { recursive: true });
  const previousCwd = process.cwd();
  const previousData = process.env[DATA_DIR_ENV];
  process.env[DATA_DIR_ENV] = options.dataDir;
  // Astro lets process.env override import.meta.env at render time: a BASE_URL left in the
  // environment (CI, a test runner) would silently replace the base path in every link.
  const previousBaseUrl = process.env.BASE_URL;
  delete process.env.BASE_URL;
  process.chdir(workDir);
  // Pages left from the last build stay where they are (see page-keys.ts); bundled assets are emitted
  // afresh every build.
  rmSync(join(options.out, ASSETS_DIR), { recursive: true, force: true });
  try {
    await build({
      root,
      outDir: ensureSlash(options.out),
      cacheDir: ensureSlash(join(options.cacheDir, 'astro')),
      base: options.base,
      logLevel: (process.env.RUNPAGES_ASTRO_LOG as 'info' | undefined) ?? 'warn',
      integrations: [removeStaleOutput(join(root, 'public'), options.dataDir, options.keep)],
      // The site's own astro.config.mjs holds the static settings; inline values override it.
      vite: {
        cacheDir: join(options.cacheDir, 'vite'),
        logLevel: 'warn',
        build: { emptyOutDir: false },
      },
    });
  } finally {
    process.chdir(previousCwd);
    if (previousBaseUrl !== undefined) process.env.BASE_URL = previousBaseUrl;
    if (previousData === undefined) delete process.env[DATA_DIR_ENV];
    else process.env[DATA_DIR_ENV] = previousData;
  }
  rmSync(workDir, { recursive: true, force: true });
}

/** Astro's folder of bundled scripts and styles inside the output. */
const ASSETS_DIR = '_astro';

/**
 * The output folder is not emptied before a build, so this removes what the build did not produce:
 * pages of runs or projects that are gone, and whatever else lay in the folder. Kept are the files of
 * every route (rendered now or left from the last build), the fresh bundled assets and the app's
 * public files.
 */
function removeStaleOutput(publicDir: string, dataDir: string, media: ReadonlySet<string>): AstroIntegration {
  return {
    name: 'runpages:remove-stale-output',
    hooks: {
      'astro:build:done': ({ dir, assets }) => {
        const out = fileURLToPath(dir);
        // Pages left as they were (see page-keys.ts) are current too.
        const keep = new Set<string>(recordedKeys(dataDir).keys());
        // The media copies the build wrote before Astro ran (see media-build.ts).
        for (const file of media) keep.add(file.split('/').join(sep));
        for (const urls of assets.values()) for (const url of urls) keep.add(relative(out, fileURLToPath(url)));
        if (existsSync(publicDir)) for (const file of listFiles(publicDir)) keep.add(file);
        for (const file of listFiles(out)) {
          // A git checkout of the output folder (a gh-pages worktree) keeps its repository.
          const top = file.split(sep)[0];
          if (!keep.has(file) && top !== ASSETS_DIR && top !== '.git') rmSync(join(out, file));
        }
        removeEmptyFolders(out);
      },
    },
  };
}

/** Paths of all files below `dir`, relative to it. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

/** Removes folders left empty below `dir` (not `dir` itself, nor a git repository's). */
function removeEmptyFolders(dir: string): boolean {
  let empty = true;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== '.git' && removeEmptyFolders(path)) rmSync(path, { recursive: true });
    else empty = false;
  }
  return empty;
}

/** The node_modules folder astro was resolved from. */
function astroNodeModules(): string {
  const astro = fileURLToPath(import.meta.resolve('astro'));
  const marker = `${sep}node_modules${sep}`;
  return astro.slice(0, astro.lastIndexOf(marker) + marker.length - 1);
}

/**
 * Astro writes `.astro/` (generated types) inside its root, which fails when the package is installed
 * read-only. So the app is built from a user-side copy of `site/` (a few small files), beside links to
 * the package's `src/` (the pages import it relatively) and to node_modules.
 */
function userSideRoot(packageSite: string, dir: string, nodeModules: string): string {
  const copy = join(dir, 'site');
  const stampFile = join(dir, 'site.stamp');
  const stamp = fingerprint(packageSite);
  // Copy only when the app changed: concurrent builds then share an identical copy, and Astro's
  // incremental build sees the same files at the same paths.
  if (!existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp || !existsSync(copy)) {
    const temp = `${copy}.tmp-${process.pid}`;
    rmSync(temp, { recursive: true, force: true });
    cpSync(packageSite, temp, { recursive: true, filter: (path) => !isGenerated(relative(packageSite, path)) });
    makeWritable(temp);
    rmSync(copy, { recursive: true, force: true });
    renameSync(temp, copy);
    writeFileSync(stampFile, stamp);
  }
  linkDirectory(join(dir, 'src'), resolve(packageSite, '..', 'src'));
  linkDirectory(join(dir, 'node_modules'), nodeModules);
  return copy;
}

function isGenerated(path: string): boolean {
  const parts = path.split(sep);
  return parts.includes('.astro') || parts.includes('node_modules');
}

/** Paths, sizes and modification times of the app's files: changes whenever the app does. */
function fingerprint(dir: string): string {
  const lines: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = join(path, entry.name);
      if (isGenerated(relative(dir, full))) continue;
      if (entry.isDirectory()) walk(full);
      else {
        const stat = statSync(full);
        lines.push(`${relative(dir, full)} ${stat.size} ${stat.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return lines.join('\n');
}

/** A copy of a read-only install is read-only too; Astro must write inside it. */
function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(path);
    else chmodSync(path, 0o644);
  }
}

/** Makes `link` a symlink to `target`, replacing whatever was there. */
function linkDirectory(link: string, target: string): void {
  mkdirSync(dirname(link), { recursive: true });
  try {
    if (readlinkSync(link) === target) return;
  } catch {
    // missing or not a link: (re)create below
  }
  rmSync(link, { recursive: true, force: true });
  symlinkSync(target, link, 'junction');
}


function ensureSlash(path: string): string {
  return path.endsWith('/') ? path : `${path}/`;
}

/** Counts HTML pages and total bytes of the output. */
function measure(dir: string): { pages: number; bytes: number } {
  let pages = 0;
  let bytes = 0;
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        bytes += statSync(full).size;
        if (entry.name.endsWith('.html')) pages += 1;
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return { pages, bytes };
}
