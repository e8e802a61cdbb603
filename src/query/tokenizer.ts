/**
 * Splits query text into tokens with their columns. Words are greedy over name characters so
 * `metrics.val/acc` and `resnet-50` are one token each; the parser decides what a word means.
 */
import { FIELD_PREFIXES, type DurationUnit } from './ast.ts';
import { QueryError } from './error.ts';

export type Token =
  | { kind: 'word'; text: string; start: number; end: number }
  | { kind: 'number'; value: number; text: string; start: number; end: number }
  | { kind: 'duration'; amount: number; unit: DurationUnit; text: string; start: number; end: number }
  /** A quoted string; `quote` is `'`, `"` or `` ` `` (a backticked name). */
  | { kind: 'string'; value: string; quote: string; text: string; start: number; end: number }
  | { kind: 'op'; text: '=' | '!=' | '<' | '<=' | '>' | '>='; start: number; end: number }
  | { kind: 'punct'; text: '(' | ')' | ','; start: number; end: number }
  | { kind: 'eof'; text: ''; start: number; end: number };

const DURATION_UNITS: ReadonlySet<string> = new Set(['s', 'm', 'h', 'd', 'w']);

/** First character of a word: a letter or `_`. */
export function isWordStart(char: string): boolean {
  return char === '_' || /^\p{L}$/u.test(char);
}

/** Characters inside a word (and so inside an unquoted field name). */
export function isWordChar(char: string): boolean {
  return isWordStart(char) || /^\p{N}$/u.test(char) || char === '.' || char === '/' || char === '-' || char === ':';
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

/** Tokenizes `text`; a character that cannot start a token is a QueryError at its column. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    const start = i;
    if (char === '(' || char === ')' || char === ',') {
      tokens.push({ kind: 'punct', text: char, start, end: ++i });
    } else if (char === '=') {
      // `==` is accepted as `=` for programmers' habits.
      i += text[i + 1] === '=' ? 2 : 1;
      tokens.push({ kind: 'op', text: '=', start, end: i });
    } else if (char === '!') {
      if (text[i + 1] !== '=') throw new QueryError(text, i, 'unexpected "!"', 'Use != for "not equal", or not before a condition.');
      i += 2;
      tokens.push({ kind: 'op', text: '!=', start, end: i });
    } else if (char === '<') {
      const next = text[i + 1];
      const op = next === '=' ? '<=' : next === '>' ? '!=' : '<';
      i += op === '<' ? 1 : 2;
      tokens.push({ kind: 'op', text: op, start, end: i });
    } else if (char === '>') {
      const op = text[i + 1] === '=' ? '>=' : '>';
      i += op.length;
      tokens.push({ kind: 'op', text: op, start, end: i });
    } else if (char === "'" || char === '"' || char === '`') {
      const { value, end } = readQuoted(text, i);
      i = end;
      if (char === '`' && text[i] === '.' && FIELD_PREFIXES[value.toLowerCase()] !== undefined) {
        // MLflow accepts a backticked prefix: `metric`.a, `params`.`x` read as metric.a, params.`x`.
        i++;
        while (i < text.length && isWordChar(codePointAt(text, i))) i += codePointAt(text, i).length;
        tokens.push({ kind: 'word', text: `${value}.${text.slice(end + 1, i)}`, start, end: i });
        continue;
      }
      tokens.push({ kind: 'string', value, quote: char, text: text.slice(start, end), start, end });
    } else if (isDigit(char) || ((char === '-' || char === '+' || char === '.') && startsNumber(text, i))) {
      const token = readNumber(text, i);
      i = token.end;
      tokens.push(token);
    } else if (isWordStart(codePointAt(text, i))) {
      while (i < text.length && isWordChar(codePointAt(text, i))) i += codePointAt(text, i).length;
      tokens.push({ kind: 'word', text: text.slice(start, i), start, end: i });
    } else {
      throw new QueryError(
        text,
        i,
        `unexpected character "${char}"`,
        "Quote values and search phrases ('like this'), and put names with special characters in backticks: metrics.`val acc`.",
      );
    }
  }
  tokens.push({ kind: 'eof', text: '', start: text.length, end: text.length });
  return tokens;
}

/** The whole character at `i`, so letters outside the BMP count as letters. */
function codePointAt(text: string, i: number): string {
  return String.fromCodePoint(text.codePointAt(i) ?? 0);
}

function startsNumber(text: string, i: number): boolean {
  let j = i;
  if (text[j] === '-' || text[j] === '+') j++;
  if (text[j] === '.') j++;
  return isDigit(text[j]);
}

/**
 * Quoted text. In strings, `\'` (or `\"`) and `\\` are escapes and any other backslash is kept, so
 * LIKE patterns can say `'50\%'`. In backticked names a doubled backtick stands for one.
 */
function readQuoted(text: string, start: number): { value: string; end: number } {
  const quote = text[start] as string;
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const char = text[i] as string;
    if (char === quote) {
      if (quote === '`' && text[i + 1] === '`') {
        value += '`';
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    if (char === '\\' && quote !== '`' && (text[i + 1] === quote || text[i + 1] === '\\')) {
      value += text[i + 1];
      i += 2;
      continue;
    }
    value += char;
    i++;
  }
  const what = quote === '`' ? 'backticked name' : 'string';
  throw new QueryError(text, start, `unterminated ${what}`, `Close the ${what} with a matching ${quote}.`);
}

function readNumber(text: string, start: number): Token {
  let i = start;
  if (text[i] === '-' || text[i] === '+') i++;
  while (isDigit(text[i])) i++;
  if (text[i] === '.') {
    i++;
    while (isDigit(text[i])) i++;
  }
  if ((text[i] === 'e' || text[i] === 'E') && (isDigit(text[i + 1]) || ((text[i + 1] === '-' || text[i + 1] === '+') && isDigit(text[i + 2])))) {
    i += 2;
    while (isDigit(text[i])) i++;
  }
  const numberText = text.slice(start, i);
  const value = Number(numberText);
  if (text[i] === '-' && isDigit(text[i + 1])) {
    throw new QueryError(
      text,
      start,
      'dates must be quoted',
      `Write dates as strings, e.g. created > '${readWhile(text, start, (c) => isDigit(c) || c === '-' || c === ':' || c === 'T')}'.`,
    );
  }
  const unit = text[i];
  if (unit !== undefined && DURATION_UNITS.has(unit) && (i + 1 >= text.length || !isWordChar(codePointAt(text, i + 1)))) {
    return { kind: 'duration', amount: value, unit: unit as DurationUnit, text: text.slice(start, i + 1), start, end: i + 1 };
  }
  if (unit !== undefined && (isWordChar(codePointAt(text, i)) || unit === '.')) {
    throw new QueryError(
      text,
      start,
      `invalid number "${readWhile(text, start, isWordChar)}"`,
      'Numbers look like 0.93, 1e-4 or -2; durations like 90s, 30m, 12h, 7d, 2w; quote anything else.',
    );
  }
  return { kind: 'number', value, text: numberText, start, end: i };
}

function readWhile(text: string, start: number, test: (char: string) => boolean): string {
  let i = start;
  while (i < text.length && (test(text[i] as string) || (i === start && (text[i] === '-' || text[i] === '+')))) i++;
  return text.slice(start, i);
}
