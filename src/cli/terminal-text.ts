/**
 * The one place untrusted text is made safe for a terminal. Run data (names, tags, params, notes,
 * paths, keys) can carry escape sequences that write the clipboard (OSC 52), retitle the window
 * (OSC 0), plant links (OSC 8) or clear the screen, C1 controls some terminals obey, and Unicode
 * bidi controls that reorder the rest of a table row. Every such character is shown as a visible
 * escape (`\x1b`, `\x9b`, `\u202e`) instead, so the user sees that it is there and nothing runs.
 * Pure.
 */

/**
 * C0 controls, DEL, C1 controls, and the invisible characters that change how the text around them
 * is laid out: bidi embeddings, overrides, isolates and marks, and the Unicode line separators.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same set without newline and tab, for multi-line messages whose layout is ours. */
const UNSAFE_IN_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** Our own colour codes (picocolors emits SGR only: `ESC [ <digits;...> m`), and any other character to escape. */
const OUTPUT = /\u001b\[[0-9;]*m|[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function visible(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Untrusted text for one terminal cell or line: every control and bidi character, newlines
 * included, shown as a visible escape.
 *
 * @example terminalText('run\u001b]52;c;aGk=\u0007') // 'run\\x1b]52;c;aGk=\\x07'
 */
export function terminalText(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** Like `terminalText`, but newlines and tabs stay: for notes and output shown line by line. */
export function terminalLines(text: string): string {
  return text.replace(UNSAFE_IN_LINES, visible);
}

/**
 * The last guard before anything reaches stdout or stderr: our own SGR colour codes, newlines and
 * tabs pass; every other control or bidi character, wherever it came from (an error message quoting
 * a run, a path, a library's message), is escaped.
 *
 * @example terminalOutput('\u001b[31merror\u001b[39m \u001b]0;owned\u0007') // '\u001b[31merror\u001b[39m \\x1b]0;owned\\x07'
 */
export function terminalOutput(text: string): string {
  return text.replace(OUTPUT, (match) => (match.length > 1 ? match : visible(match)));
}

/**
 * A copy of a value from run data with every string (object keys too) passed through
 * `terminalText`: for renderers that print many fields of a record.
 */
export function terminalSafeDeep<T>(value: T): T {
  return deep(value) as T;
}

function deep(value: unknown): unknown {
  if (typeof value === 'string') return terminalText(value);
  if (Array.isArray(value)) return value.map(deep);
  if (value !== null && typeof value === 'object') {
    // fromEntries defines own properties, so a key named __proto__ stays data.
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [terminalText(key), deep(inner)]));
  }
  return value;
}

/** Characters JSON.stringify leaves raw that a terminal would act on (C1, bidi, line separators). */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON text with those characters written as `\uXXXX` escapes: still valid JSON of the same value
 * (they can only occur inside strings), and inert on a terminal.
 *
 * @example terminalJson('a\u202eb') // '"a\\u202eb"'
 */
export function terminalJson(value: unknown, indent = 2): string {
  return (JSON.stringify(value, null, indent) ?? 'null').replace(JSON_UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
