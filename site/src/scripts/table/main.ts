/**
 * Turns the server-rendered run table into the interactive one: wires the data (data.ts), the query
 * box (query-box.ts), the column chooser (column-chooser.ts), the rows' keyboard (keyboard.ts),
 * search, sort, group, selection, Compare and CSV export to the view (view.ts). The whole view lives
 * in the URL; `apply` turns a state into rows.
 */
import { fieldsOf, type Query } from '../../../../src/query/ast.ts';
import { QueryError } from '../../../../src/query/error.ts';
import { parseQuery } from '../../../../src/query/parser.ts';
import { printField } from '../../../../src/query/printer.ts';
import { formatMetric, plural } from '../../../../src/site/format.ts';
import { comparePath, runPath } from '../../../../src/site/url.ts';
import { enableCopyLinks } from '../compare/copy-link.ts';
import type { Sweeps } from '../sweeps/panel.ts';
import { brushFilter, type Brush } from './brush.ts';
import { cellOf, timeStyleOf, type TimeStyle } from './cells.ts';
import { ColumnChooser } from './column-chooser.ts';
import { filterRows, groupRows, sortRows, type Group } from './columns.ts';
import { toCsv } from './csv.ts';
import { TableData } from './data.ts';
import { wireRowKeyboard } from './keyboard.ts';
import { QueryBox } from './query-box.ts';
import { columnKeyOf, compileFilter, fieldOfColumn, hasTextTerms } from './filter.ts';
import { formatState, parseState, toggleSort, type TableState } from './state.ts';
import { TableView, type ViewItem } from './view.ts';

/** Columns hidden on narrow screens (the rest scroll horizontally). */
const OPTIONAL_ON_PHONE = new Set(['user', 'duration', 'host', 'experiment', 'ended']);
/** Groups with more distinct values than this are not offered: they would be a list, not groups. */
const MAX_GROUP_VALUES = 500;

const root = document.getElementById('run-table');
if (root) void start(root);

async function start(root: HTMLElement): Promise<void> {
  const indexUrl = new URL(root.dataset.index!, location.href);
  const searchUrl = new URL(root.dataset.search!, location.href);
  const base = root.dataset.base!;
  const data = await TableData.open(indexUrl, searchUrl);
  const { index, infoByKey, ids, columns } = data;
  const load = (key: string) => data.load(key);
  const loadSearch = () => data.loadSearch();

  let state: TableState = parseState(location.search);
  const selected = new Set<number>();
  const phone = matchMedia('(max-width: 760px)');

  const toolbar = root.querySelector<HTMLElement>('.rt-toolbar')!;
  const qInput = root.querySelector<HTMLInputElement>('#rt-q')!;
  const filterInput = root.querySelector<HTMLInputElement>('#rt-filter')!;
  const groupSelect = root.querySelector<HTMLSelectElement>('#rt-group')!;
  const compareButton = root.querySelector<HTMLButtonElement>('#rt-compare')!;
  const csvButton = root.querySelector<HTMLButtonElement>('#rt-csv')!;
  const sweepsButton = root.querySelector<HTMLButtonElement>('#rt-sweeps')!;
  const sweepSection = root.querySelector<HTMLElement>('#rt-sweep')!;
  const summary = root.querySelector<HTMLElement>('.rt-summary')!;
  const printState = root.querySelector<HTMLElement>('.rt-print-state')!;
  const scroll = root.querySelector<HTMLElement>('.rt-scroll')!;

  const goalKey = index.goal ? `metrics.${index.goal.metric}` : undefined;
  /** Time columns that read as dates in the current view (see timeStyleOf). */
  const timeStyles = new Map<string, TimeStyle>();
  const formatGoal = (value: number | undefined) => (goalKey ? formatMetric(value, index.display?.[goalKey]) : '');
  const view = new TableView(scroll, {
    href: (row) => {
      const id = ids.get(row);
      return id === undefined ? undefined : base + runPath(id);
    },
    needIds: (rows) => void ids.ensure(rows).then(() => view.render()),
    rowLabel: (row) => columns.get('name')?.dict?.[columns.get('name')!.codes![row]!] ?? ids.get(row) ?? String(row),
    cell: (column, row) => cellOf(column, row, new Date(), index.display?.[column.info.key], timeStyles.get(column.info.key)),
    label: (column) => index.display?.[column.info.key]?.label ?? column.info.label,
    groupSummary: (group) => {
      const count = plural(group.rows.length, 'run');
      if (!index.goal || group.mean === undefined) return count;
      return `${count} · ${index.goal.metric} mean ${formatGoal(group.mean)} · best ${formatGoal(group.best)}`;
    },
    onSort: (key, additive) => {
      const info = infoByKey.get(key);
      const descFirst = info?.kind === 'time' || info?.group === 'metric' || info?.group === 'series';
      void update({ sort: toggleSort(state.sort, key, additive, descFirst) });
    },
    onToggleGroup: (label) => {
      const collapsed = state.collapsed.includes(label) ? state.collapsed.filter((l) => l !== label) : [...state.collapsed, label];
      void update({ collapsed });
    },
    onSelect: (rows, on) => {
      for (const row of rows) {
        if (on) selected.add(row);
        else selected.delete(row);
      }
      refreshSelection();
    },
  });
  view.selected = selected;

  // Group choices: attributes, params, datasets and tags; a group per distinct metric value is noise.
  for (const info of index.columns) {
    if (
      info.key === 'name' ||
      info.group === 'metric' ||
      info.group === 'series' ||
      info.kind === 'time' ||
      info.distinct > MAX_GROUP_VALUES ||
      info.distinct < 1
    )
      continue;
    const option = document.createElement('option');
    option.value = info.key;
    option.textContent = info.key;
    groupSelect.append(option);
  }

  // Field names the query box completes: every column the language can name, and each tag as `tags.<tag>`.
  let fieldNames = index.columns.flatMap((c) => {
    const field = fieldOfColumn(c.key);
    return field ? [printField(field)] : [];
  });
  if (infoByKey.has('tags')) {
    load('tags')!.then(
      (tags) => {
        fieldNames = [...fieldNames, ...tags.dict!.map((tag) => printField({ kind: 'tag', name: tag }))];
      },
      // Completion then lacks tag names; a view that needs the column reports the failure.
      () => undefined,
    );
  }

  qInput.value = state.q;
  filterInput.value = state.filter;
  groupSelect.value = state.group ?? '';
  toolbar.hidden = false;

  let generation = 0;
  let searchReady = false;
  let lastQuery: Query = { type: 'all' };
  let visibleRows: Uint32Array = new Uint32Array(0);
  // The sweep view's code loads on first use, so the table's first transfer does not grow.
  let sweeps: Promise<Sweeps> | undefined;
  let brushStarted: number | undefined;
  const label = (key: string) => index.display?.[key]?.label ?? infoByKey.get(key)?.label ?? key;
  const openSweeps = (): Promise<Sweeps> =>
    (sweeps ??= import('../sweeps/panel.ts').then(({ createSweeps }) =>
      createSweeps(sweepSection, {
        index,
        columns,
        load: (key) => load(key),
        label,
        base,
        ids: async (rows) => {
          await ids.ensure(rows);
          return rows.map((row) => ids.get(row)!);
        },
        onBrush: (brush: Brush[]) => {
          brushStarted = performance.now();
          void update({ brush });
        },
      }),
    ));

  /** Applies a change of state; a failed download (offline, missing file) is said in the summary line. */
  function update(change: Partial<TableState>): Promise<void> {
    return apply(change).catch((error: unknown) => {
      summary.textContent = `Could not load the table data (${error instanceof Error ? error.message : String(error)}). Reload the page to try again.`;
      summary.classList.add('rt-failed');
    });
  }

  /** Loads what a state needs, recomputes the rows, renders, updates the URL. */
  async function apply(change: Partial<TableState>): Promise<void> {
    const started = performance.now();
    state = { ...state, ...change };
    history.replaceState(history.state, '', location.pathname + formatState(state) + location.hash);
    // The tab of a named view is current while the table shows exactly that view.
    const viewSearch = formatState({ ...state, sweeps: false, brush: [], collapsed: [] });
    for (const tab of document.querySelectorAll<HTMLAnchorElement>('.rt-views a[data-view]')) {
      if (tab.dataset.view === viewSearch) tab.setAttribute('aria-current', 'page');
      else tab.removeAttribute('aria-current');
    }
    const mine = ++generation;
    // While the query is being typed and does not parse, the table keeps the last one that did.
    let query: Query = lastQuery;
    let queryError: QueryError | undefined;
    try {
      query = lastQuery = parseQuery(state.filter);
    } catch (error) {
      if (!(error instanceof QueryError)) throw error;
      queryError = error;
    }
    queryBox.showError(queryError);
    const shownKeys = visibleKeys();
    const needed = new Set<string>(['name', ...shownKeys, ...state.sort.map((s) => s.key)]);
    if (state.group) needed.add(state.group);
    if (goalKey && state.group) needed.add(goalKey);
    for (const brush of state.brush) needed.add(brush.key);
    for (const field of fieldsOf(query)) needed.add(columnKeyOf(field));
    const textTerms = state.q.trim() !== '' || hasTextTerms(query);
    const searchIndex = textTerms ? loadSearch() : undefined;
    if (searchIndex && !searchReady) summary.textContent = 'Loading the search index…';
    // Search hits and `id` filters name runs by id: those need every id; otherwise only the first rows'.
    const allIds = textTerms || needed.has('id');
    await Promise.all([...[...needed].map(load), allIds ? ids.ensureAll() : ids.ensure(range(Math.min(index.count, 100)))]);
    const miniSearch = searchIndex ? await searchIndex : undefined;
    searchReady = searchReady || miniSearch !== undefined;
    if (mine !== generation) return;

    const textRows = (terms: string[]): Set<number> => {
      const out = new Set<number>();
      if (!miniSearch) return out;
      for (const hit of miniSearch.search(terms.join(' '), { combineWith: 'AND' })) {
        const row = ids.rowOf(String(hit.id));
        if (row !== undefined) out.add(row);
      }
      return out;
    };
    const computing = performance.now();
    const context = { ids: ids.list, project: index.project, columns, text: textRows, now: Date.now() };
    const keep = compileFilter(query, context);
    const searchHits = state.q.trim() !== '' ? textRows([state.q.trim()]) : undefined;
    const selectedRows = filterRows(index.count, searchHits ? (row) => searchHits.has(row) && keep(row) : keep);
    // Brushed ranges (the sweep view's axes) narrow the table further; the sweep view draws every selected run.
    const brushed = brushFilter(state.brush, columns);
    let rows = state.brush.length > 0 ? selectedRows.filter((row) => brushed(row)) : selectedRows;
    const sortKeys = state.sort.flatMap((s) => {
      const column = columns.get(s.key);
      return column ? [{ column, desc: s.desc }] : [];
    });
    const filtered = performance.now();
    rows = sortRows(rows, sortKeys);
    visibleRows = rows;
    const sorted = performance.now();

    const items: ViewItem[] = [];
    const groupColumn = state.group ? columns.get(state.group) : undefined;
    let groups: Group[] | undefined;
    if (groupColumn) {
      const goalColumn = goalKey ? columns.get(goalKey) : undefined;
      groups = groupRows(rows, groupColumn, goalColumn && index.goal ? { column: goalColumn, direction: index.goal.direction } : undefined);
      for (const group of groups) {
        const collapsed = state.collapsed.includes(group.label);
        items.push({ type: 'group', group, collapsed });
        if (!collapsed) for (const row of group.rows) items.push({ type: 'row', row });
      }
    } else {
      for (const row of rows) items.push({ type: 'row', row });
    }

    summary.classList.remove('rt-failed');
    printState.textContent = describeView(state);
    const now = new Date();
    timeStyles.clear();
    for (const key of shownKeys) {
      const column = columns.get(key);
      if (column?.info.kind === 'time') timeStyles.set(key, timeStyleOf(column, rows, now));
    }
    view.compact = phone.matches;
    view.setColumns(
      shownKeys.flatMap((key) => columns.get(key) ?? []),
      state.sort,
    );
    view.setItems(items);
    const groupsText = groupColumn ? ` in ${plural(items.filter((i) => i.type === 'group').length, 'group')}` : '';
    summary.textContent =
      rows.length === index.count
        ? `${plural(rows.length, 'run')}${groupsText}.`
        : `${plural(rows.length, 'run')} of ${index.count.toLocaleString('en-US')} match${rows.length === 1 ? 'es' : ''}${groupsText}.`;
    chooser.render();
    // For benchmarks: how long each view change took, data loading included, and its parts.
    performance.measure('runpages:table-filter', { start: computing, end: filtered });
    performance.measure('runpages:table-sort', { start: filtered, end: sorted });
    performance.measure('runpages:table-render', { start: sorted });
    performance.measure('runpages:table-update', { start: started });
    sweepsButton.setAttribute('aria-pressed', String(state.sweeps));
    sweepSection.hidden = !state.sweeps;
    if (state.sweeps) {
      const panel = await openSweeps();
      if (mine !== generation) return;
      await panel.update({
        rows: selectedRows,
        brushes: state.brush,
        shown: state.columns ?? index.defaults,
        groups: groups && state.group ? { key: state.group, groups } : undefined,
      });
      if (brushStarted !== undefined) performance.measure('runpages:sweep-brush', { start: brushStarted });
      brushStarted = undefined;
    }
  }

  function visibleKeys(): string[] {
    const keys = (state.columns ?? index.defaults).filter((key) => infoByKey.has(key));
    return phone.matches ? keys.filter((key) => !OPTIONAL_ON_PHONE.has(key)) : keys;
  }

  function refreshSelection(): void {
    compareButton.textContent = `Compare (${selected.size})`;
    compareButton.disabled = selected.size < 2;
    view.render();
  }

  // Search and filter boxes: apply as the user types, after a short pause.
  let typing: ReturnType<typeof setTimeout> | undefined;
  const later = (change: () => Partial<TableState>) => {
    clearTimeout(typing);
    typing = setTimeout(() => void update(change()), 150);
  };
  qInput.addEventListener('input', () => {
    void loadSearch();
    later(() => ({ q: qInput.value }));
  });
  const queryBox = new QueryBox(filterInput, root.querySelector<HTMLUListElement>('#rt-complete')!, root.querySelector<HTMLElement>('#rt-filter-error')!, {
    fieldNames: () => fieldNames,
    onEdit: (text, now) => {
      if (!now) return later(() => ({ filter: text }));
      clearTimeout(typing);
      void update({ filter: text });
    },
  });

  sweepsButton.addEventListener('click', () => void update({ sweeps: !state.sweeps }));

  groupSelect.addEventListener('change', () => void update({ group: groupSelect.value || null, collapsed: [] }));

  const chooser = new ColumnChooser(root.querySelector<HTMLDetailsElement>('#rt-columns')!, {
    columns: index.columns,
    shown: () => state.columns ?? index.defaults,
    onChange: (next) => void update({ columns: next }),
  });

  compareButton.addEventListener('click', async () => {
    // In the order chosen: the compare page's baseline is the first run picked.
    const rows = [...selected];
    await ids.ensure(rows);
    // Kept in this history entry, so Back from the comparison finds the same runs ticked.
    history.replaceState({ ...(history.state as object | null), selected: rows.map((row) => [row, ids.get(row)!]) }, '');
    location.href = base + comparePath(rows.map((row) => ids.get(row)!));
  });

  csvButton.addEventListener('click', async () => {
    // The view's columns even where a phone hides some of them.
    const keys = (state.columns ?? index.defaults).filter((key) => infoByKey.has(key));
    await Promise.all([ids.ensure(visibleRows), ...keys.map(load)]);
    const shown = keys.flatMap((key) => columns.get(key) ?? []);
    const blob = new Blob([toCsv(ids.list, visibleRows, shown)], { type: 'text/csv;charset=utf-8' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${index.project}-runs.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  });

  wireRowKeyboard(scroll, view, {
    open: (row) => void ids.ensure([row]).then(() => (location.href = base + runPath(ids.get(row)!))),
    toggleGroup: (label) => void update({ collapsed: toggle(state.collapsed, label) }),
    toggleSelected: (row) => {
      if (selected.has(row)) selected.delete(row);
      else selected.add(row);
      refreshSelection();
    },
  });

  // "/" jumps to the search box, as in most tools with a table and a search.
  document.addEventListener('keydown', (event) => {
    const target = event.target as HTMLElement;
    if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey || target.closest('input, textarea, select, [contenteditable]')) return;
    event.preventDefault();
    qInput.focus();
  });

  phone.addEventListener('change', () => void update({}));
  // Printing shows the whole current view, not only the rows scrolled into the DOM.
  addEventListener('beforeprint', () => {
    view.all = true;
    view.render();
  });
  addEventListener('afterprint', () => {
    view.all = false;
    view.render();
  });

  // The address always holds the whole view, so "Copy link" copies any view.
  enableCopyLinks();
  // Back from a comparison: tick again the runs that were ticked (each row checked against its id,
  // in case the site was rebuilt in between).
  const kept = (history.state as { selected?: [number, string][] } | null)?.selected;
  if (Array.isArray(kept) && kept.length > 0) {
    await ids.ensure(kept.map(([row]) => row));
    for (const [row, id] of kept) if (ids.get(row) === id) selected.add(row);
    refreshSelection();
  }
  await update({});
  root.dataset.ready = 'true';
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The view in words, printed above the table (the controls are not printed). */
function describeView(state: TableState): string {
  const parts: string[] = [];
  if (state.q) parts.push(`Search: ${state.q}`);
  if (state.filter) parts.push(`Filter: ${state.filter}`);
  if (state.sort.length > 0) parts.push(`Sorted by ${state.sort.map((s) => `${s.key} ${s.desc ? '(descending)' : '(ascending)'}`).join(', then ')}`);
  if (state.group) parts.push(`Grouped by ${state.group}`);
  if (state.brush.length > 0)
    parts.push(`Brushed: ${state.brush.map((b) => ('values' in b ? `${b.key} in ${b.values.join(', ')}` : `${b.key} ${b.lo} to ${b.hi}`)).join(', ')}`);
  return parts.join(' · ');
}

function toggle(list: readonly string[], value: string): string[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
}
