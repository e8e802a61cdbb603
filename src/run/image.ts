/**
 * Images by their bytes alone (docs/design.md#media): which of the five types a file is, its width
 * and height from the header, whether it is a decompression bomb, its metadata removed by rewriting
 * the container (no decoding, no image library), and whether an SVG could run anything. Pure and
 * browser-safe: the recorder, the commit path and the site share it.
 */
import { BOMB_MIN_PIXELS, MAX_DECOMPRESSION_RATIO, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE } from './limits.ts';

export type ImageMime = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' | 'image/svg+xml';

export interface ImageInfo {
  mime: ImageMime;
  width: number;
  height: number;
}

/** File name extension of each type, for display copies. */
export const IMAGE_EXTENSIONS: Record<ImageMime, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/svg+xml': 'svg',
};

/** An image that cannot be used, and why, in words for a user. */
export class ImageProblem extends Error {
  override name = 'ImageProblem';
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The type and size of an image, from its header bytes. Throws ImageProblem for anything that is
 * not a PNG, JPEG, GIF, WebP or SVG, or whose header is cut short.
 *
 * @example imageInfo(bytes) // { mime: 'image/png', width: 64, height: 48 }
 */
export function imageInfo(bytes: Uint8Array): ImageInfo {
  if (startsWith(bytes, PNG_SIGNATURE)) return pngInfo(bytes);
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return jpegInfo(bytes);
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') {
    need(bytes, 10, 'GIF');
    return { mime: 'image/gif', width: u16le(bytes, 6), height: u16le(bytes, 8) };
  }
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return webpInfo(bytes);
  const svg = svgInfo(bytes);
  if (svg) return svg;
  throw new ImageProblem('is not a PNG, JPEG, GIF, WebP or SVG image (judged by its bytes, not its name)');
}

/**
 * Why an image of these dimensions and file size is refused (too large a side, too many pixels, a
 * decompression bomb), or undefined. SVG is vector: only its declared size is bounded.
 */
export function dimensionProblem(info: ImageInfo, fileBytes: number): string | undefined {
  const { width, height } = info;
  if (width < 1 || height < 1) return `has no pixels (${width} x ${height})`;
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    return `is ${width} x ${height} pixels, over the limit of ${MAX_IMAGE_SIDE} pixels a side`;
  }
  if (info.mime === 'image/svg+xml') return undefined;
  const pixels = width * height;
  if (pixels > MAX_IMAGE_PIXELS) return `is ${width} x ${height} = ${pixels} pixels, over the limit of ${MAX_IMAGE_PIXELS}`;
  if (pixels > BOMB_MIN_PIXELS && (pixels * 4) / Math.max(fileBytes, 1) > MAX_DECOMPRESSION_RATIO) {
    return `looks like a decompression bomb: ${width} x ${height} pixels (${Math.round((pixels * 4) / 1048576)} MB decoded) from a ${fileBytes}-byte file, over ${MAX_DECOMPRESSION_RATIO} times its size`;
  }
  return undefined;
}

/**
 * The image with its metadata removed (EXIF, GPS, XMP, text chunks and comments), by rewriting the
 * container's chunks or segments; the pixels are untouched. Returns the same array when there was
 * nothing to remove, so an image without metadata keeps its sha256. SVG is returned as it is
 * (check it with {@link svgHazard}). Throws ImageProblem for a malformed container.
 */
export function stripMetadata(bytes: Uint8Array, mime: ImageMime): Uint8Array {
  switch (mime) {
    case 'image/png':
      return stripPng(bytes);
    case 'image/jpeg':
      return stripJpeg(bytes);
    case 'image/webp':
      return stripWebp(bytes);
    case 'image/gif':
      return stripGif(bytes);
    case 'image/svg+xml':
      return bytes;
  }
}

/**
 * Why an SVG must not be published (script, event handlers, `javascript:` or external references,
 * embedded HTML, entity declarations), or undefined. Shown only as `<img>` it could not run, but a
 * visitor can open its URL directly, and then it would, on the site's origin.
 */
export function svgHazard(bytes: Uint8Array): string | undefined {
  const raw = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  // Character references could spell `javascript:` or `<script` past a plain search.
  const text = raw
    .replace(/&#x([0-9a-f]+);?/gi, (_, hex: string) => safeChar(Number.parseInt(hex, 16)))
    .replace(/&#([0-9]+);?/g, (_, dec: string) => safeChar(Number.parseInt(dec, 10)))
    .replace(/[\u0000-\u0020]+/g, ' ');
  const rules: [RegExp, string][] = [
    [/<\s*([\w.-]+:)?script\b/i, 'a <script> element'],
    [/<\s*([\w.-]+:)?(foreignObject|iframe|embed|object|handler|listener)\b/i, 'embedded content (foreignObject, iframe, embed, object)'],
    [/[\s"'/]on[a-z]+\s*=/i, 'an event handler attribute (onload=...)'],
    [/j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t\s*:/i, 'a javascript: URL'],
    [/<!\s*(ENTITY|DOCTYPE[^>]*\[)/i, 'entity declarations'],
    [/href\s*=\s*["']?\s*(?!#)[^\s"'>]/i, 'a link or reference to another document (only #fragment references are allowed)'],
    [/url\s*\(\s*["']?\s*(?!#)/i, 'a url(...) to another document'],
    [/@import/i, 'a CSS @import'],
  ];
  for (const [pattern, what] of rules) if (pattern.test(text)) return `is an SVG with ${what}`;
  return undefined;
}

function safeChar(code: number): string {
  return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : '';
}

function pngInfo(bytes: Uint8Array): ImageInfo {
  need(bytes, 24, 'PNG');
  if (ascii(bytes, 12, 16) !== 'IHDR') throw new ImageProblem('is a PNG without an IHDR header chunk first');
  return { mime: 'image/png', width: u32be(bytes, 16), height: u32be(bytes, 20) };
}

function jpegInfo(bytes: Uint8Array): ImageInfo {
  let at = 2;
  while (at + 3 < bytes.length) {
    if (bytes[at] !== 0xff) throw new ImageProblem(`is a JPEG with a broken segment at byte ${at}`);
    const marker = bytes[at + 1] as number;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break;
    const length = u16be(bytes, at + 2);
    // SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      need(bytes, at + 9, 'JPEG');
      return { mime: 'image/jpeg', width: u16be(bytes, at + 7), height: u16be(bytes, at + 5) };
    }
    at += 2 + length;
  }
  throw new ImageProblem('is a JPEG without a frame header (SOF) before its image data');
}

function webpInfo(bytes: Uint8Array): ImageInfo {
  need(bytes, 30, 'WebP');
  const chunk = ascii(bytes, 12, 16);
  if (chunk === 'VP8X') return { mime: 'image/webp', width: 1 + u24le(bytes, 24), height: 1 + u24le(bytes, 27) };
  if (chunk === 'VP8L') {
    if (bytes[20] !== 0x2f) throw new ImageProblem('is a lossless WebP with a bad signature');
    const bits = u32le(bytes, 21);
    return { mime: 'image/webp', width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff) };
  }
  if (chunk === 'VP8 ') {
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) throw new ImageProblem('is a lossy WebP with a bad frame start code');
    return { mime: 'image/webp', width: u16le(bytes, 26) & 0x3fff, height: u16le(bytes, 28) & 0x3fff };
  }
  throw new ImageProblem(`is a WebP whose first chunk "${chunk}" is not VP8, VP8L or VP8X`);
}

/** An SVG document: its root element after an optional BOM, XML declaration, comments and doctype. */
function svgInfo(bytes: Uint8Array): ImageInfo | undefined {
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 4096)).replace(/^\uFEFF/, '');
  const prolog = /^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>\s*)*<svg([\s>/])/i.exec(head);
  if (!prolog) return undefined;
  const start = prolog.index + prolog[0].length - 5; // back to "<svg" before the character after it
  const tag = /^<svg[^>]*>/i.exec(head.slice(start))?.[0] ?? '';
  const attr = (name: string): string | undefined => new RegExp(`\\s${name}\\s*=\\s*["']([^"']*)["']`, 'i').exec(tag)?.[1];
  const length = (value: string | undefined): number | undefined => {
    const match = value === undefined ? null : /^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$/i.exec(value);
    return match ? Math.round(Number(match[1])) : undefined;
  };
  const box = attr('viewBox')
    ?.trim()
    .split(/[\s,]+/)
    .map(Number);
  const boxSize = box?.length === 4 && box.every(Number.isFinite) ? { width: Math.round(box[2] as number), height: Math.round(box[3] as number) } : undefined;
  // Browsers draw an SVG without a size at 300 x 150.
  const width = length(attr('width')) ?? boxSize?.width ?? 300;
  const height = length(attr('height')) ?? boxSize?.height ?? 150;
  return { mime: 'image/svg+xml', width, height };
}

/** PNG chunks that carry metadata (EXIF, text, time), never pixels. */
const PNG_METADATA = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt', 'tIME']);

function stripPng(bytes: Uint8Array): Uint8Array {
  const keep: [number, number][] = [[0, 8]];
  let dropped = false;
  let at = 8;
  while (at < bytes.length) {
    need(bytes, at + 12, 'PNG');
    const length = u32be(bytes, at);
    const type = ascii(bytes, at + 4, at + 8);
    const end = at + 12 + length;
    if (end > bytes.length) throw new ImageProblem(`is a PNG whose ${JSON.stringify(type)} chunk runs past the end of the file`);
    if (PNG_METADATA.has(type)) dropped = true;
    else keep.push([at, end]);
    at = end;
    if (type === 'IEND') break;
  }
  return dropped ? concat(bytes, keep) : bytes;
}

function stripJpeg(bytes: Uint8Array): Uint8Array {
  const keep: [number, number][] = [[0, 2]];
  let dropped = false;
  let at = 2;
  while (at < bytes.length) {
    if (bytes[at] !== 0xff) throw new ImageProblem(`is a JPEG with a broken segment at byte ${at}`);
    const marker = bytes[at + 1];
    if (marker === undefined) break;
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      keep.push([at, at + 2]);
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) {
      keep.push([at, bytes.length]); // the scan and everything after it is image data
      break;
    }
    need(bytes, at + 4, 'JPEG');
    const end = at + 2 + u16be(bytes, at + 2);
    if (end > bytes.length) throw new ImageProblem(`is a JPEG whose segment at byte ${at} runs past the end of the file`);
    const identifier = ascii(bytes, at + 4, Math.min(at + 16, end));
    const app = marker >= 0xe1 && marker <= 0xef;
    // ICC profiles (APP2) and Adobe's colour transform flag (APP14) change how pixels look: kept.
    const colour = (marker === 0xe2 && identifier.startsWith('ICC_PROFILE')) || (marker === 0xee && identifier.startsWith('Adobe'));
    if ((app && !colour) || marker === 0xfe) dropped = true;
    else keep.push([at, end]);
    at = end;
  }
  return dropped ? concat(bytes, keep) : bytes;
}

function stripWebp(bytes: Uint8Array): Uint8Array {
  const keep: [number, number][] = [];
  let dropped = false;
  let vp8x: number | undefined;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const type = ascii(bytes, at, at + 4);
    const size = u32le(bytes, at + 4);
    const end = at + 8 + size + (size % 2);
    if (at + 8 + size > bytes.length) throw new ImageProblem(`is a WebP whose ${JSON.stringify(type)} chunk runs past the end of the file`);
    if (type === 'EXIF' || type === 'XMP ') dropped = true;
    else {
      if (type === 'VP8X') vp8x = at;
      keep.push([at, Math.min(end, bytes.length)]);
    }
    at = end;
  }
  if (!dropped) return bytes;
  const body = concat(bytes, keep);
  const out = new Uint8Array(12 + body.length);
  out.set(bytes.subarray(0, 12));
  out.set(body, 12);
  new DataView(out.buffer).setUint32(4, out.length - 8, true);
  if (vp8x !== undefined) {
    const flags =
      12 +
      keep
        .slice(
          0,
          keep.findIndex(([start]) => start === vp8x),
        )
        .reduce((sum, [s, e]) => sum + e - s, 0) +
      8;
    out[flags] = (out[flags] as number) & ~0x0c; // EXIF (0x08) and XMP (0x04) flags
  }
  return out;
}

function stripGif(bytes: Uint8Array): Uint8Array {
  need(bytes, 13, 'GIF');
  const packed = bytes[10] as number;
  let at = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);
  const keep: [number, number][] = [[0, at]];
  let dropped = false;
  const subBlocks = (from: number): number => {
    let p = from;
    for (;;) {
      need(bytes, p + 1, 'GIF');
      const size = bytes[p] as number;
      p += 1 + size;
      if (size === 0) return p;
    }
  };
  while (at < bytes.length) {
    const block = bytes[at];
    if (block === 0x3b) {
      keep.push([at, bytes.length]);
      break;
    }
    if (block === 0x21) {
      need(bytes, at + 2, 'GIF');
      const label = bytes[at + 1] as number;
      const end = subBlocks(at + 2);
      const app = label === 0xff ? ascii(bytes, at + 3, at + 14) : '';
      if (label === 0xfe || (label === 0xff && app !== 'NETSCAPE2.0' && app !== 'ANIMEXTS1.0')) dropped = true;
      else keep.push([at, end]);
      at = end;
      continue;
    }
    if (block === 0x2c) {
      need(bytes, at + 10, 'GIF');
      const local = bytes[at + 9] as number;
      const table = local & 0x80 ? 3 * 2 ** ((local & 7) + 1) : 0;
      const end = subBlocks(at + 10 + table + 1);
      keep.push([at, end]);
      at = end;
      continue;
    }
    throw new ImageProblem(`is a GIF with an unknown block 0x${(block ?? 0).toString(16)} at byte ${at}`);
  }
  return dropped ? concat(bytes, keep) : bytes;
}

function concat(bytes: Uint8Array, ranges: readonly [number, number][]): Uint8Array {
  const out = new Uint8Array(ranges.reduce((sum, [start, end]) => sum + end - start, 0));
  let at = 0;
  for (const [start, end] of ranges) {
    out.set(bytes.subarray(start, end), at);
    at += end - start;
  }
  return out;
}

function need(bytes: Uint8Array, length: number, type: string): void {
  if (bytes.length < length) throw new ImageProblem(`is a ${type} image cut short (${bytes.length} bytes)`);
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((byte, index) => bytes[index] === byte);
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  let out = '';
  for (let i = start; i < Math.min(end, bytes.length); i++) out += String.fromCharCode(bytes[i] as number);
  return out;
}

const u16be = (b: Uint8Array, at: number): number => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
const u16le = (b: Uint8Array, at: number): number => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
const u24le = (b: Uint8Array, at: number): number => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16);
const u32be = (b: Uint8Array, at: number): number => (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;
const u32le = (b: Uint8Array, at: number): number => u16le(b, at) + u16le(b, at + 2) * 65536;
