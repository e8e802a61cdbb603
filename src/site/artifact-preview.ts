/**
 * Inline previews of a run's small text artifacts on its page: CSV and TSV as a table, other text
 * (logs, JSON, YAML, Markdown) as preformatted text, both capped. Pure; the build reads the bytes
 * from the store when it can (see build.ts). HTML artifacts are never previewed: their text would be
 * shown, not run, but a reader expects a page, so they are left to `runpages pull`.
 */

export type ArtifactPreview =
  | { path: string; kind: 'table'; columns: string[]; rows: string[][]; totalRows: number }
  | { path: string; kind: 'text'; text: string; truncated: boolean };

/** Artifacts larger than this are not previewed (the page would be the artifact). */
export const MAX_PREVIEW_BYTES = 64 * 1024;
/** Rows and columns of a previewed table, characters of a previewed text. */
export const MAX_PREVIEW_ROWS = 50;
export const MAX_PREVIEW_COLUMNS = 30;
export const MAX_PREVIEW_CHARS = 20_000;

const TEXT_TYPES = new Set(['text/plain', 'text/markdown', 'application/json', 'application/jsonl', 'application/yaml', 'text/x-diff']);
const TABLE_TYPES = new Set(['text/csv', 'text/tab-separated-values']);

/** True when an artifact of this type and size gets a preview. */
export function previewable(type: string | undefined, size: number): boolean {
  return size > 0 && size <= MAX_PREVIEW_BYTES && type !== undefined && (TEXT_TYPES.has(type) || TABLE_TYPES.has(type));
}

/**
 * The preview of an artifact's bytes (after `mask`, the redactor), or undefined when they are not UTF-8 text.
 *
 * @example artifactPreview('metrics.csv', 'text/csv', bytes) // { kind: 'table', columns: ['epoch', 'acc'], rows: [...] }
 */
export function artifactPreview(path: string, type: string, bytes: Uint8Array, mask: (text: string) => string = (t) => t): ArtifactPreview | undefined {
  let text: string;
  try {
    // Masked like notes before anything is shown: an artifact was only ever a hash on the site.
    text = mask(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  if (TABLE_TYPES.has(type)) {
    const records = parseDelimited(text, type === 'text/csv' ? ',' : '\t');
    const [header, ...rows] = records;
    if (header) {
      const width = Math.min(MAX_PREVIEW_COLUMNS, header.length);
      return {
        path,
        kind: 'table',
        columns: header.slice(0, width),
        rows: rows.slice(0, MAX_PREVIEW_ROWS).map((row) => Array.from({ length: width }, (_, i) => row[i] ?? '')),
        totalRows: rows.length,
      };
    }
  }
  return { path, kind: 'text', text: text.slice(0, MAX_PREVIEW_CHARS), truncated: text.length > MAX_PREVIEW_CHARS };
}

/** RFC 4180 records: quoted fields may hold the separator, quotes ("") and newlines. */
export function parseDelimited(text: string, separator: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === separator) {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records.filter((r) => !(r.length === 1 && r[0] === ''));
}
