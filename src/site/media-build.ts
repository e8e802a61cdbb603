/**
 * The build's media stage (docs/design.md#media, "On the site"): for each run with media, newest
 * first, read each display copy from the branch (or the folder of runs), check its sha256, copy it to
 * `<out>/media/<sha256>.<ext>` while the site's media budget lasts, draw structured media to SVG, and
 * say why every medium left out is left out. A medium without a copy on the branch is read from the
 * object store when it is reachable, stripped and checked the same way; else it is linked through
 * `publicUrl`. Never fails the build: a problem becomes a line of the report.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedRun } from '../index/load.ts';
import { dimensionProblem, IMAGE_EXTENSIONS, imageInfo, stripMetadata, svgHazard, type ImageMime } from '../run/image.ts';
import { formatBytes, MAX_MEDIA_DATA_BYTES, MAX_MEDIA_TEXT_BYTES } from '../run/limits.ts';
import { parseMediaData, tableVerdictColumns, type MediaEntry, type MediaData } from '../run/media.ts';
import { objectUrl } from './url.ts';
import { confusionChart, curveChart, histogramChart } from './media-charts.ts';
import {
  MAX_PAGE_STEPS,
  MAX_PAGE_TABLE_ROWS,
  type MediaChartItem,
  type MediaGroup,
  type MediaImageItem,
  type MediaLeftOut,
  type MediaTableItem,
  type MediaTextItem,
  type RunMediaView,
} from './media-view.ts';

/** Where a run's branch files are read from. */
export interface MediaSource {
  /** The bytes of `file` (`media/<sha256>.<ext>`) in the run folder `folder`, or undefined when absent. */
  read(folder: string, file: string): Promise<Uint8Array | undefined>;
}

/** The object store, when the build can reach it. */
export interface MediaStore {
  /** The original's bytes (verified by the store), or undefined when it is not there. */
  get(sha256: string, size: number): Promise<Uint8Array | undefined>;
}

export interface SiteMediaOptions {
  runs: readonly LoadedRun[];
  source: MediaSource;
  store?: MediaStore;
  /** The output folder: copies go to `<out>/media/`. */
  out: string;
  /** Bytes the site's media may take (`site.mediaBudget`). */
  budget: number;
  /** The store's public base URL, to link originals not on the site. */
  publicUrl?: string | undefined;
  /**
   * Drawn charts kept between builds (the build's pack). Keys end in the run's hash, so they live
   * as long as the run does; a chart is drawn again only when its data or the drawing code changes.
   */
  charts?: { get(key: string): string | undefined; put(key: string, value: string): void };
}

/** Changes whenever media-charts.ts draws differently: old charts are then drawn again. */
const CHARTS_VERSION = 'media-svg@1';

export interface SiteMedia {
  byRun: Map<string, RunMediaView>;
  leftOut: MediaLeftOut[];
  /** Files written or kept under the output folder (relative paths), so the build keeps them. */
  files: Set<string>;
  /** Bytes of media on the site. */
  bytes: number;
}

/** Largest copy taken from the store for the site (the branch's are at most 1 MB). */
const MAX_SITE_FILE_BYTES = 8 * 1024 * 1024;

/**
 * Prepares every run's media for the site.
 *
 * @example const media = await prepareSiteMedia({ runs, source, out, budget: 300 * 1024 * 1024 });
 */
export async function prepareSiteMedia(options: SiteMediaOptions): Promise<SiteMedia> {
  const byRun = new Map<string, RunMediaView>();
  const leftOut: MediaLeftOut[] = [];
  const files = new Set<string>();
  let used = 0;
  let storeFailure: string | undefined;
  const shown = new Map<string, string>(); // sha256 of the bytes shown -> site path
  for (const run of options.runs) {
    if (run.mediaProblem) leftOut.push({ runId: run.record.id, folder: run.folder, reason: run.mediaProblem.reason });
    const manifest = run.media;
    if (!manifest) continue;
    for (const left of manifest.left_out) {
      leftOut.push({
        runId: run.record.id,
        folder: run.folder,
        ...(left.key === undefined ? {} : { key: left.key }),
        reason: `not published: media.jsonl line ${left.line ?? '?'}: ${left.reason}`,
      });
    }
    const leave = (entry: MediaEntry, reason: string): string => {
      leftOut.push({
        runId: run.record.id,
        folder: run.folder,
        key: entry.key,
        kind: entry.kind,
        ...(entry.step === undefined ? {} : { step: entry.step }),
        reason,
      });
      return reason;
    };

    /** The bytes to show for an entry, checked, or why there are none. */
    const bytesOf = async (entry: MediaEntry): Promise<{ bytes: Uint8Array; sha256: string; ext: string } | { missing: string }> => {
      if (entry.display) {
        const bytes = await options.source.read(run.folder, entry.display.file).catch(() => undefined);
        if (!bytes) return { missing: `its copy ${entry.display.file} is missing from the branch` };
        const sha256 = sha256Of(bytes);
        if (sha256 !== entry.display.sha256) return { missing: `its copy ${entry.display.file} does not match its sha256 (the branch was changed by hand?)` };
        const ext = entry.display.file.slice(entry.display.file.lastIndexOf('.') + 1);
        if (entry.kind === 'image') {
          const problem = imageProblem(bytes);
          if (problem) return { missing: problem };
        }
        return { bytes, sha256, ext };
      }
      if (entry.kind === 'image' && entry.no_display?.includes('SVG with')) return { missing: entry.no_display };
      // No copy on the branch: the store, when the build can reach it.
      const limit = entry.kind === 'image' ? MAX_SITE_FILE_BYTES : entry.kind === 'text' ? MAX_MEDIA_TEXT_BYTES : MAX_MEDIA_DATA_BYTES;
      const why = entry.no_display ? `it has no copy on the branch (${entry.no_display})` : 'it has no copy on the branch';
      if (!options.store || storeFailure)
        return { missing: `${why}${storeFailure ? ` and the store cannot be read (${storeFailure})` : ' and no store was reachable'}` };
      if (entry.bytes > limit) return { missing: `${why} and its original is ${formatBytes(entry.bytes)}, over ${formatBytes(limit)} for the site` };
      let original: Uint8Array | undefined;
      try {
        original = await options.store.get(entry.sha256, entry.bytes);
      } catch (error) {
        storeFailure = error instanceof Error ? error.message.split('\n')[0] : String(error);
        return { missing: `${why} and the store cannot be read (${storeFailure})` };
      }
      if (!original) return { missing: `${why} and the store does not hold it` };
      if (sha256Of(original) !== entry.sha256) return { missing: `${why} and the store's copy does not match its sha256` };
      if (entry.kind !== 'image') return { bytes: original, sha256: entry.sha256, ext: entry.kind === 'text' ? 'txt' : 'json' };
      const problem = imageProblem(original);
      if (problem) return { missing: problem };
      const info = imageInfo(original);
      const stripped = stripMetadata(original, info.mime);
      return { bytes: stripped, sha256: sha256Of(stripped), ext: IMAGE_EXTENSIONS[info.mime as ImageMime] };
    };

    /** Copies shown bytes into the site within the budget; the site path, or why not. */
    const publish = (bytes: Uint8Array, sha256: string, ext: string): { src: string } | { missing: string } => {
      const existing = shown.get(sha256);
      if (existing) return { src: existing };
      if (used + bytes.length > options.budget) return { missing: `the site's media budget of ${formatBytes(options.budget)} is used up` };
      const path = `media/${sha256}.${ext}`;
      writeVerified(join(options.out, path), bytes, sha256);
      used += bytes.length;
      shown.set(sha256, path);
      files.add(path);
      return { src: path };
    };
    const countData = (bytes: Uint8Array): string | undefined => {
      if (used + bytes.length > options.budget) return `the site's media budget of ${formatBytes(options.budget)} is used up`;
      used += bytes.length;
      return undefined;
    };

    /** A chart drawn once per content: from the cache, else drawn and kept. */
    const drawn = (kind: string, content: string, draw: () => string): string => {
      const key = `${CHARTS_VERSION}:${kind}:${sha256Of(new TextEncoder().encode(content))}:${run.hash}`;
      const cached = options.charts?.get(key);
      if (cached !== undefined) return cached;
      const svg = draw();
      options.charts?.put(key, svg);
      return svg;
    };
    // Only the newest steps of each key are put on the page; the report says how many were not.
    const olderSteps: Record<string, number> = {};
    const kept = new Set<MediaEntry>();
    const stepsByGroup = new Map<string, number[]>();
    for (const entry of manifest.media) {
      const id = `${entry.kind}\0${entry.key}`;
      const steps = stepsByGroup.get(id) ?? [];
      if (entry.step !== undefined && !steps.includes(entry.step)) steps.push(entry.step);
      stepsByGroup.set(id, steps);
    }
    const newest = new Map<string, Set<number>>();
    for (const [id, steps] of stepsByGroup) {
      const limit = MAX_PAGE_STEPS[id.slice(0, id.indexOf('\0')) as MediaEntry['kind']];
      const sorted = steps.sort((a, b) => a - b);
      newest.set(id, new Set(sorted.slice(-limit)));
      if (sorted.length > limit) {
        olderSteps[id] = sorted.length - limit;
        const kind = id.slice(0, id.indexOf('\0')) as MediaEntry['kind'];
        leftOut.push({
          runId: run.record.id,
          folder: run.folder,
          key: id.slice(id.indexOf('\0') + 1),
          kind,
          reason: `its ${sorted.length - limit} earliest steps are not on the page: a run page holds the newest ${limit} steps of a ${kind.replace('_', ' ')}`,
        });
      }
    }
    for (const entry of manifest.media) if (entry.step === undefined || newest.get(`${entry.kind}\0${entry.key}`)?.has(entry.step)) kept.add(entry);
    const imageItems = new Map<string, MediaImageItem>();
    const groups = new Map<string, MediaGroup>();
    const histograms = new Map<string, { step: number | undefined; data: Extract<MediaData, { kind: 'histogram' }>['data'] }[]>();
    const tables: { item: MediaTableItem; refs: string[] }[] = [];
    // Structured media first (small, drawn here), then images newest step first, as on the branch.
    const order = [...kept].sort(
      (a, b) => Number(a.kind === 'image') - Number(b.kind === 'image') || (a.kind === 'image' ? (b.step ?? -Infinity) - (a.step ?? -Infinity) : 0),
    );
    for (const entry of order) {
      const base = { ...(entry.step === undefined ? {} : { step: entry.step }), ...(entry.caption === undefined ? {} : { caption: entry.caption }) };
      const got = await bytesOf(entry);
      if (entry.kind === 'image') {
        const item: MediaImageItem = {
          ...base,
          sha256: entry.sha256,
          ...(entry.width ? { width: entry.width } : {}),
          ...(entry.height ? { height: entry.height } : {}),
        };
        const placed = 'missing' in got ? got : publish(got.bytes, got.sha256, got.ext);
        if ('src' in placed) item.src = placed.src;
        else {
          // An original is linked, never shown from another host (the CSP allows the store's origin for <img>,
          // but its bytes were not checked here); an SVG with script is not even linked.
          const link = entry.no_display?.includes('SVG with') ? undefined : objectUrl(options.publicUrl, entry.sha256);
          if (link) item.href = link;
          item.missing = leave(entry, placed.missing);
        }
        imageItems.set(`${entry.key}\0${entry.step ?? ''}\0${entry.sha256}`, item);
        pushItem(groups, entry.key, 'image', item);
        continue;
      }
      let data: MediaData | undefined;
      let missing: string | undefined;
      if ('missing' in got) missing = got.missing;
      else {
        try {
          data = parseMediaData(entry.kind, got.bytes);
        } catch (error) {
          missing = `is not a valid ${entry.kind}: ${error instanceof Error ? error.message : String(error)}`;
        }
        if (data) missing = countData(got.bytes);
        if (missing) data = undefined;
      }
      if (missing) leave(entry, missing);
      switch (entry.kind) {
        case 'confusion_matrix': {
          const item: MediaChartItem = { ...base, ...(missing ? { missing } : {}) };
          if (data?.kind === 'confusion_matrix') {
            const matrix = data.data;
            const content = `${entry.key}\0${JSON.stringify(matrix)}`;
            item.svg = drawn('confusion', content, () => confusionChart(matrix, { title: entry.key }));
            item.normalized = drawn('confusion-normalized', content, () => confusionChart(matrix, { title: entry.key, normalized: true }));
            item.confusion = matrix;
          }
          pushItem(groups, entry.key, 'confusion_matrix', item);
          break;
        }
        case 'curve': {
          const item: MediaChartItem = { ...base, ...(missing ? { missing } : {}) };
          if (data?.kind === 'curve') {
            const curve = data.data;
            item.svg = drawn('curve', `${entry.key}\0${JSON.stringify(curve)}`, () => curveChart([{ label: entry.key, data: curve }], { title: entry.key }));
            item.curve = curve;
            if (data.data.auc !== undefined) item.auc = data.data.auc;
            if (data.data.ap !== undefined) item.ap = data.data.ap;
          }
          pushItem(groups, entry.key, 'curve', item);
          break;
        }
        case 'histogram': {
          const list = histograms.get(entry.key) ?? [];
          if (data?.kind === 'histogram') list.push({ step: entry.step, data: data.data });
          histograms.set(entry.key, list);
          const group = groupFor(groups, entry.key, 'histogram') as Extract<MediaGroup, { kind: 'histogram' }>;
          if (missing) group.missing = missing;
          break;
        }
        case 'table': {
          const item: MediaTableItem = { ...base, columns: [], rows: [], totalRows: 0, images: {}, ...(missing ? { missing } : {}) };
          if (data?.kind === 'table') {
            item.columns = data.data.columns;
            item.rows = data.data.rows.slice(0, MAX_PAGE_TABLE_ROWS);
            item.totalRows = data.data.rows.length;
            const verdict = tableVerdictColumns(data.data);
            if (verdict) item.verdict = verdict;
            tables.push({ item, refs: item.rows.flatMap((row) => row.flatMap((cell) => (cell && typeof cell === 'object' ? [cell.image] : []))) });
          }
          pushItem(groups, entry.key, 'table', item);
          break;
        }
        case 'text': {
          const item: MediaTextItem = { ...base, ...(missing ? { missing } : {}) };
          if (data?.kind === 'text') item.text = data.data;
          pushItem(groups, entry.key, 'text', item);
          break;
        }
      }
    }
    for (const [key, list] of histograms) {
      const group = groupFor(groups, key, 'histogram') as Extract<MediaGroup, { kind: 'histogram' }>;
      group.steps = list.length;
      list.sort((a, b) => (a.step ?? -Infinity) - (b.step ?? -Infinity));
      if (list.length > 0) group.svg = drawn('histogram', `${key}\0${JSON.stringify(list)}`, () => histogramChart(list, { title: key }));
    }
    // Table cells show the images of the run they refer to, when those are on the site.
    const srcBySha = new Map<string, string>();
    for (const item of imageItems.values()) if (item.src) srcBySha.set(item.sha256, item.src);
    for (const { item, refs } of tables) for (const sha of refs) if (srcBySha.has(sha)) item.images[sha] = srcBySha.get(sha) as string;

    const tableKeys = new Set([...groups.values()].filter((group) => group.kind === 'table').map((group) => group.key));
    for (const group of groups.values())
      if (group.kind === 'image' && group.key.endsWith('/images') && tableKeys.has(group.key.slice(0, -'/images'.length))) group.cells = true;
    const sorted = [...groups.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const group of sorted) if ('items' in group) (group.items as { step?: number }[]).sort((a, b) => (a.step ?? -Infinity) - (b.step ?? -Infinity));
    const key = createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
    byRun.set(run.record.id, { groups: sorted, key, ...(Object.keys(olderSteps).length ? { olderSteps } : {}) });
  }
  return { byRun, leftOut, files, bytes: used };
}

function pushItem(groups: Map<string, MediaGroup>, key: string, kind: Exclude<MediaGroup['kind'], 'histogram'>, item: object): void {
  (groupFor(groups, key, kind) as { items: object[] }).items.push(item);
}

function groupFor(groups: Map<string, MediaGroup>, key: string, kind: MediaGroup['kind']): MediaGroup {
  // One group per key and kind: a key logged as two kinds shows as two groups.
  const id = `${key}\0${kind}`;
  let group = groups.get(id);
  if (!group) {
    group = kind === 'histogram' ? { kind, key, steps: 0 } : ({ kind, key, items: [] } as MediaGroup);
    groups.set(id, group);
  }
  return group;
}

/** Why image bytes are not shown (not an image, bomb, hostile SVG), or undefined. */
function imageProblem(bytes: Uint8Array): string | undefined {
  try {
    const info = imageInfo(bytes);
    const problem = dimensionProblem(info, bytes.length);
    if (problem) return `its image ${problem}`;
    if (info.mime === 'image/svg+xml') return svgHazard(bytes);
    if (bytes.length > MAX_SITE_FILE_BYTES) return `its image is ${formatBytes(bytes.length)}, over ${formatBytes(MAX_SITE_FILE_BYTES)} for the site`;
    return undefined;
  } catch (error) {
    return `its image ${error instanceof Error ? error.message : String(error)}`;
  }
}

function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Writes `bytes` to `path` unless a file with exactly these bytes is there already (a copy from the
 * last build), through a temporary name, so a visitor never gets half a file.
 */
function writeVerified(path: string, bytes: Uint8Array, sha256: string): void {
  if (existsSync(path)) {
    const info = lstatSync(path);
    if (info.isFile() && info.size === bytes.length && sha256Of(readFileSync(path)) === sha256) return;
  }
  mkdirSync(join(path, '..'), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, bytes);
  renameSync(temp, path);
}
