/**
 * Parsing a run's file texts into validated values, and the shape of the reason a run is invalid.
 * Browser-safe and dependency-light: the loader and the build's worker threads both use it.
 */
import { isRunpagesError } from '../errors.ts';
import { SERIES_SCHEMA, type SeriesFile } from './schema.ts';
import { MAX_SERIES_JSON_BYTES, fileSizeBreach, seriesBreach } from './limits.ts';
import { InvalidRunError, limitError, parseSeriesFile } from './validate.ts';

export interface InvalidRun {
  /** The file at fault, as on the branch (`runs/...`). */
  file: string;
  /** The first field at fault (dotted path), when the problem is in one field. */
  field?: string;
  /** Full message naming file, field, value and what is wrong. */
  reason: string;
}

/**
 * A series.json text as a valid series file, or an InvalidRunError naming the file and field.
 *
 * @example parseSeriesText(text, 'runs/cifar/2026-11/01J.../series.json').series['train/loss']
 */
export function parseSeriesText(text: string, file: string): SeriesFile {
  // Characters, not bytes: the loader checks bytes before reading; this bounds every other caller.
  const tooLarge = fileSizeBreach(text.length, MAX_SERIES_JSON_BYTES);
  if (tooLarge) throw limitError(file, tooLarge);
  const data = parseJson(text, file);
  if (!isPlainSeriesFile(data)) return parseSeriesFile(data, file);
  const breach = seriesBreach(data);
  if (breach) throw limitError(file, breach);
  return data;
}

/** Why a run is invalid, from the error its files raised (anything but a runpages error is a bug). */
export function invalidRun(error: unknown, file: string): InvalidRun {
  if (!isRunpagesError(error)) throw error;
  const issue = error instanceof InvalidRunError ? error.issues[0] : undefined;
  return { file: issue?.file ?? file, ...(issue?.field ? { field: issue.field } : {}), reason: error.message };
}

/**
 * True when parsed series.json data is exactly what {@link parseSeriesFile} would accept unchanged:
 * checking 12k numbers a run in a loop is ~20x cheaper than the schema; anything else goes through
 * the schema for its error message.
 */
function isPlainSeriesFile(data: unknown): data is SeriesFile {
  if (!isObject(data) || data.schema !== SERIES_SCHEMA || !isObject(data.series)) return false;
  for (const entry of Object.values(data.series)) {
    if (!isObject(entry) || !Array.isArray(entry.step) || !Array.isArray(entry.value)) return false;
    const { step, value, time } = entry;
    if (value.length !== step.length || !allFinite(step)) return false;
    for (const v of value) if (typeof v !== 'number') return false;
    if (time !== undefined && (!Array.isArray(time) || time.length !== step.length || !allFinite(time))) return false;
  }
  return true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function allFinite(values: unknown[]): boolean {
  for (const v of values) if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  return true;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8's message quotes the text around the error: give only where it is, never the content.
    const offset = /at position (\d+)/.exec((error as Error).message)?.[1];
    const at = offset === undefined ? undefined : lineColumn(text, Number(offset));
    const where = at ? ` (line ${at.line}, column ${at.column})` : '';
    throw new InvalidRunError([{ file, field: '', message: `is not valid JSON${where}`, ...(at ? { line: at.line } : {}) }]);
  }
}

/** 1-based line and column of a character offset in `text`. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}
