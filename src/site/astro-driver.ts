/**
 * Astro's programmatic build of the package's `site/` app: run from a user-side copy of the app (the
 * package may be installed read-only), into the user's output folder, keeping pages that did not
 * change and removing only what this build did not produce.
 */
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import { DATA_DIR_ENV } from './data.ts';
import { recordedKeys } from './page-keys.ts';
import { ensureSlash, listFiles, removeEmptyFolders } from './output-folder.ts';

/**
 * Builds run by this process. Astro imports its bundled pages natively and Node caches modules by
 * URL, so a second build in one process (preview --watch) needs its own chunk folder to see new data.
 */
let buildCount = 0;

/** Builds the app into `out` with Astro, keeping `keep` (pages not rendered again) in place. */
export async function astroBuild(options: {
  root: string;
  out: string;
  cacheDir: string;
  base: string;
  dataDir: string;
  keep: ReadonlySet<string>;
}): Promise<void> {
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
export const ASSETS_DIR = '_astro';

/**
 * The output folder is not emptied before a build, so this removes what the build did not produce:
 * pages of runs or projects that are gone, and whatever else lay in the folder. Kept are the files of
 * every route (rendered now or left from the last build), the fresh bundled assets and the app's
 * public files.
 */
export function removeStaleOutput(publicDir: string, dataDir: string, media: ReadonlySet<string>): AstroIntegration {
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

/** The node_modules folder astro was resolved from. */
export function astroNodeModules(): string {
  const astro = fileURLToPath(import.meta.resolve('astro'));
  const marker = `${sep}node_modules${sep}`;
  return astro.slice(0, astro.lastIndexOf(marker) + marker.length - 1);
}

/**
 * Astro writes `.astro/` (generated types) inside its root, which fails when the package is installed
 * read-only. So the app is built from a user-side copy of `site/` (a few small files), beside links to
 * the package's `src/` (the pages import it relatively) and to node_modules.
 */
export function userSideRoot(packageSite: string, dir: string, nodeModules: string): string {
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

export function isGenerated(path: string): boolean {
  const parts = path.split(sep);
  return parts.includes('.astro') || parts.includes('node_modules');
}

/** Paths, sizes and modification times of the app's files: changes whenever the app does. */
export function fingerprint(dir: string): string {
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
export function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(path);
    else chmodSync(path, 0o644);
  }
}

/** Makes `link` a symlink to `target`, replacing whatever was there. */
export function linkDirectory(link: string, target: string): void {
  mkdirSync(dirname(link), { recursive: true });
  try {
    if (readlinkSync(link) === target) return;
  } catch {
    // missing or not a link: (re)create below
  }
  rmSync(link, { recursive: true, force: true });
  symlinkSync(target, link, 'junction');
}
