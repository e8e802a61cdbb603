/**
 * The columns a project's runs have: attributes, params (flattened with dotted keys), metrics, tags.
 * Names follow the query language (docs/design.md#query-language): `status`, `params.optim.lr`, `metrics.val/acc`.
 */
import { setOwn } from '../run/keys.ts';
import type { RunRecord } from '../run/schema.ts';

export type ColumnGroup = 'attribute' | 'param' | 'metric' | 'tags';

export interface Column {
  /** Query-language name, e.g. `params.optim.lr`. */
  key: string;
  /** Name without its group prefix, e.g. `optim.lr`. */
  name: string;
  group: ColumnGroup;
  /** `number` when every present value is a number. */
  type: 'number' | 'string' | 'boolean' | 'mixed';
  /** Runs with a value. */
  count: number;
}

const ATTRIBUTES: [string, Column['type']][] = [
  ['name', 'string'],
  ['status', 'string'],
  ['user', 'string'],
  ['host', 'string'],
  ['experiment', 'string'],
  ['created', 'string'],
  ['duration', 'number'],
];

/**
 * Flattens nested params into dotted keys; lists stay values.
 *
 * @example flattenParams({ optim: { lr: 0.1 }, layers: [2, 3] }) // { 'optim.lr': 0.1, layers: [2, 3] }
 */
export function flattenParams(params: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) {
      // Object.assign would run the __proto__ setter for a param named so; setOwn keeps it data.
      for (const [inner, leaf] of Object.entries(flattenParams(value as Record<string, unknown>, path))) setOwn(out, inner, leaf);
    } else {
      setOwn(out, path, value);
    }
  }
  return out;
}

/** The columns present in `records`, attributes first, then params, metrics and tags, each sorted by name. */
export function projectColumns(records: RunRecord[]): Column[] {
  const columns: Column[] = ATTRIBUTES.map(([name, type]) => ({
    key: name,
    name,
    group: 'attribute',
    type,
    count: records.filter((r) => attributeValue(r, name) !== undefined).length,
  }));
  const params = new Map<string, Column>();
  const metrics = new Map<string, Column>();
  let tagged = 0;
  for (const record of records) {
    for (const [name, value] of Object.entries(flattenParams(record.params))) note(params, 'param', name, value);
    for (const [name, value] of Object.entries(record.metrics)) note(metrics, 'metric', name, value);
    if (record.tags.length > 0) tagged += 1;
  }
  const byName = (a: Column, b: Column) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  columns.push(...[...params.values()].sort(byName), ...[...metrics.values()].sort(byName));
  if (tagged > 0) columns.push({ key: 'tags', name: 'tags', group: 'tags', type: 'string', count: tagged });
  return columns.filter((c) => c.count > 0);
}

function note(map: Map<string, Column>, group: 'param' | 'metric', name: string, value: unknown): void {
  const type: Column['type'] = typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'string';
  const prefix = group === 'param' ? 'params' : 'metrics';
  const column = map.get(name);
  if (!column) {
    map.set(name, { key: `${prefix}.${name}`, name, group, type, count: 1 });
    return;
  }
  column.count += 1;
  if (column.type !== type) column.type = 'mixed';
}

/** Value of an attribute column for a run. */
export function attributeValue(record: RunRecord, name: string): string | number | undefined {
  switch (name) {
    case 'duration':
      return record.duration_s;
    case 'name':
    case 'status':
    case 'user':
    case 'host':
    case 'experiment':
    case 'created':
      return record[name];
    default:
      return undefined;
  }
}
