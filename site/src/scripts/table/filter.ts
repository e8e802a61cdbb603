/**
 * The structured filter over the table's columns: the one query language (src/query) evaluated with a
 * RowAccess that reads typed arrays by row index. Pure.
 */
import type { FieldRef, Query } from '../../../../src/query/ast.ts';
import { compileQuery, type RowAccess } from '../../../../src/query/evaluate.ts';
import { tagValue as storedTagValue } from '../../../../src/query/tags.ts';
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
    case 'dataset':
      // The table has no per-dataset columns: such a condition matches no row here.
      return `datasets.${field.name}`;
  }
}

/** The query field a table column is, or undefined for columns the language cannot name (datasets, series min/max, the tag list). */
export function fieldOfColumn(key: string): FieldRef | undefined {
  if (key.startsWith('metrics.')) return { kind: 'metric', name: key.slice('metrics.'.length) };
  if (key.startsWith('params.')) return { kind: 'param', name: key.slice('params.'.length) };
  if (key.startsWith('data.') || key.startsWith('series.') || key === 'tags') return undefined;
  return { kind: 'attribute', name: key };
}

/** True when the query has bare words or phrases, which the full-text search answers. */
export function hasTextTerms(query: Query): boolean {
  switch (query.type) {
    case 'text':
      return true;
    case 'and':
    case 'or':
      return query.items.some(hasTextTerms);
    case 'not':
      return hasTextTerms(query.item);
    default:
      return false;
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
    const value = storedTagValue(column.dict![code]!, name);
    if (value !== undefined) return value;
  }
  return undefined;
}
