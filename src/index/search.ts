/**
 * The full-text search index of a project's runs (MiniSearch), serialised to JSON and loaded lazily by
 * the browser on the first keystroke. It holds what people type (names, notes, tags, user,
 * experiment, short categorical param values), not every param: indexing all params as text makes the
 * index about ten times larger at scale (docs/design.md#measured-facts).
 */
import MiniSearch, { type Options } from 'minisearch';
import type { RunRecord } from '../run/schema.ts';
import { flattenParams } from './columns.ts';

/** A run as the search index sees it. */
export interface SearchDocument {
  id: string;
  name: string;
  experiment: string;
  user: string;
  tags: string;
  notes: string;
  params: string;
}

/** Longest param value indexed as text: longer ones are free text or paths, not categories. */
const MAX_PARAM_TEXT = 40;
/** Notes are cut to keep the index small; the start of a note says what the run was. */
const MAX_NOTES = 2000;

/**
 * Options shared by the writer (build) and the reader (browser `MiniSearch.loadJSON`): both sides
 * must agree on fields, or loading fails.
 *
 * @example MiniSearch.loadJSON(json, SEARCH_OPTIONS)
 */
export const SEARCH_OPTIONS: Options<SearchDocument> = {
  fields: ['name', 'experiment', 'user', 'tags', 'notes', 'params'],
  storeFields: [],
  searchOptions: { prefix: true, fuzzy: 0.15, boost: { name: 3, tags: 2, experiment: 2 }, combineWith: 'AND' },
};

/** The searchable text of one run. */
export function searchDocument(record: RunRecord): SearchDocument {
  const params: string[] = [];
  for (const [key, value] of Object.entries(flattenParams(record.params))) {
    if (typeof value === 'string' && value.length > 0 && value.length <= MAX_PARAM_TEXT) params.push(`${key} ${value}`);
    else if (typeof value === 'boolean' && value) params.push(key);
  }
  return {
    id: record.id,
    name: record.name,
    experiment: record.experiment ?? '',
    user: record.user ?? '',
    tags: record.tags.join(' '),
    notes: (record.notes ?? '').slice(0, MAX_NOTES),
    params: params.join(' '),
  };
}

/**
 * Builds the serialised search index (a JSON string) of some runs.
 *
 * @example const json = buildSearchIndex(runs.map((r) => r.record)); MiniSearch.loadJSON(json, SEARCH_OPTIONS)
 */
export function buildSearchIndex(records: RunRecord[]): string {
  const index = new MiniSearch<SearchDocument>(SEARCH_OPTIONS);
  index.addAll(records.map(searchDocument));
  return JSON.stringify(index);
}
