/**
 * Writing media into a run directory (docs/design.md#media): the bytes to `media/<sha256>.<ext>` and
 * one line appended to media.jsonl. Used by the TypeScript API and `runpages log image|...`. Every
 * medium is checked here, where it enters, against the same rules the commit path applies; one that
 * breaks a rule is not written and the reason is returned for a warning: logging never throws into
 * the job.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dimensionProblem, IMAGE_EXTENSIONS, ImageProblem, imageInfo } from '../run/image.ts';
import { MAX_MEDIA_DATA_BYTES, MAX_MEDIA_FILE_BYTES, MAX_MEDIA_TEXT_BYTES, formatBytes } from '../run/limits.ts';
import { MediaProblem, mediaKeyProblem, parseMediaData, type MediaKind } from '../run/media.ts';
import { sha256Bytes } from '../store/hash.ts';
import { MEDIA_LOG_FILE } from './media-dir.ts';

export interface MediumOptions {
  step?: number;
  caption?: string;
  /** When it was logged, unix seconds (default: now). */
  time?: number;
}

/** A medium written (its sha256, for a table cell) or why it was not. */
export type LogOutcome = { ok: true; sha256: string; file: string } | { ok: false; reason: string };

/**
 * Checks a medium and writes it into the run directory `dir`.
 *
 * @example logMedium(dir, 'val/samples', 'image', pngBytes, { step: 3 })
 */
export function logMedium(dir: string, key: string, kind: MediaKind, bytes: Uint8Array, options: MediumOptions = {}): LogOutcome {
  try {
    const keyProblem = mediaKeyProblem(key);
    if (keyProblem) throw new MediaProblem(keyProblem);
    if (options.step !== undefined && !Number.isFinite(options.step)) throw new MediaProblem(`has step ${options.step}; it must be a finite number`);
    let ext: string;
    let extra: Record<string, unknown> = {};
    if (kind === 'image') {
      if (bytes.length > MAX_MEDIA_FILE_BYTES)
        throw new MediaProblem(`is ${formatBytes(bytes.length)}, over the limit of ${formatBytes(MAX_MEDIA_FILE_BYTES)} for an image`);
      const info = imageInfo(bytes);
      const problem = dimensionProblem(info, bytes.length);
      if (problem) throw new MediaProblem(problem);
      ext = IMAGE_EXTENSIONS[info.mime];
      extra = { mime: info.mime, width: info.width, height: info.height };
    } else {
      const max = kind === 'text' ? MAX_MEDIA_TEXT_BYTES : MAX_MEDIA_DATA_BYTES;
      if (bytes.length > max) throw new MediaProblem(`is ${formatBytes(bytes.length)}, over the limit of ${formatBytes(max)} for a ${kind}`);
      parseMediaData(kind, bytes);
      ext = kind === 'text' ? 'txt' : 'json';
    }
    const sha256 = sha256Bytes(bytes);
    const file = `media/${sha256}.${ext}`;
    mkdirSync(join(dir, 'media'), { recursive: true });
    writeFileSync(join(dir, file), bytes);
    const line: Record<string, unknown> = { key, kind, ...(options.step === undefined ? {} : { step: options.step }) };
    if (options.caption !== undefined) line.caption = String(options.caption);
    Object.assign(line, { file, sha256, bytes: bytes.length, ...extra, time: options.time ?? Date.now() / 1000 });
    appendFileSync(join(dir, MEDIA_LOG_FILE), `${JSON.stringify(line)}\n`);
    return { ok: true, sha256, file };
  } catch (error) {
    if (error instanceof MediaProblem || error instanceof ImageProblem) return { ok: false, reason: `${kind} ${JSON.stringify(key)} ${error.message}` };
    return { ok: false, reason: `${kind} ${JSON.stringify(key)} could not be written: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** JSON bytes of a structured medium's data. */
export function jsonBytes(data: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(data));
}
