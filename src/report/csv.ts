/** CSV cells shared by every export (the run table, comparisons): RFC 4180 quoting, formula-safe. Pure. */

/** A plain number (`-0.5`, `1e-3`, `-12`): safe to leave as is, and it should stay a number. */
const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/**
 * Characters a spreadsheet may read as the start of a formula (OWASP CSV injection), ASCII and
 * full-width, possibly after leading whitespace or control characters (which some spreadsheets
 * trim before looking).
 */
const FORMULA_START = /^[\s\u0000-\u001f\u3000]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r\n]/;

/**
 * One CSV cell: text a spreadsheet could run as a formula gets a leading `'` (so it is shown as text),
 * a plain number stays a number, and the result is quoted per RFC 4180 when needed.
 *
 * @example csvCell('=1+1') // "'=1+1"
 * @example csvCell('-0.5') // "-0.5"
 * @example csvCell('a,b') // '"a,b"'
 */
export function csvCell(value: string): string {
  const safe = !PLAIN_NUMBER.test(value) && FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
