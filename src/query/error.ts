/** A query that does not parse: the message points at the column with a caret under the query. */
import { RunpagesError } from '../errors.ts';

export class QueryError extends RunpagesError {
  /** The query text as given. */
  readonly query: string;
  /** 0-based column of the problem. */
  readonly column: number;
  /** What is wrong, without the position (e.g. `expected a value`). */
  readonly reason: string;

  constructor(query: string, column: number, reason: string, hint?: string) {
    super('invalid-query', `invalid query at column ${column + 1}: ${reason}\n${caretDisplay(query, column, reason)}`, {
      hint: hint ?? `Queries look like: metrics.accuracy > 0.93 and params.dataset = 'v3' and status = 'finished'.`,
    });
    this.name = 'QueryError';
    this.query = query;
    this.column = column;
    this.reason = reason;
  }
}

/**
 * The query on one line and a caret under `column` on the next, both indented by two spaces:
 * ```
 *   metrics.acc >> 0.9
 *                ^ expected a value
 * ```
 */
export function caretDisplay(query: string, column: number, reason: string): string {
  // Newlines and tabs would shift the caret: show them as spaces.
  const line = query.replace(/\s/g, ' ');
  return `  ${line}\n  ${' '.repeat(column)}^ ${reason}`;
}
