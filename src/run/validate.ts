/**
 * Turns raw files into typed records, with errors that name the file, the field, the value and the fix.
 * Used by every reader and writer so a record means the same thing everywhere.
 */
import type { z } from 'zod';
import { RunpagesError } from '../errors.ts';
import { dataBreach, seriesBreach, type LimitBreach } from './limits.ts';
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
    return [
      {
        file,
        field: issue.path.map(String).join('.'),
        message: missing ? 'is required but missing' : issue.message,
        ...(missing ? {} : { value: showValue(value) }),
      },
    ];
  });
}

/** Validates a parsed `run.yaml`. */
export function parseRunRecord(data: unknown, file: string): RunRecord {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    // The kind of value only: a file that is not a run record may be anything, even a secret.
    throw new InvalidRunError([{ file, field: '', message: 'must be a YAML mapping of run fields', value: kindOf(data) }]);
  }
  const breach = dataBreach(data);
  if (breach) throw limitError(file, breach);
  const result = RunRecordSchema.safeParse(data);
  if (!result.success) throw new InvalidRunError(zodIssues(file, data, result.error));
  return result.data;
}

/** Validates a parsed `series.json`. */
export function parseSeriesFile(data: unknown, file: string): SeriesFile {
  const breach = seriesBreach(data);
  if (breach) throw limitError(file, breach);
  const result = SeriesFileSchema.safeParse(data);
  if (!result.success) throw new InvalidRunError(zodIssues(file, data, result.error));
  return result.data;
}

/** A file over one of the limits of src/run/limits.ts: the run is refused, the rest goes on. */
export function limitError(file: string, breach: LimitBreach): InvalidRunError {
  return new InvalidRunError(
    [{ file, field: breach.field, message: breach.message }],
    'The run is left out; keep large data in artifacts (see "Limits" in docs/recording.md) and commit the run again.',
  );
}

/** `a string`, `a list of 3`, `null`: what a value is, without quoting it. */
function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'an empty file';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
