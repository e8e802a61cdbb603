/**
 * JSON and mapping checks shared by the readers of a run directory's files (params, metrics,
 * summary): errors name the file and line, and bare NaN/Infinity (Python's `json.dumps`) parse.
 */
import { InvalidRunError, showValue } from '../run/validate.ts';

export function notMapping(file: string, text: string, value: unknown, hint: string): InvalidRunError {
  const firstLine = text.split('\n').findIndex((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  return new InvalidRunError(
    [{ file, field: '', line: firstLine < 0 ? 1 : firstLine + 1, message: 'must be a mapping of names to values', value: showValue(value) }],
    hint,
  );
}

/** Bare NaN/Infinity tokens (outside strings) become strings JSON can parse; numbers are restored later. */
const BARE_NONFINITE = /("(?:[^"\\]|\\.)*")|(-?Infinity|NaN)\b/g;

export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!/NaN|Infinity/.test(text)) throw error;
    try {
      return JSON.parse(text.replace(BARE_NONFINITE, (match, quoted: string | undefined) => quoted ?? `"${match}"`));
    } catch {
      throw error; // Its position refers to the text as written.
    }
  }
}

export function parseJsonFile(text: string, file: string, lineOffset = 0): unknown {
  try {
    return parseJsonText(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message);
    const before = text.slice(0, position ? Number(position[1]) : text.length).split('\n');
    const line = position ? before.length : Number(/line (\d+)/.exec(message)?.[1]) || 1;
    const column = position ? ` at column ${before.at(-1)!.length + 1}` : '';
    // V8 quotes the whole text in some messages ("Unexpected token 'x', "…" is not valid JSON"): keep the token only.
    const reason = message.replace(/ at position \d+.*$/s, '').replace(/, (\.\.\.)?".*" is not valid JSON$/s, '');
    throw new InvalidRunError(
      [{ file, field: '', line: line + lineOffset, message: `is not valid JSON${column}: ${reason}` }],
      file.endsWith('.jsonl')
        ? `Fix the JSON at the line shown (each line of ${file} is one complete JSON object).`
        : `Fix the JSON at the line shown (${file} holds one JSON object).`,
    );
  }
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function asMapping(value: unknown): Record<string, unknown> {
  return isMapping(value) ? { ...value } : {};
}
