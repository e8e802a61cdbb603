/**
 * The run table of `runpages ls`: which columns to show, how runs sort, and the rendering that fits
 * the terminal width. Pure: runs, config, clock and width come in; text goes out.
 */
import type { Colors } from 'picocolors/types.js';
import type { Config } from '../config.ts';
import { parseField } from '../query/parser.ts';
import { printField } from '../query/printer.ts';
import { recordValue } from '../query/record.ts';
import type { FieldRef } from '../query/ast.ts';
import { RunpagesError } from '../errors.ts';
import type { RunRecord } from '../run/schema.ts';
import { formatDuration, formatMetric, formatNumber, formatRelative } from '../site/format.ts';
import { terminalText } from './terminal-text.ts';

export interface SortKey {
  field: FieldRef;
  direction: 'asc' | 'desc';
}

/**
 * Reads `--sort key[:asc|desc]`: a field as a query names it (`metrics.val/acc:desc`, `created`).
 * Dates and metrics default to descending (newest, highest first), everything else to ascending.
 */
export function parseSortKey(text: string): SortKey {
  const colon = text.lastIndexOf(':');
  const suffix = colon === -1 ? '' : text.slice(colon + 1).toLowerCase();
  const explicit = suffix === 'asc' || suffix === 'desc' ? suffix : undefined;
  const name = explicit === undefined ? text : text.slice(0, colon);
  const field = parseFieldOption(name, '--sort');
  const descending = field.kind === 'metric' || (field.kind === 'attribute' && ['created', 'ended', 'duration'].includes(field.name));
  return { field, direction: explicit ?? (descending ? 'desc' : 'asc') };
}

/**
 * Reads `--sort` with one or more keys separated by commas, each `field[:asc|desc]` or MLflow's
 * order_by form `field [ASC|DESC]`: `metrics.a:desc,params.b` or `"metrics.a DESC, params.b"`.
 * Earlier keys decide; later ones break ties.
 */
export function parseSortKeys(text: string): SortKey[] {
  const keys = splitOutsideQuotes(text).map((part) => part.trim());
  if (keys.some((key) => key === '')) {
    throw new RunpagesError('invalid-option', `--sort "${text}" has an empty key`, {
      hint: 'Separate keys with single commas: --sort metrics.acc:desc,params.lr',
    });
  }
  return keys.map((key) => {
    const spaced = /^(.*\S)\s+(asc|desc)$/i.exec(key);
    if (!spaced) return parseSortKey(key);
    return { field: parseFieldOption(spaced[1]!, '--sort'), direction: spaced[2]!.toLowerCase() as 'asc' | 'desc' };
  });
}

/** Splits at commas outside backticks and quotes, so a name like metrics.`a,b` stays whole. */
function splitOutsideQuotes(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const char of text) {
    if (quote === undefined && (char === '`' || char === '"' || char === "'")) quote = char;
    else if (char === quote) quote = undefined;
    if (char === ',' && quote === undefined) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

/** Reads `--columns a,b,c` (fields as a query names them; backticks protect commas inside names). */
export function parseColumnsOption(text: string): FieldRef[] {
  const names: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '`') quoted = !quoted;
    if (char === ',' && !quoted) {
      names.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  names.push(current);
  return names
    .map((name) => name.trim())
    .filter((name) => name !== '')
    .map((name) => parseFieldOption(name, '--columns'));
}

function parseFieldOption(text: string, option: string): FieldRef {
  try {
    return parseField(text.trim());
  } catch (error) {
    if (!(error instanceof RunpagesError)) throw error;
    throw new RunpagesError('invalid-option', `${option}: "${text}" is not a field name`, {
      hint: 'Name a field as in queries: metrics.<name>, params.<name>, tags.<name>, or id, name, project, status, user, created, duration.',
    });
  }
}

/**
 * Sorts runs by one or more keys; for each key, runs without a value go last in either direction, and
 * NaN just before them (as MLflow orders); ties go to the next key, then keep their order.
 */
export function sortRuns(records: readonly RunRecord[], key: SortKey | readonly SortKey[]): RunRecord[] {
  const keys = Array.isArray(key) ? key : [key as SortKey];
  const keyed = records.map((record) => ({ record, values: keys.map((k) => sortValue(recordValue(record, k.field), k.field)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const order = compareSortValues(a.values[i], b.values[i], keys[i]!.direction === 'asc' ? 1 : -1);
      if (order !== 0) return order;
    }
    return 0;
  });
  return keyed.map((entry) => entry.record);
}

function compareSortValues(a: number | string | undefined, b: number | string | undefined, sign: number): number {
  const rank = (value: number | string | undefined): number => (value === undefined ? 2 : Number.isNaN(value) ? 1 : 0);
  if (rank(a) !== 0 || rank(b) !== 0) return rank(a) - rank(b);
  return sign * compareValues(a!, b!);
}

function sortValue(value: unknown, field: FieldRef): number | string | undefined {
  if (field.kind === 'attribute' && (field.name === 'created' || field.name === 'ended') && typeof value === 'string') return Date.parse(value);
  if (typeof value === 'number') return value;
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  return value === undefined || value === null ? undefined : JSON.stringify(value);
}

function compareValues(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return compareText(a, b);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The shortest id prefix (at least `min` characters) that tells every run apart, so short ids
 * typed back into `runpages show` find exactly one run.
 */
export function shortIdLength(ids: readonly string[], min = 8): number {
  const sorted = [...ids].sort();
  let length = min;
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1] as string;
    const b = sorted[i] as string;
    let common = 0;
    while (common < a.length && a[common] === b[common]) common++;
    length = Math.max(length, common + 1);
  }
  return length;
}

/** Param keys as dotted paths to their leaves (`optimizer.lr`). */
export function flattenParamKeys(params: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(params).flatMap(([key, value]) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? flattenParamKeys(value as Record<string, unknown>, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  );
}

/**
 * The default columns: identity, status and time, then the `wanted` fields (those the query and sort
 * name), then up to three params that differ between the runs shown, then the projects' goal
 * metrics and other metrics, up to three.
 */
export function defaultColumns(records: readonly RunRecord[], config: Config | undefined, wanted: readonly FieldRef[] = []): FieldRef[] {
  const attribute = (name: string): FieldRef => ({ kind: 'attribute', name });
  const columns = [attribute('id'), attribute('name')];
  if (new Set(records.map((record) => record.project)).size > 1) columns.push(attribute('project'));
  columns.push(attribute('status'), attribute('created'), attribute('duration'));
  const add = (field: FieldRef): void => {
    if (!columns.some((column) => column.kind === field.kind && column.name === field.name)) columns.push(field);
  };
  wanted.forEach(add);

  const paramCounts = new Map<string, Set<string>>();
  for (const record of records) {
    for (const key of flattenParamKeys(record.params)) {
      const values = paramCounts.get(key) ?? new Set<string>();
      values.add(JSON.stringify(recordValue(record, { kind: 'param', name: key }) ?? null));
      paramCounts.set(key, values);
    }
  }
  const varying = [...paramCounts].filter(([, values]) => values.size > 1 || records.length === 1).map(([key]) => key);
  for (const key of varying.slice(0, 3)) add({ kind: 'param', name: key });

  const goals = [...new Set(records.map((record) => config?.projects[record.project]?.goal?.metric).filter((metric) => metric !== undefined))];
  const others = [...new Set(records.flatMap((record) => Object.keys(record.metrics)))].sort();
  for (const metric of [...new Set([...goals, ...others])].slice(0, 3)) add({ kind: 'metric', name: metric });
  return columns;
}

export interface TableOptions {
  columns: FieldRef[];
  now: Date;
  /** Terminal width in characters; Infinity when output is not a terminal. */
  width: number;
  color: Colors;
  config?: Config | undefined;
}

interface Column {
  header: string;
  cells: string[];
  align: 'left' | 'right';
  /** Width it is cut to before any column is dropped (whole header, some of the value). */
  comfortable: number;
  /** Width it may finally be cut to with an ellipsis. */
  minimum: number;
  width: number;
}

const MAX_CELL = 32;

/**
 * Renders the table: header, one line per run. When the terminal is too narrow, long cells are cut
 * to a comfortable width first, then columns are dropped from the right (id and name stay), then
 * the rest is cut further.
 */
export function renderRunTable(records: readonly RunRecord[], options: TableOptions): string {
  const idLength = shortIdLength(records.map((record) => record.id));
  const columns: Column[] = options.columns.map((field) => {
    // Run data is escaped before widths are measured, so an escaped control keeps the columns straight.
    const cells = records.map((record) => terminalText(formatCell(record, field, idLength, options)));
    const numeric = field.kind === 'metric' || (field.kind === 'attribute' && field.name === 'duration');
    const header = terminalText(field.kind === 'attribute' ? field.name : printField(field));
    const width = Math.min(MAX_CELL, Math.max(header.length, ...cells.map((cell) => cell.length)));
    const shrinkable =
      field.kind === 'param' || field.kind === 'tag' || (field.kind === 'attribute' && ['name', 'experiment', 'user', 'host'].includes(field.name));
    const comfortable = shrinkable ? Math.min(width, Math.max(header.length, 16)) : width;
    return { header, cells, align: numeric ? 'right' : 'left', comfortable, minimum: shrinkable ? Math.min(width, 8) : width, width };
  });
  const total = (): number => columns.reduce((sum, column) => sum + column.width, 0) + 2 * Math.max(0, columns.length - 1);
  const shrink = (limit: (column: Column) => number): void => {
    for (const column of [...columns].sort((a, b) => b.width - a.width)) {
      if (total() <= options.width) return;
      column.width = Math.max(limit(column), column.width - (total() - options.width));
    }
  };
  shrink((column) => column.comfortable);
  while (total() > options.width && columns.length > 2) columns.pop();
  shrink((column) => column.minimum);
  const line = (texts: string[], paint: (text: string, index: number) => string): string =>
    texts
      .map((text, index) => {
        const column = columns[index] as Column;
        const cut = fit(text, column.width);
        const padded = column.align === 'right' ? cut.padStart(column.width) : cut.padEnd(column.width);
        return paint(padded, index);
      })
      .join('  ')
      .trimEnd();
  const { color } = options;
  const lines = [
    line(
      columns.map((column) => column.header),
      (text) => color.bold(text),
    ),
  ];
  records.forEach((record, row) => {
    lines.push(
      line(
        columns.map((column) => column.cells[row] as string),
        (text, index) => {
          const field = options.columns[index] as FieldRef;
          if (field.kind === 'attribute' && field.name === 'status') return paintStatus(text, record.status, color);
          if (field.kind === 'attribute' && field.name === 'id') return color.cyan(text);
          return text.trim() === MISSING ? color.dim(text) : text;
        },
      ),
    );
  });
  return lines.join('\n');
}

const MISSING = '–';

function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** Status colours used across runpages: green finished, red failed and crashed, yellow killed, blue running. */
export function paintStatus(text: string, status: RunRecord['status'], color: Colors): string {
  switch (status) {
    case 'finished':
      return color.green(text);
    case 'failed':
    case 'crashed':
      return color.red(text);
    case 'killed':
      return color.yellow(text);
    case 'running':
      return color.blue(text);
  }
}

function formatCell(record: RunRecord, field: FieldRef, idLength: number, options: TableOptions): string {
  if (field.kind === 'attribute') {
    switch (field.name) {
      case 'id':
        return record.id.slice(0, idLength);
      case 'created':
      case 'ended': {
        const value = record[field.name];
        return value === undefined ? MISSING : formatRelative(value, options.now);
      }
      case 'duration':
        return record.duration_s === undefined ? MISSING : formatDuration(record.duration_s);
    }
  }
  const value = recordValue(record, field);
  if (field.kind === 'metric' && typeof value === 'number') {
    return formatMetric(value, options.config?.projects[record.project]?.metrics?.[field.name]);
  }
  if (field.kind === 'tag' && value === 'true') return '✓';
  return formatValue(value);
}

/** Any field value as short text: params keep their exact form, numbers their full precision. */
export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return MISSING;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : formatNumber(value);
  if (typeof value === 'string') return value.replace(/\s+/g, ' ');
  if (typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
