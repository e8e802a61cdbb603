/**
 * The media format (docs/design.md#media): a line of the run directory's media.jsonl, the data files
 * of the structured kinds, and the `media.json` manifest on the branch. One definition for the
 * writers (TypeScript API, shell command), the commit path, the loader and the site.
 */
import { z } from 'zod';
import { artifactPathProblem } from './artifact-path.ts';
import {
  MAX_CONFUSION_LABELS,
  MAX_CURVE_POINTS,
  MAX_HISTOGRAM_BINS,
  MAX_MEDIA_CAPTION_LENGTH,
  MAX_MEDIA_KEY_LENGTH,
  MAX_MEDIA_MANIFEST_BYTES,
  MAX_TABLE_COLUMNS,
  MAX_TABLE_ROWS,
  fileSizeBreach,
} from './limits.ts';
import { SHA256_PATTERN } from './schema.ts';
import { InvalidRunError, limitError, zodIssues } from './validate.ts';

export const MEDIA_SCHEMA = 'runpages/media@1';
export const MEDIA_KINDS = ['image', 'confusion_matrix', 'curve', 'histogram', 'table', 'text'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];
export const CURVE_KINDS = ['roc', 'pr', 'custom'] as const;
export const IMAGE_MIMES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/svg+xml'] as const;

/** A medium that cannot be used, and why, in words for a user. */
export class MediaProblem extends Error {
  override name = 'MediaProblem';
}

/** One line of media.jsonl, checked. */
export interface MediaLine {
  key: string;
  kind: MediaKind;
  step?: number;
  caption?: string;
  /** Relative to the run directory, under `media/`. */
  file: string;
  sha256?: string;
  bytes?: number;
  mime?: string;
  time?: number;
}

/** Why a media key cannot be used, or undefined. */
export function mediaKeyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string' || key.length === 0) return 'needs a "key" (a non-empty string such as "val/samples")';
  if (key.length > MAX_MEDIA_KEY_LENGTH) return `has a key of ${key.length} characters, over the limit of ${MAX_MEDIA_KEY_LENGTH}`;
  if (/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(key)) return 'has a key with control characters';
  return undefined;
}

/** A parsed media.jsonl line as a {@link MediaLine}, or throws MediaProblem saying what is wrong. */
export function parseMediaLine(value: unknown): MediaLine {
  if (!isObject(value)) throw new MediaProblem('must be a JSON object like {"key": "val/samples", "kind": "image", "file": "media/a.png"}');
  const keyProblem = mediaKeyProblem(value.key);
  if (keyProblem) throw new MediaProblem(keyProblem);
  if (!MEDIA_KINDS.includes(value.kind as MediaKind)) {
    throw new MediaProblem(`has kind ${JSON.stringify(value.kind)}; it must be one of ${MEDIA_KINDS.join(', ')}`);
  }
  const line: MediaLine = { key: value.key as string, kind: value.kind as MediaKind, file: '' };
  if (value.step !== undefined && value.step !== null) {
    if (typeof value.step !== 'number' || !Number.isFinite(value.step)) throw new MediaProblem(`has step ${JSON.stringify(value.step)}; it must be a number`);
    line.step = value.step;
  }
  if (value.caption !== undefined && value.caption !== null) {
    if (typeof value.caption !== 'string') throw new MediaProblem('has a caption that is not a string');
    line.caption = value.caption.length > MAX_MEDIA_CAPTION_LENGTH ? `${value.caption.slice(0, MAX_MEDIA_CAPTION_LENGTH - 3)}...` : value.caption;
  }
  if (typeof value.file !== 'string' || !value.file.startsWith('media/')) throw new MediaProblem('needs a "file" under media/ (e.g. "media/samples-3.png")');
  const pathProblem = artifactPathProblem(value.file);
  if (pathProblem) throw new MediaProblem(`has file ${JSON.stringify(value.file)}, whose path ${pathProblem}`);
  line.file = value.file;
  if (value.sha256 !== undefined) {
    if (typeof value.sha256 !== 'string' || !SHA256_PATTERN.test(value.sha256)) throw new MediaProblem('has a sha256 that is not 64 lowercase hex characters');
    line.sha256 = value.sha256;
  }
  if (value.bytes !== undefined) {
    if (!Number.isSafeInteger(value.bytes) || (value.bytes as number) < 0) throw new MediaProblem('has "bytes" that is not a size in bytes');
    line.bytes = value.bytes as number;
  }
  if (typeof value.mime === 'string') line.mime = value.mime;
  if (typeof value.time === 'number' && Number.isFinite(value.time)) line.time = value.time;
  return line;
}

export interface ConfusionData {
  labels: string[];
  /** Rows: true class; columns: predicted class. */
  matrix: number[][];
}

export interface CurveData {
  curve: (typeof CURVE_KINDS)[number];
  x: number[];
  y: number[];
  x_label?: string;
  y_label?: string;
  auc?: number;
  ap?: number;
}

export interface HistogramData {
  bins: number[];
  counts: number[];
}

export type TableCell = string | number | boolean | null | { image: string };

export interface TableData {
  columns: string[];
  rows: TableCell[][];
  label?: string;
  prediction?: string;
}

export type MediaData =
  | { kind: 'confusion_matrix'; data: ConfusionData }
  | { kind: 'curve'; data: CurveData }
  | { kind: 'histogram'; data: HistogramData }
  | { kind: 'table'; data: TableData }
  | { kind: 'text'; data: string };

/**
 * The data of a structured medium (or a text) from its file's bytes, checked against its kind's
 * shape and limits; throws MediaProblem naming what is wrong.
 *
 * @example parseMediaData('curve', bytes) // { kind: 'curve', data: { curve: 'roc', x: [...], y: [...], auc: 0.91 } }
 */
export function parseMediaData(kind: Exclude<MediaKind, 'image'>, bytes: Uint8Array): MediaData {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new MediaProblem('is not UTF-8 text');
  }
  if (kind === 'text') return { kind, data: text };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MediaProblem(`is not valid JSON: ${error instanceof Error ? error.message.replace(/, ".*" is not valid JSON$/s, '') : String(error)}`);
  }
  if (!isObject(value)) throw new MediaProblem('must be a JSON object');
  switch (kind) {
    case 'confusion_matrix':
      return { kind, data: confusion(value) };
    case 'curve':
      return { kind, data: curve(value) };
    case 'histogram':
      return { kind, data: histogram(value) };
    case 'table':
      return { kind, data: table(value) };
  }
}

function confusion(value: Record<string, unknown>): ConfusionData {
  const labels = strings(value.labels, 'labels');
  if (labels.length === 0 || labels.length > MAX_CONFUSION_LABELS) {
    throw new MediaProblem(`has ${labels.length} labels; a confusion matrix has 1 to ${MAX_CONFUSION_LABELS}`);
  }
  if (!Array.isArray(value.matrix) || value.matrix.length !== labels.length) {
    throw new MediaProblem(`needs "matrix" with one row per label (${labels.length})`);
  }
  const matrix = value.matrix.map((row, index) => {
    if (!Array.isArray(row) || row.length !== labels.length) throw new MediaProblem(`has matrix row ${index} without ${labels.length} counts`);
    return row.map((cell) => {
      if (typeof cell !== 'number' || !Number.isFinite(cell) || cell < 0)
        throw new MediaProblem(`has matrix row ${index} with ${JSON.stringify(cell)}, not a count >= 0`);
      return cell;
    });
  });
  return { labels, matrix };
}

function curve(value: Record<string, unknown>): CurveData {
  const kind = value.curve ?? 'custom';
  if (!CURVE_KINDS.includes(kind as CurveData['curve'])) throw new MediaProblem(`has curve ${JSON.stringify(kind)}; it must be roc, pr or custom`);
  const x = numbers(value.x, 'x', MAX_CURVE_POINTS);
  const y = numbers(value.y, 'y', MAX_CURVE_POINTS);
  if (x.length !== y.length || x.length === 0) throw new MediaProblem(`needs "x" and "y" of the same, non-zero length (got ${x.length} and ${y.length})`);
  const out: CurveData = { curve: kind as CurveData['curve'], x, y };
  for (const name of ['x_label', 'y_label'] as const) if (typeof value[name] === 'string') out[name] = (value[name] as string).slice(0, 200);
  for (const name of ['auc', 'ap'] as const) {
    if (value[name] === undefined || value[name] === null) continue;
    if (typeof value[name] !== 'number' || !Number.isFinite(value[name])) throw new MediaProblem(`has ${name} ${JSON.stringify(value[name])}, not a number`);
    out[name] = value[name] as number;
  }
  return out;
}

function histogram(value: Record<string, unknown>): HistogramData {
  const bins = numbers(value.bins, 'bins', MAX_HISTOGRAM_BINS + 1);
  const counts = numbers(value.counts, 'counts', MAX_HISTOGRAM_BINS);
  if (counts.length === 0 || bins.length !== counts.length + 1) {
    throw new MediaProblem(`needs n + 1 bin edges for n counts (got ${bins.length} edges and ${counts.length} counts)`);
  }
  for (let i = 1; i < bins.length; i++) if ((bins[i] as number) < (bins[i - 1] as number)) throw new MediaProblem('has bin edges that are not ascending');
  if (counts.some((count) => count < 0)) throw new MediaProblem('has a negative count');
  return { bins, counts };
}

function table(value: Record<string, unknown>): TableData {
  const columns = strings(value.columns, 'columns');
  if (columns.length === 0 || columns.length > MAX_TABLE_COLUMNS)
    throw new MediaProblem(`has ${columns.length} columns; a table has 1 to ${MAX_TABLE_COLUMNS}`);
  if (!Array.isArray(value.rows)) throw new MediaProblem('needs "rows", a list of lists');
  if (value.rows.length > MAX_TABLE_ROWS) throw new MediaProblem(`has ${value.rows.length} rows, over the limit of ${MAX_TABLE_ROWS}`);
  const rows = value.rows.map((row, index) => {
    if (!Array.isArray(row) || row.length !== columns.length) throw new MediaProblem(`has row ${index} without ${columns.length} cells`);
    return row.map((cell): TableCell => {
      if (cell === null || typeof cell === 'string' || typeof cell === 'boolean') return cell;
      if (typeof cell === 'number') return Number.isFinite(cell) ? cell : null;
      if (isObject(cell) && typeof cell.image === 'string' && SHA256_PATTERN.test(cell.image)) return { image: cell.image };
      throw new MediaProblem(`has row ${index} with a cell that is not a string, number, boolean, null or {"image": "<sha256>"}`);
    });
  });
  const out: TableData = { columns, rows };
  for (const name of ['label', 'prediction'] as const) {
    if (value[name] === undefined) continue;
    if (typeof value[name] !== 'string' || !columns.includes(value[name] as string))
      throw new MediaProblem(`has ${name} ${JSON.stringify(value[name])}, not one of its columns`);
    out[name] = value[name] as string;
  }
  return out;
}

/** The columns a table's mispredictions are judged by: as named, else by their usual names. */
export function tableVerdictColumns(table: TableData): { label: number; prediction: number } | undefined {
  const find = (given: string | undefined, names: readonly string[]): number =>
    given !== undefined ? table.columns.indexOf(given) : table.columns.findIndex((column) => names.includes(column.toLowerCase()));
  const label = find(table.label, ['label', 'y_true', 'target', 'truth', 'true']);
  const prediction = find(table.prediction, ['prediction', 'pred', 'y_pred', 'predicted']);
  return label >= 0 && prediction >= 0 ? { label, prediction } : undefined;
}

function strings(value: unknown, name: string): string[] {
  if (!Array.isArray(value)) throw new MediaProblem(`needs "${name}", a list of strings`);
  return value.map((item) => {
    if (typeof item === 'string') return item.slice(0, 200);
    if (typeof item === 'number' || typeof item === 'boolean') return String(item);
    throw new MediaProblem(`has ${name} with ${JSON.stringify(item)}, not a string`);
  });
}

function numbers(value: unknown, name: string, max: number): number[] {
  if (!Array.isArray(value)) throw new MediaProblem(`needs "${name}", a list of numbers`);
  if (value.length > max) throw new MediaProblem(`has ${value.length} values in "${name}", over the limit of ${max}`);
  return value.map((item) => {
    if (typeof item !== 'number' || !Number.isFinite(item)) throw new MediaProblem(`has ${JSON.stringify(item)} in "${name}", not a finite number`);
    return item;
  });
}

// The manifest on the branch.

const sha256 = z.string().regex(SHA256_PATTERN, 'must be 64 lowercase hex characters (a sha256 digest)');

export const MediaEntrySchema = z.looseObject({
  key: z.string().min(1).max(MAX_MEDIA_KEY_LENGTH),
  kind: z.enum(MEDIA_KINDS),
  step: z.number().optional(),
  caption: z.string().max(MAX_MEDIA_CAPTION_LENGTH).optional(),
  time: z.number().optional(),
  /** The original in the object store. */
  sha256,
  bytes: z.number().int().nonnegative(),
  mime: z.string(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  /** The copy on the branch, beside media.json. */
  display: z
    .looseObject({
      file: z.string().regex(/^media\/[0-9a-f]{64}\.[a-z]{2,5}$/, 'must be media/<sha256>.<ext>'),
      sha256,
      bytes: z.number().int().nonnegative(),
    })
    .optional(),
  /** Why there is no copy on the branch. */
  no_display: z.string().optional(),
});

export const MediaManifestSchema = z.looseObject({
  schema: z.literal(MEDIA_SCHEMA, { message: `must be "${MEDIA_SCHEMA}" (this runpages reads only that version)` }),
  media: z.array(MediaEntrySchema),
  left_out: z.array(z.looseObject({ line: z.number().optional(), key: z.string().optional(), reason: z.string() })).default([]),
});

export type MediaEntry = z.infer<typeof MediaEntrySchema>;
export type MediaManifest = z.infer<typeof MediaManifestSchema>;

/**
 * media.json text as a manifest, or an InvalidRunError naming the file and field.
 *
 * @example parseMediaManifest(text, 'runs/cifar/2026-11/01J.../media.json').media[0].key
 */
export function parseMediaManifest(text: string, file: string): MediaManifest {
  const tooLarge = fileSizeBreach(text.length, MAX_MEDIA_MANIFEST_BYTES);
  if (tooLarge) throw limitError(file, tooLarge);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new InvalidRunError([{ file, field: '', message: 'is not valid JSON' }], 'media.json is written by runpages; commit the run again to rewrite it.');
  }
  const result = MediaManifestSchema.safeParse(data);
  if (!result.success) throw new InvalidRunError(zodIssues(file, data, result.error), 'media.json is written by runpages; commit the run again to rewrite it.');
  return result.data;
}

/** The manifest's order: by key, then step (a medium without one first), then logging order. */
export function compareMedia(a: Pick<MediaEntry, 'key' | 'step'>, b: Pick<MediaEntry, 'key' | 'step'>): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return (a.step ?? Number.NEGATIVE_INFINITY) - (b.step ?? Number.NEGATIVE_INFINITY) || 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
