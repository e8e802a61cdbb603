/**
 * Queries over full run records (the CLI and the build): how each field is read from a
 * `runpages/run@1` record and what full-text search looks at.
 */
import { ownValue } from '../run/keys.ts';
import type { RunRecord } from '../run/schema.ts';
import type { FieldRef } from './ast.ts';
import type { RowAccess } from './evaluate.ts';
import { tagValue as storedTagValue } from './tags.ts';

/**
 * Reads fields of run records. Params are looked up by their full name first, then as a dotted path
 * into nested params (`params.optimizer.lr`). Tags are strings (tags.ts): `owner:alice` (or `owner=alice`) gives
 * `tags.owner = 'alice'`; a plain tag `baseline` gives `tags.baseline = 'true'` (as in the site's table), and
 * `tags.baseline` alone tests it. Tags an importer kept aside (MLflow's `mlflow.*` system tags, under
 * `mlflow.tags`) answer `tags.<name>` too, so ``tags.`mlflow.runName` = 'x'`` works as in MLflow.
 * `datasets.name|digest|context` gives the list of the run's datasets' values.
 */
export const recordAccess: RowAccess<RunRecord> = {
  value: recordValue,
  text(record, terms) {
    const haystack = searchText(record);
    return terms.every((term) => haystack.includes(term.toLowerCase()));
  },
};

/** The value of one field of a run, or undefined when the run does not have it. */
export function recordValue(record: RunRecord, field: FieldRef): unknown {
  switch (field.kind) {
    case 'metric':
      return ownValue(record.metrics, field.name);
    case 'param':
      return paramValue(record.params, field.name);
    case 'tag':
      return tagValue(record.tags, field.name) ?? importedTag(record, field.name);
    case 'dataset': {
      const values = record.data.map((dataset) => datasetValue(dataset, field.name)).filter((value) => value !== undefined);
      return values.length === 0 ? undefined : values;
    }
    case 'attribute':
      return field.name === 'duration' ? record.duration_s : (record as Record<string, unknown>)[field.name];
  }
}

function paramValue(params: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(params, name)) return params[name];
  let current: unknown = params;
  for (const part of name.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function tagValue(tags: readonly string[], name: string): string | undefined {
  for (const tag of tags) {
    const value = storedTagValue(tag, name);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** A source tag kept whole by an importer (`mlflow.tags` of an MLflow import). */
function importedTag(record: RunRecord, name: string): string | undefined {
  const mlflow = (record as Record<string, unknown>).mlflow;
  if (mlflow === null || typeof mlflow !== 'object') return undefined;
  const tags = (mlflow as Record<string, unknown>).tags;
  if (tags === null || typeof tags !== 'object' || !Object.hasOwn(tags, name)) return undefined;
  const value = (tags as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** `datasets.name` and `.digest` read the dataset's fields (digest falls back to version); `.context` its MLflow context. */
function datasetValue(dataset: RunRecord['data'][number], key: string): string | undefined {
  const fields = dataset as Record<string, unknown>;
  const value = key === 'digest' ? (fields.digest ?? dataset.version) : fields[key];
  return typeof value === 'string' ? value : undefined;
}

const searchCache = new WeakMap<RunRecord, string>();

/** Lower-cased text that bare words search: names, people, tags, notes, data and short param values. */
function searchText(record: RunRecord): string {
  let text = searchCache.get(record);
  if (text !== undefined) return text;
  const parts: string[] = [record.id, record.name, record.project, record.status, ...record.tags];
  for (const value of [record.experiment, record.user, record.host, record.notes, record.command]) {
    if (value !== undefined) parts.push(value);
  }
  for (const dataset of record.data) parts.push(dataset.name, dataset.version ?? '');
  collectParamText(record.params, parts);
  text = parts.join('\n').toLowerCase();
  searchCache.set(record, text);
  return text;
}

function collectParamText(value: unknown, parts: string[]): void {
  if (typeof value === 'string') parts.push(value);
  else if (Array.isArray(value)) value.forEach((item) => collectParamText(item, parts));
  else if (value !== null && typeof value === 'object') Object.values(value).forEach((item) => collectParamText(item, parts));
}
