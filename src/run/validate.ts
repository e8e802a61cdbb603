/**
 * Turns raw files into typed records, with errors that name the file, the field, the value and the fix.
 * Used by every reader and writer so a record means the same thing everywhere.
 */
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { RunpagesError } from '../errors.ts';
import { RunRecordSchema, SeriesFileSchema, type RunRecord, type SeriesFile } from './schema.ts';

/** One problem with one field of one file. */
export interface FieldIssue {
  file: string;
  /** Dotted path of the field, e.g. `metrics.accuracy`; empty for the whole file. */
  field: string;
  message: string;
  /** The offending value, shortened for display. */
  value?: string;
  line?: number;
}

export class InvalidRunError extends RunpagesError {
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[], hint?: string) {
    super('invalid-run', issues.map(formatIssue).join('\n'), {
      hint: hint ?? 'Fix the field named above (see the run record format in the README), then try again.',
    });
    this.issues = issues;
  }
}

export function formatIssue(issue: FieldIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}`;
  const field = issue.field ? ` field "${issue.field}"` : '';
  const value = issue.value === undefined ? '' : ` (got ${issue.value})`;
  return `${where}:${field} ${issue.message}${value}`;
}

/** Shortens any value for an error message. */
export function showValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) text = String(value);
  else if (Array.isArray(value)) text = `a list of ${value.length}`;
  else text = 'an object';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function valueAt(data: unknown, path: PropertyKey[]): unknown {
  let current: unknown = data;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** The message of an issue about a key the schema does not know (one issue per key). */
export const UNKNOWN_KEY = 'is not a known key';

/** Converts zod issues into field issues for `file`. */
export function zodIssues(file: string, data: unknown, error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue): FieldIssue[] => {
    // zod reports unknown keys on their parent ("Unrecognized key ... (got an object)"): name each key.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ file, field: [...issue.path, key].map(String).join('.'), message: UNKNOWN_KEY }));
    }
    const value = valueAt(data, issue.path);
    const missing = value === undefined && issue.code === 'invalid_type';
    return [{
      file,
      field: issue.path.map(String).join('.'),
      message: missing ? 'is required but missing' : issue.message,
      ...(missing ? {} : { value: showValue(value) }),
    }];
  });
}

/** Parses YAML text; a syntax error names the file and line. NaN and Infinity survive (`.nan`, `.inf`). */
export function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
  const first = doc.errors[0];
  if (first) {
    // With prettyErrors off the library leaves linePos unset: count lines up to the error's offset.
    const line = first.linePos?.[0]?.line ?? lineAt(text, first.pos[0]);
    throw new InvalidRunError(
      [{ file, field: '', message: `is not valid YAML: ${first.message.split('\n')[0]}`, ...(line === undefined ? {} : { line }) }],
      'Fix the YAML syntax at the line shown (indentation and quoting are the usual causes).',
    );
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // The yaml library refuses alias expansion bombs ("billion laughs") with a ReferenceError: that is
    // a bad file, not a crash of the whole load.
    if (!(error instanceof ReferenceError)) throw error;
    throw new InvalidRunError(
      [{ file, field: '', message: `is not usable YAML: ${error.message}` }],
      'Write the values out instead of nesting aliases (&name / *name).',
    );
  }
}

/** 1-based line number of a character offset in `text`. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Validates a parsed `run.yaml`. */
export function parseRunRecord(data: unknown, file: string): RunRecord {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new InvalidRunError([{ file, field: '', message: 'must be a YAML mapping of run fields', value: showValue(data) }]);
  }
  const result = RunRecordSchema.safeParse(data);
  if (!result.success) throw new InvalidRunError(zodIssues(file, data, result.error));
  return result.data;
}

/** Validates a parsed `series.json`. */
export function parseSeriesFile(data: unknown, file: string): SeriesFile {
  const result = SeriesFileSchema.safeParse(data);
  if (!result.success) throw new InvalidRunError(zodIssues(file, data, result.error));
  return result.data;
}
