/**
 * What run pages show beside the record, read from the runs source and the store during a build:
 * media (display copies, originals from the store), small text artifacts previewed inline, and the
 * dirty-tree diffs of uncommitted changes.
 */
import { lstatSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LoadedRun } from '../index/load.ts';
import type { Pack } from './pack.ts';
import type { MediaSource, MediaStore, SiteMedia } from './media-build.ts';
import type { DiffView } from './diff-view.ts';
import type { ArtifactPreview } from './artifact-preview.ts';
import type { BuildOptions } from './build.ts';

/**
 * The media stage: display copies read from where the runs came from (the branch through one
 * `cat-file --batch`, or the folder, never through a symbolic link), originals from the store when
 * a copy is missing and the store can be reached.
 */
export async function siteMedia(runs: readonly LoadedRun[], options: BuildOptions & { out: string }, pack: Pack): Promise<SiteMedia> {
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
export async function siteArtifactPreviews(runs: readonly LoadedRun[], options: BuildOptions): Promise<Map<string, ArtifactPreview[]>> {
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
export async function siteDiffs(runs: readonly LoadedRun[], options: BuildOptions): Promise<Map<string, DiffView>> {
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
