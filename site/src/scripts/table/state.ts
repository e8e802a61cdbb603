import type { TableViewConfig } from '../../../../src/config.ts';
import { formatBrush, parseBrush, type Brush } from './brush.ts';

/**
 * The run table's view state and its URL form, so a pasted link reproduces the view:
 * `?q=<full text>&filter=<query>&sort=-metrics.acc,name&group=params.arch&cols=name,status,...`,
 * and the sweep view: `sweeps=1&brush=params.lr:0.001..0.01`.
 * List items are percent-encoded one by one, so keys containing commas survive. Pure.
 */

export interface SortSpec {
  key: string;
  desc: boolean;
}

export interface TableState {
  /** Full-text search over names, notes, tags, users and param values. */
  q: string;
  /** Structured filter in the query language (docs/design.md#query-language). */
  filter: string;
  sort: SortSpec[];
  group: string | null;
  /** Visible columns in order; null means the project's defaults. */
  columns: string[] | null;
  /** Group labels the user collapsed. */
  collapsed: string[];
  /** The sweep view (parallel coordinates, scatter, importance) is open. */
  sweeps: boolean;
  /** Ranges brushed on the parallel coordinates' axes; they narrow the table. */
  brush: Brush[];
}

export const EMPTY_STATE: TableState = { q: '', filter: '', sort: [], group: null, columns: null, collapsed: [], sweeps: false, brush: [] };

/** The state a named view of the config (`projects.<p>.views`) stands for. */
export function viewState(view: TableViewConfig): TableState {
  return {
    ...EMPTY_STATE,
    q: view.q ?? '',
    filter: view.filter ?? '',
    sort: (view.sort ?? []).map((item) => (item.startsWith('-') ? { key: item.slice(1), desc: true } : { key: item, desc: false })),
    group: view.group ?? null,
    columns: view.columns ?? null,
  };
}

/** Reads the state from a location's query string (`location.search`). */
export function parseState(search: string): TableState {
  const raw = new Map<string, string>();
  for (const pair of search.replace(/^\?/, '').split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    raw.set(key, eq < 0 ? '' : pair.slice(eq + 1));
  }
  const text = (key: string) => decode(raw.get(key) ?? '');
  const list = (key: string) => {
    const value = raw.get(key);
    return value
      ? value
          .split(',')
          .map(decode)
          .filter((item) => item !== '')
      : null;
  };
  return {
    q: text('q'),
    filter: text('filter'),
    sort: (list('sort') ?? []).map((item) => (item.startsWith('-') ? { key: item.slice(1), desc: true } : { key: item, desc: false })),
    group: text('group') || null,
    columns: list('cols'),
    collapsed: list('collapsed') ?? [],
    sweeps: raw.get('sweeps') === '1',
    brush: (list('brush') ?? []).flatMap((item) => parseBrush(item) ?? []),
  };
}

/** The query string for a state (with `?`, or empty for the default view); stable parameter order. */
export function formatState(state: TableState): string {
  const parts: string[] = [];
  const item = (value: string) => encodeURIComponent(value).replace(/%2F/g, '/');
  if (state.q) parts.push(`q=${item(state.q)}`);
  if (state.filter) parts.push(`filter=${item(state.filter)}`);
  if (state.sort.length > 0) parts.push(`sort=${state.sort.map((s) => item((s.desc ? '-' : '') + s.key)).join(',')}`);
  if (state.group) parts.push(`group=${item(state.group)}`);
  if (state.columns) parts.push(`cols=${state.columns.map(item).join(',')}`);
  if (state.group && state.collapsed.length > 0) parts.push(`collapsed=${state.collapsed.map(item).join(',')}`);
  if (state.sweeps) parts.push('sweeps=1');
  if (state.brush.length > 0) parts.push(`brush=${state.brush.map((b) => item(formatBrush(b))).join(',')}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/**
 * The sort after a click on a column header: a plain click sorts by that column alone (descending
 * first for metrics and times, where bigger or newer is usually what one looks for; a second click
 * flips it); shift-click adds it as a secondary key, or flips it if already there.
 */
export function toggleSort(sort: readonly SortSpec[], key: string, additive: boolean, descFirst: boolean): SortSpec[] {
  const existing = sort.find((s) => s.key === key);
  if (additive) {
    if (existing) return sort.map((s) => (s.key === key ? { key, desc: !s.desc } : s));
    return [...sort, { key, desc: descFirst }];
  }
  if (existing && sort.length === 1) return [{ key, desc: !existing.desc }];
  return [{ key, desc: existing ? !existing.desc : descFirst }];
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}
