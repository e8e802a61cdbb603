/**
 * Reads a run directory's media (media.jsonl and media/, docs/design.md#media) into what publishing
 * needs: the manifest and display copies for the branch, the originals for the store, and the
 * curves' AUC and AP as metrics. A medium that breaks a rule is left out with a warning and listed
 * in the manifest's `left_out`; the run itself is always published (a bad picture never costs a run).
 */
import {
  MEDIA_BRANCH_BUDGET,
  MAX_DISPLAY_FILE_BYTES,
  MAX_MEDIA_DATA_BYTES,
  MAX_MEDIA_FILE_BYTES,
  MAX_MEDIA_JSONL_BYTES,
  MAX_MEDIA_PER_RUN,
  MAX_MEDIA_TEXT_BYTES,
  formatBytes,
} from '../run/limits.ts';
import { dimensionProblem, IMAGE_EXTENSIONS, ImageProblem, imageInfo, stripMetadata, svgHazard } from '../run/image.ts';
import { compareMedia, MEDIA_SCHEMA, MediaProblem, parseMediaData, parseMediaLine, type MediaEntry, type MediaLine, type MediaManifest } from '../run/media.ts';
import type { PendingObject } from '../run/prepared.ts';
import { setOwn } from '../run/keys.ts';
import { isRunpagesError } from '../errors.ts';
import { sha256Bytes } from '../store/hash.ts';
import { redactText } from './redact.ts';
import { openRunFile, readRunText, streamRunFile, type RunFileWarn } from './read-run-file.ts';

export const MEDIA_LOG_FILE = 'media.jsonl';
export const MEDIA_MANIFEST_FILE = 'media.json';

export interface RunMedia {
  /** Undefined when the run logged no media. */
  manifest: MediaManifest | undefined;
  /** media.json's text. */
  manifestText: string;
  /** The run's `media/` folder on the branch: `<sha256>.<ext>` display copies. */
  files: Record<string, Uint8Array>;
  /** The originals, for the object store. */
  objects: PendingObject[];
  /** `<key>/auc` and `<key>/ap` of each curve at its last step. */
  metrics: Record<string, number>;
}

interface Read {
  entry: MediaEntry;
  order: number;
  /** Bytes for the branch, before the budget decides. */
  display?: { bytes: Uint8Array; ext: string };
  /** A curve's area figures. */
  curve?: { auc?: number; ap?: number };
}

/**
 * The media of the run directory `dir`, checked.
 *
 * @example const { manifest, files, objects, metrics } = await readRunMedia(dir, warn);
 */
export async function readRunMedia(dir: string, warn: RunFileWarn): Promise<RunMedia> {
  const none: RunMedia = { manifest: undefined, manifestText: '', files: {}, objects: [], metrics: {} };
  let text: string | undefined;
  try {
    text = await readRunText(dir, MEDIA_LOG_FILE, warn, MAX_MEDIA_JSONL_BYTES);
  } catch (error) {
    if (!isRunpagesError(error)) throw error;
    warn(`${MEDIA_LOG_FILE}: ${error.message}; the run is published without its media`);
    return none;
  }
  if (text === undefined) return none;
  const leftOut: MediaManifest['left_out'] = [];
  const leave = (line: number, key: string | undefined, reason: string): void => {
    leftOut.push({ line, ...(key === undefined ? {} : { key }), reason });
    warn(`${MEDIA_LOG_FILE}:${line}${key === undefined ? '' : ` (${JSON.stringify(key)})`}: ${reason}; left out of the run's media`);
  };
  const lines = text.split('\n');
  const complete = text.endsWith('\n');
  const read: Read[] = [];
  const objects = new Map<string, PendingObject>();
  for (let index = 0; index < lines.length; index++) {
    const raw = (lines[index] as string).trim();
    if (raw === '') continue;
    const number = index + 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      if (index === lines.length - 1 && !complete) break; // cut short by a kill
      leave(number, undefined, 'is not valid JSON');
      continue;
    }
    if (read.length >= MAX_MEDIA_PER_RUN) {
      leave(number, undefined, `is past the limit of ${MAX_MEDIA_PER_RUN} media a run`);
      break;
    }
    let line: MediaLine;
    try {
      line = parseMediaLine(parsed);
    } catch (error) {
      if (!(error instanceof MediaProblem)) throw error;
      leave(number, typeof (parsed as { key?: unknown })?.key === 'string' ? (parsed as { key: string }).key : undefined, error.message);
      continue;
    }
    try {
      const medium = await readMedium(dir, line, warn);
      if (!medium) {
        leave(number, line.key, `names ${line.file}, which is missing or not a regular file`);
        continue;
      }
      const { object, ...rest } = medium;
      read.push({ ...rest, order: index });
      if (!objects.has(medium.entry.sha256)) objects.set(medium.entry.sha256, object);
    } catch (error) {
      if (error instanceof MediaProblem || error instanceof ImageProblem || isRunpagesError(error)) leave(number, line.key, `${line.file} ${error.message}`);
      else throw error;
    }
  }
  if (read.length === 0 && leftOut.length === 0) return none;

  read.sort((a, b) => compareMedia(a.entry, b.entry) || a.order - b.order);
  const files: Record<string, Uint8Array> = {};
  // The budget goes to structured data first (small, and drawn by the site), then images newest
  // step first: without JavaScript a page shows each key's last step.
  const byPriority = [...read].sort((a, b) => {
    const image = Number(a.entry.kind === 'image') - Number(b.entry.kind === 'image');
    return image || (b.entry.step ?? Number.NEGATIVE_INFINITY) - (a.entry.step ?? Number.NEGATIVE_INFINITY) || a.order - b.order;
  });
  let used = 0;
  for (const item of byPriority) {
    if (!item.display) continue;
    const { bytes, ext } = item.display;
    const sha256 = sha256Bytes(bytes);
    const name = `${sha256}.${ext}`;
    const file = `media/${name}`;
    if (bytes.length > MAX_DISPLAY_FILE_BYTES) {
      item.entry.no_display = `is ${formatBytes(bytes.length)}, over the limit of ${formatBytes(MAX_DISPLAY_FILE_BYTES)} for a copy on the branch`;
      continue;
    }
    if (!Object.hasOwn(files, name)) {
      if (used + bytes.length > MEDIA_BRANCH_BUDGET) {
        item.entry.no_display = `would take the run's copies on the branch past their budget of ${formatBytes(MEDIA_BRANCH_BUDGET)}`;
        continue;
      }
      used += bytes.length;
      setOwn(files, name, bytes);
    }
    item.entry.display = { file, sha256, bytes: bytes.length };
  }

  const metrics: Record<string, number> = {};
  // In step order: the last step's value wins.
  for (const { entry, curve } of read) {
    if (curve?.auc !== undefined) setOwn(metrics, `${entry.key}/auc`, curve.auc);
    if (curve?.ap !== undefined) setOwn(metrics, `${entry.key}/ap`, curve.ap);
  }
  const manifest: MediaManifest = { schema: MEDIA_SCHEMA, media: read.map((item) => item.entry), left_out: leftOut };
  return { manifest, manifestText: `${JSON.stringify(manifest, null, 1)}\n`, files, objects: [...objects.values()], metrics };
}

/** One medium's file, checked for its kind; undefined when the file is missing. */
async function readMedium(dir: string, line: MediaLine, warn: RunFileWarn): Promise<(Omit<Read, 'order'> & { object: PendingObject }) | undefined> {
  const max = line.kind === 'image' ? MAX_MEDIA_FILE_BYTES : line.kind === 'text' ? MAX_MEDIA_TEXT_BYTES : MAX_MEDIA_DATA_BYTES;
  const file = await openRunFile(dir, line.file, { maxBytes: max, warn });
  if (!file) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of streamRunFile(file)) chunks.push(chunk as Buffer);
  let bytes = new Uint8Array(Buffer.concat(chunks));
  let sha256 = sha256Bytes(bytes);
  if (line.sha256 !== undefined && line.sha256 !== sha256)
    throw new MediaProblem(`changed after it was logged (its sha256 is ${sha256}, the line says ${line.sha256})`);
  if (line.bytes !== undefined && line.bytes !== bytes.length)
    throw new MediaProblem(`changed after it was logged (${bytes.length} bytes, the line says ${line.bytes})`);
  if (line.kind === 'text') {
    // Text is masked like notes, whoever wrote it: neither the branch nor the store sees a secret.
    const masked = new TextEncoder().encode(redactText(new TextDecoder().decode(bytes)));
    if (masked.length !== bytes.length || sha256Bytes(masked) !== sha256) {
      bytes = masked;
      sha256 = sha256Bytes(masked);
    }
  }
  const entry: MediaEntry = { key: line.key, kind: line.kind, sha256, bytes: bytes.length, mime: 'application/octet-stream' };
  if (line.step !== undefined) entry.step = line.step;
  if (line.caption !== undefined) entry.caption = line.caption;
  if (line.time !== undefined) entry.time = line.time;
  const object: PendingObject = { sha256, size: bytes.length, source: { path: file.path } };
  if (line.kind === 'image') {
    const info = imageInfo(bytes);
    const problem = dimensionProblem(info, bytes.length);
    if (problem) throw new MediaProblem(problem);
    entry.mime = info.mime;
    entry.width = info.width;
    entry.height = info.height;
    const hazard = info.mime === 'image/svg+xml' ? svgHazard(bytes) : undefined;
    if (hazard) {
      entry.no_display = `${hazard}, so it is kept in the store only and never published`;
      return { entry, object };
    }
    const stripped = stripMetadata(bytes, info.mime);
    // The copy must still be the same picture: a rewrite that lost its header is a bug, not a copy.
    const again = imageInfo(stripped);
    if (again.width !== info.width || again.height !== info.height) throw new MediaProblem('could not have its metadata removed safely');
    return { entry, object, display: { bytes: stripped, ext: IMAGE_EXTENSIONS[info.mime] } };
  }
  const data = parseMediaData(line.kind, bytes);
  entry.mime = line.kind === 'text' ? 'text/plain' : 'application/json';
  const curve =
    data.kind === 'curve'
      ? { ...(data.data.auc === undefined ? {} : { auc: data.data.auc }), ...(data.data.ap === undefined ? {} : { ap: data.data.ap }) }
      : undefined;
  return { entry, object: { ...object, source: { data: bytes } }, display: { bytes, ext: line.kind === 'text' ? 'txt' : 'json' }, ...(curve ? { curve } : {}) };
}
