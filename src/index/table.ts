/**
 * The run table's data: a project's runs turned into compact columns for the browser (issue 3 §3,
 * docs/design.md#measured-facts). Pure and browser-safe: the site writes the result as static JSON, the browser decodes
 * it into typed arrays (see site/src/scripts/table/columns.ts).
 *
 * Layout: one small `index.json` (the catalogue of columns, the default view), run ids in blocks of
 * {@link ID_BLOCK} rows, and one file per column, so the first view loads only the columns it shows
 * and the ids of the rows it shows (ids are random text that barely compresses: 10k ULIDs are about
 * 150 KB gzip), and the rest loads on demand.
 * Numbers are rounded to {@link NUMBER_DIGITS} significant digits (display needs four; full precision
 * would double the transfer); strings are dictionary-encoded.
 */
import type { MetricDisplay } from '../config.ts';
import type { RunRecord } from '../run/schema.ts';
import { flattenParams } from './columns.ts';

export const TABLE_SCHEMA = 'runpages/table@1';

/** Rows per file of run ids. */
export const ID_BLOCK = 2048;

/** Significant digits kept for numbers in the table data. */
/**
 * Most columns one table offers. A run may carry 100k params: one file per column would make a
 * project's table folder hundreds of MB (Pages allows 1 GB); the columns most runs have are kept.
 */
export const MAX_COLUMNS = 2000;

export const NUMBER_DIGITS = 6;

/**
 * `number`: values with `null` for missing and strings for NaN/±Infinity (JSON has no such numbers).
 * `time`: unix seconds, delta-encoded (each value minus the previous present one; rows are newest
 * first, so the deltas are short). `string`: dictionary codes, -1 for missing. `tags`: a list of codes per row.
 */
export type ColumnKind = 'number' | 'time' | 'string' | 'tags';
/** Where a column comes from; also the prefix of its key in the query language. */
export type ColumnGroup = 'attribute' | 'param' | 'metric' | 'series' | 'data' | 'tags';

export interface ColumnInfo {
  /** Query-language field name: `status`, `params.optim.lr`, `metrics.val/acc`, `data.imagenet`, `tags`. */
  key: string;
  /** Short header text: the key without its group prefix. */
  label: string;
  kind: ColumnKind;
  group: ColumnGroup;
  /** Path of the column's data file, relative to the table's index file. */
  file: string;
  /** Rows with a value. */
  present: number;
  /** Distinct values (capped at {@link DISTINCT_CAP} for speed). */
  distinct: number;
}

export interface TableIndex {
  schema: typeof TABLE_SCHEMA;
  project: string;
  /** Number of runs; rows are newest first, the same order in every column file. */
  count: number;
  /** Files of run ids, relative to the index file: file `k` holds rows `k * ID_BLOCK ...`. */
  idFiles: string[];
  columns: ColumnInfo[];
  /** Keys of the columns shown when the URL names none. */
  defaults: string[];
  /** Columns left out beyond {@link MAX_COLUMNS} (those the fewest runs have). */
  omitted?: number;
  goal?: { metric: string; direction: 'max' | 'min' };
  /** Display config of metrics by column key (`metrics.<name>`), from `projects.<p>.metrics`. */
  display?: Record<string, MetricDisplay>;
}

export type ColumnData =
  | { key: string; kind: 'number' | 'time'; values: (number | string | null)[] }
  | { key: string; kind: 'string'; dict: string[]; codes: number[] }
  | { key: string; kind: 'tags'; dict: string[]; codes: number[][] };

export interface Table {
  index: TableIndex;
  /** Run ids of all rows; written as `index.idFiles`, one block each (see {@link idBlock}). */
  ids: string[];
  /** Column data in the order of `index.columns`. */
  columns: ColumnData[];
}

export interface TableOptions {
  project: string;
  /** `projects.<p>.columns` from the config: the default view when set. */
  columns?: string[] | undefined;
  goal?: { metric: string; direction: 'max' | 'min' } | undefined;
  /** `projects.<p>.metrics`: labels, units and formats by metric name. */
  metrics?: Record<string, MetricDisplay> | undefined;
}

/** The fields of a run the table reads; the index's normalised runs satisfy it. */
export type TableRun = Pick<RunRecord, 'id' | 'name' | 'status' | 'created'> &
  Partial<Pick<RunRecord, 'user' | 'host' | 'experiment' | 'ended' | 'duration_s' | 'params' | 'metrics' | 'series' | 'tags' | 'data'>>;

const DISTINCT_CAP = 10_000;

/**
 * Builds the table of one project: rows newest first (ties by id), one column per attribute, flattened
 * param, metric and dataset, plus `tags`.
 *
 * ```ts
 * const { index, columns } = buildTable(runs, { project: 'cifar', goal: { metric: 'val/acc', direction: 'max' } });
 * // write index as index.json and each columns[i] as index.columns[i].file
 * ```
 */
export function buildTable(runs: readonly TableRun[], options: TableOptions): Table {
  const createdMs = new Map(runs.map((run) => [run, Date.parse(run.created)]));
  const rows = [...runs].sort((a, b) => createdMs.get(b)! - createdMs.get(a)! || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const cells = new Map<string, { group: ColumnGroup; values: unknown[] }>();
  const cell = (key: string, group: ColumnGroup, row: number, value: unknown): void => {
    if (value === undefined || value === null) return;
    let entry = cells.get(key);
    // Preallocated: assigning far past the end of an empty array makes V8 fall back to a slow dictionary.
    if (!entry) cells.set(key, (entry = { group, values: new Array<unknown>(rows.length) }));
    entry.values[row] = value;
  };

  rows.forEach((run, row) => {
    cell('name', 'attribute', row, run.name);
    cell('status', 'attribute', row, run.status);
    cell('user', 'attribute', row, run.user);
    cell('created', 'attribute', row, unixSeconds(run.created));
    cell('duration', 'attribute', row, durationOf(run));
    cell('experiment', 'attribute', row, run.experiment);
    cell('host', 'attribute', row, run.host);
    if (run.ended) cell('ended', 'attribute', row, unixSeconds(run.ended));
    for (const [path, value] of Object.entries(flattenParams(run.params ?? {}))) cell(`params.${path}`, 'param', row, value);
    for (const [name, value] of Object.entries(run.metrics ?? {})) cell(`metrics.${name}`, 'metric', row, value);
    // The lowest and highest value of each series (the summary metric is usually its last value).
    for (const [name, info] of Object.entries(run.series ?? {})) {
      cell(`series.${name}.min`, 'series', row, info.min);
      cell(`series.${name}.max`, 'series', row, info.max);
    }
    for (const dataset of run.data ?? []) cell(`data.${dataset.name}`, 'data', row, dataset.version ?? dataset.sha256?.slice(0, 12) ?? '');
    if (run.tags && run.tags.length > 0) cell('tags', 'tags', row, run.tags);
  });

  const keys = keptKeys(cells).sort(compareKeys);
  const infos: ColumnInfo[] = [];
  const columns: ColumnData[] = [];
  keys.forEach((key, i) => {
    const entry = cells.get(key)!;
    const data = encodeColumn(key, entry.group, entry.values, rows.length);
    columns.push(data);
    infos.push({
      key,
      label: labelOf(key, entry.group),
      kind: data.kind,
      group: entry.group,
      file: `c/${i}.json`,
      present: countPresent(entry.values),
      distinct: countDistinct(entry.values),
    });
  });

  const ids = rows.map((run) => run.id);
  const index: TableIndex = {
    schema: TABLE_SCHEMA,
    project: options.project,
    count: ids.length,
    idFiles: Array.from({ length: Math.ceil(ids.length / ID_BLOCK) }, (_, k) => `ids/${k}.json`),
    columns: infos,
    defaults: defaultColumns(infos, options),
    ...(cells.size > keys.length ? { omitted: cells.size - keys.length } : {}),
    ...(options.goal ? { goal: { metric: options.goal.metric, direction: options.goal.direction } } : {}),
    ...(options.metrics && Object.keys(options.metrics).length > 0 ? { display: displayOf(options.metrics, keys) } : {}),
  };
  return { index, ids, columns };
}

/** Display config by column key: each metric's, and its series' min and max formatted alike ("Validation loss (min)"). */
function displayOf(metrics: Record<string, MetricDisplay>, keys: readonly string[]): Record<string, MetricDisplay> {
  const display: Record<string, MetricDisplay> = {};
  const present = new Set(keys);
  for (const [name, config] of Object.entries(metrics)) {
    display[`metrics.${name}`] = config;
    for (const end of ['min', 'max'] as const) {
      const key = `series.${name}.${end}`;
      if (present.has(key)) display[key] = { ...config, label: `${config.label ?? name} (${end})` };
    }
  }
  return display;
}

/** The ids of block `k` (the content of `index.idFiles[k]`). */
export function idBlock(table: Table, k: number): string[] {
  return table.ids.slice(k * ID_BLOCK, (k + 1) * ID_BLOCK);
}

/** Every attribute and tag column, then the others most present first, up to {@link MAX_COLUMNS}. */
function keptKeys(cells: Map<string, { group: ColumnGroup; values: unknown[] }>): string[] {
  if (cells.size <= MAX_COLUMNS) return [...cells.keys()];
  const fixed = [...cells].filter(([, entry]) => entry.group === 'attribute' || entry.group === 'tags').map(([key]) => key);
  const present = new Map([...cells].map(([key, entry]) => [key, countPresent(entry.values)]));
  const others = [...cells.keys()]
    .filter((key) => !fixed.includes(key))
    .sort((a, b) => present.get(b)! - present.get(a)! || compareKeys(a, b))
    .slice(0, MAX_COLUMNS - fixed.length);
  return [...fixed, ...others];
}

/** Param names that vary without meaning: seeds, ids, hashes, paths and folders. */
const NOISE_PARAM = /(^|[._/-])(seed|seeds|random_state|rng|id|ids|uuid|run_id|hash|sha|path|paths|dir|folder|file|output_dir|checkpoint|ckpt)s?($|[._/-])/i;

/**
 * The default view: the config's `columns` (those that exist), else name, status, user, created,
 * duration, the params that vary most usefully, the goal metric and the two most common other metrics
 * (each metric column of 10k runs is about 30 KB gzip: the first view must stay under 300 KB).
 */
export function defaultColumns(columns: readonly ColumnInfo[], options: Pick<TableOptions, 'columns' | 'goal'>): string[] {
  const known = new Set(columns.map((c) => c.key));
  if (options.columns && options.columns.length > 0) {
    const chosen = options.columns.filter((key) => known.has(key));
    if (chosen.length > 0) return chosen.includes('name') ? chosen : ['name', ...chosen];
  }
  const attributes = ['name', 'status', 'user', 'created', 'duration'].filter((key) => known.has(key));
  // A param that varies is what a sweep is about, even when every run has its own value (a learning
  // rate per run); seeds, ids and paths vary too but say nothing, so they are left out by name.
  const params = columns
    .filter((c) => c.group === 'param' && c.distinct > 1 && !NOISE_PARAM.test(c.key.slice('params.'.length)))
    .sort((a, b) => b.present - a.present || a.distinct - b.distinct || compareKeys(a.key, b.key))
    .slice(0, 4)
    .map((c) => c.key)
    .sort(compareKeys);
  const goalKey = options.goal ? `metrics.${options.goal.metric}` : undefined;
  const metrics = columns
    .filter((c) => c.group === 'metric' && c.key !== goalKey)
    .sort((a, b) => b.present - a.present || compareKeys(a.key, b.key))
    .slice(0, goalKey && known.has(goalKey) ? 2 : 3)
    .map((c) => c.key);
  const goal = goalKey && known.has(goalKey) ? [goalKey] : [];
  // The goal right after the run's name and status: visible without scrolling on a laptop screen.
  const head = attributes.filter((key) => key === 'name' || key === 'status');
  const tail = attributes.filter((key) => key !== 'name' && key !== 'status');
  return [...head, ...goal, ...tail, ...params, ...metrics];
}

function encodeColumn(key: string, group: ColumnGroup, values: unknown[], length: number): ColumnData {
  if (group === 'tags') {
    const dict = new Dictionary();
    const codes = Array.from({ length }, (_, row) => ((values[row] as string[] | undefined) ?? []).map((tag) => dict.code(tag)));
    return { key, kind: 'tags', dict: dict.values, codes };
  }
  const kind = key === 'created' || key === 'ended' ? 'time' : allNumbers(values) ? 'number' : 'string';
  if (kind === 'string') {
    const dict = new Dictionary();
    const codes = Array.from({ length }, (_, row) => (values[row] === undefined ? -1 : dict.code(textOf(values[row]))));
    return { key, kind, dict: dict.values, codes };
  }
  if (kind === 'time') {
    let previous = 0;
    const deltas = Array.from({ length }, (_, row) => {
      const value = values[row] as number | undefined;
      if (value === undefined) return null;
      const delta = value - previous;
      previous = value;
      return delta;
    });
    return { key, kind, values: deltas };
  }
  return { key, kind, values: Array.from({ length }, (_, row) => encodeNumber(values[row] as number | undefined)) };
}

function encodeNumber(value: number | undefined): number | string | null {
  if (value === undefined) return null;
  if (!Number.isFinite(value)) return String(value);
  return Number.isInteger(value) ? value : Number(value.toPrecision(NUMBER_DIGITS));
}

/** Sorted dictionary codes would need a second pass; first-seen order is stable for a given input. */
class Dictionary {
  readonly values: string[] = [];
  readonly #codes = new Map<string, number>();
  code(value: string): number {
    let code = this.#codes.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(value);
      this.#codes.set(value, code);
    }
    return code;
  }
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function allNumbers(values: unknown[]): boolean {
  let any = false;
  for (const value of values) {
    if (value === undefined) continue;
    if (typeof value !== 'number') return false;
    any = true;
  }
  return any;
}

function countPresent(values: unknown[]): number {
  let n = 0;
  for (const value of values) if (value !== undefined) n++;
  return n;
}

function countDistinct(values: unknown[]): number {
  const seen = new Set<unknown>();
  for (const value of values) {
    if (value === undefined) continue;
    seen.add(typeof value === 'string' || typeof value === 'number' ? value : textOf(value));
    if (seen.size >= DISTINCT_CAP) break;
  }
  return seen.size;
}

function unixSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

function durationOf(run: TableRun): number | undefined {
  if (run.duration_s !== undefined) return run.duration_s;
  if (run.ended) return Math.max(0, (Date.parse(run.ended) - Date.parse(run.created)) / 1000);
  return undefined;
}

function labelOf(key: string, group: ColumnGroup): string {
  if (group === 'series') return `${key.slice('series.'.length, key.lastIndexOf('.'))} ${key.slice(key.lastIndexOf('.') + 1)}`;
  return group === 'attribute' || group === 'tags' ? key : key.slice(key.indexOf('.') + 1);
}

const GROUP_ORDER = ['name', 'status', 'user', 'created', 'duration', 'ended', 'experiment', 'host', 'tags'];

const natural = new Intl.Collator('en', { numeric: true });

/** Attributes in a fixed order, then data, params and metrics by name in natural order (m2 before m10). */
function compareKeys(a: string, b: string): number {
  const rank = (key: string): number => {
    const i = GROUP_ORDER.indexOf(key);
    if (i >= 0) return i;
    return key.startsWith('data.') ? 100 : key.startsWith('params.') ? 200 : key.startsWith('series.') ? 400 : 300;
  };
  return rank(a) - rank(b) || natural.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
