/**
 * Field-name completion for query boxes: what the word under the cursor could become.
 */
import { ATTRIBUTES, CANONICAL_PREFIX } from './ast.ts';
import { isWordChar } from './tokenizer.ts';

export interface Completion {
  /** Replace `text.slice(from, to)` with one of `options`. */
  from: number;
  to: number;
  /** Field names as a query writes them (`metrics.val/acc`, ``params.`a b` ``), best first. */
  options: string[];
}

/**
 * Suggests field names for the word at `cursor`. `knownFields` are the fields the runs have, in
 * query form (`printField`), e.g. `['status', 'metrics.acc', 'params.lr']`. Nothing is suggested
 * where a value is expected (after an operator, in an IN list, after LIKE). Example:
 * `completions('metrics.a', 9, ['metrics.acc', 'params.a'])` gives `{ from: 0, to: 9, options: ['metrics.acc'] }`.
 */
export function completions(text: string, cursor: number, knownFields: readonly string[]): Completion {
  let from = cursor;
  while (from > 0 && isFieldChar(text, from - 1)) from--;
  let to = cursor;
  while (to < text.length && isFieldChar(text, to)) to++;
  const partial = text.slice(from, cursor).toLowerCase();
  if (insideString(text.slice(0, cursor)) || expectsValue(text.slice(0, from))) return { from, to, options: [] };
  // Nothing typed yet: offer fields only where a field can start. Right after a value
  // (`status = 'finished'|`) a list would make Enter insert a field instead of applying the query.
  if (partial === '' && !startsClause(text.slice(0, from))) return { from, to, options: [] };
  const candidates = [...new Set([...knownFields, ...ATTRIBUTES, ...Object.values(CANONICAL_PREFIX).map((prefix) => `${prefix}.`)])];
  const matches = candidates.filter((field) => field.toLowerCase().startsWith(partial) && field.toLowerCase() !== partial);
  // Also match the name after the prefix (`acc` finds `metrics.acc`), after the direct matches.
  const loose =
    partial === ''
      ? []
      : candidates.filter(
          (field) =>
            !matches.includes(field) &&
            field
              .toLowerCase()
              .slice(field.indexOf('.') + 1)
              .startsWith(partial) &&
            field.includes('.'),
        );
  const rank = (field: string): number => (field.endsWith('.') ? 1 : 0);
  const sorted = [...matches].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return { from, to, options: [...sorted, ...loose.sort((a, b) => a.localeCompare(b))] };
}

function isFieldChar(text: string, i: number): boolean {
  const char = text[i] as string;
  return isWordChar(char) || char === '`';
}

/** True when `before` leaves a quoted string open: the cursor is in a value or search phrase. */
function insideString(before: string): boolean {
  let quote: string | undefined;
  for (let i = 0; i < before.length; i++) {
    const char = before[i] as string;
    if (quote === undefined) {
      if (char === "'" || char === '"') quote = char;
    } else if (char === '\\') {
      i++;
    } else if (char === quote) {
      quote = undefined;
    }
  }
  return quote !== undefined;
}

/** True when a field can start after `before`: at the start, after `(` (not an IN list), `and`, `or` or `not`. */
function startsClause(before: string): boolean {
  const trimmed = before.trimEnd();
  if (trimmed === '') return true;
  if (trimmed.endsWith('(')) return !/\bin\s*\($/i.test(trimmed);
  return /(^|[\s)])(and|or|not)$/i.test(trimmed);
}

/** True when the text before the word ends in an operator, IN list or LIKE: a value comes next. */
function expectsValue(before: string): boolean {
  const trimmed = before.trimEnd();
  const last = trimmed.at(-1);
  if (last === undefined) return false;
  if ('=<>!,'.includes(last)) return true;
  if (last === '(') return /\bin\s*\($/i.test(trimmed);
  return /\b(like|ilike)$/i.test(trimmed);
}
