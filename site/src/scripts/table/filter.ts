/**
 * The structured filter over the table's columns: the one query language (src/query) evaluated with a
 * RowAccess that reads typed arrays by row index, plus field-name completion for the query box. Pure.
 */
import type { FieldRef, Query } from '../../../../src/query/ast.ts';
import { compileQuery, type RowAccess } from '../../../../src/query/evaluate.ts';
import { hasValue, type Column } from './columns.ts';

/** The table column a query field reads: `metrics.x`, `params.x`, `tags` (for every `tags.x`) or the attribute. */
export function columnKeyOf(field: FieldRef): string {
  switch (field.kind) {
    case 'metric':
      return `metrics.${field.name}`;
    case 'param':
      return `params.${field.name}`;
    case 'tag':
      return 'tags';
    case 'attribute':
      return field.name;
  }
}

export interface FilterContext {
  ids: readonly string[];
  project: string;
  /** Decoded columns by key; fields without a column read as missing. */
  columns: ReadonlyMap<string, Column>;
  /** Runs matching all the full-text terms, as row indexes (from the search index). */
  text: (terms: string[]) => ReadonlySet<number>;
  /** Epoch ms for relative dates (`created > -7d`). */
  now: number;
}

/**
 * A predicate over row indexes for a parsed query.
 *
 * @example rows = filterRows(ids.length, compileFilter(parseQuery("metrics.acc > 0.9"), context))
 */
export function compileFilter(query: Query, context: FilterContext): (row: number) => boolean {
  const textCache = new Map<string, ReadonlySet<number>>();
  // One reader per field of the query (the compiled query passes the same FieldRef object on every
  // row), so the per-row work is an array read: filters over 100k rows stay within milliseconds.
  const readers = new Map<FieldRef, (row: number) => unknown>();
  const readerOf = (field: FieldRef): ((row: number) => unknown) => {
    if (field.kind === 'attribute' && field.name === 'id') return (row) => context.ids[row];
    if (field.kind === 'attribute' && field.name === 'project') return () => context.project;
    const column = context.columns.get(columnKeyOf(field));
    if (!column) return () => undefined;
    if (field.kind === 'tag') return (row) => (hasValue(column, row) ? tagValue(column, row, field.name) : undefined);
    if (column.num) {
      const { num, missing } = column;
      const scale = column.info.kind === 'time' ? 1000 : 1;
      return (row) => (missing![row] ? undefined : num[row]! * scale);
    }
    const { codes, dict } = column;
    return (row) => {
      const code = codes![row]!;
      return code < 0 ? undefined : dict![code];
    };
  };
  const access: RowAccess<number> = {
    value(row, field) {
      let read = readers.get(field);
      if (!read) readers.set(field, (read = readerOf(field)));
      return read(row);
    },
    text(row, terms) {
      const key = terms.join('\0');
      let set = textCache.get(key);
      if (!set) textCache.set(key, (set = context.text(terms)));
      return set.has(row);
    },
  };
  return compileQuery(query, access, { now: context.now });
}

/**
 * Tags are plain labels: `tags.baseline` holds ("true") when the run has the tag `baseline`, and
 * `tags.owner = 'alice'` matches a tag written `owner:alice` or `owner=alice`.
 */
function tagValue(column: Column, row: number, name: string): string | undefined {
  for (const code of column.tags![row]!) {
    const tag = column.dict![code]!;
    if (tag === name) return 'true';
    if (tag.length > name.length && tag.startsWith(name) && (tag[name.length] === ':' || tag[name.length] === '=')) return tag.slice(name.length + 1);
  }
  return undefined;
}

export interface Completion {
  /** Range of the query text the chosen option replaces. */
  start: number;
  end: number;
  options: string[];
}

const FIELD_CHAR = /[\p{L}\p{N}_.\/:\-`]/u;

/**
 * Field names completing the word at `caret`: names starting with it first, then names containing it;
 * nothing inside quotes or when the word already is a complete name.
 *
 * @example completeField('metrics.ac', 10, ['metrics.acc', 'metrics.loss']) // { start: 0, end: 10, options: ['metrics.acc'] }
 */
export function completeField(text: string, caret: number, keys: readonly string[], limit = 12): Completion | undefined {
  if (insideString(text.slice(0, caret))) return undefined;
  let start = caret;
  while (start > 0 && FIELD_CHAR.test(text[start - 1]!)) start--;
  let end = caret;
  while (end < text.length && FIELD_CHAR.test(text[end]!)) end++;
  const word = text.slice(start, caret).replace(/`/g, '').toLowerCase();
  if (word.length === 0 || /^[\d.\-]/.test(word)) return undefined;
  const names = keys.map(fieldText);
  if (names.some((name) => name.toLowerCase() === text.slice(start, end).toLowerCase())) return undefined;
  const starts = names.filter((name) => name.replace(/`/g, '').toLowerCase().startsWith(word));
  const contains = names.filter((name) => !starts.includes(name) && name.replace(/`/g, '').toLowerCase().includes(word));
  const options = [...starts, ...contains].slice(0, limit);
  return options.length > 0 ? { start, end, options } : undefined;
}

/** A column key as written in a query: the name part backticked when it has characters a word cannot. */
export function fieldText(key: string): string {
  const dot = key.indexOf('.');
  if (dot < 0) return key;
  const prefix = key.slice(0, dot);
  const name = key.slice(dot + 1);
  return /^[\p{L}_][\p{L}\p{N}_.\/:\-]*$/u.test(name) ? key : `${prefix}.\`${name.replace(/`/g, '')}\``;
}

function insideString(before: string): boolean {
  let quote: string | undefined;
  for (const char of before) {
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') quote = char;
  }
  return quote !== undefined;
}
