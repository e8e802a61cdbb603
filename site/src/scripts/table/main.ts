/**
 * Turns the server-rendered run table into the interactive one: loads the project's column data
 * (index first, then only the columns a view needs), and wires search, the query box with completion,
 * sort, group, column chooser, selection, Compare and CSV export. The whole view lives in the URL.
 */
import type MiniSearch from 'minisearch';
import { ID_BLOCK, type ColumnData, type ColumnInfo, type TableIndex } from '../../../../src/index/table.ts';
import type { SearchDocument } from '../../../../src/index/search.ts';
import { fieldsOf, type Query } from '../../../../src/query/ast.ts';
import { completions, type Completion } from '../../../../src/query/completion.ts';
import { QueryError } from '../../../../src/query/error.ts';
import { parseQuery } from '../../../../src/query/parser.ts';
import { printField } from '../../../../src/query/printer.ts';
import { formatMetric, plural } from '../../../../src/site/format.ts';
import { comparePath, runPath } from '../../../../src/site/url.ts';
import { cellOf } from './cells.ts';
import { decodeColumn, filterRows, groupRows, sortRows, type Column, type Group } from './columns.ts';
import { toCsv } from './csv.ts';
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
  const index = (await fetchJson(indexUrl)) as TableIndex;
  const infoByKey = new Map(index.columns.map((info) => [info.key, info]));
  const ids = new Ids(index, indexUrl);
  const loaded = new Map<string, Promise<Column>>();
  const columns = new Map<string, Column>();

  const load = (key: string): Promise<Column> | undefined => {
    const info = infoByKey.get(key);
    if (!info) return undefined;
    let column = loaded.get(key);
    if (!column) {
      column = fetchJson(new URL(info.file, indexUrl)).then((data) => {
        const decoded = decodeColumn(info, data as ColumnData);
        columns.set(key, decoded);
        return decoded;
      });
      loaded.set(key, column);
    }
    return column;
  };

  let search: Promise<MiniSearch<SearchDocument>> | undefined;
  const loadSearch = () => {
    search ??= Promise.all([fetchJson(searchUrl), import('minisearch'), import('../../../../src/index/search.ts')]).then(
      ([json, { default: MiniSearchClass }, { SEARCH_OPTIONS }]) => MiniSearchClass.loadJS(json as never, SEARCH_OPTIONS) as MiniSearch<SearchDocument>,
    );
    return search;
  };

  let state: TableState = parseState(location.search);
  const selected = new Set<number>();
  const phone = matchMedia('(max-width: 760px)');

  const toolbar = root.querySelector<HTMLElement>('.rt-toolbar')!;
  const qInput = root.querySelector<HTMLInputElement>('#rt-q')!;
  const filterInput = root.querySelector<HTMLInputElement>('#rt-filter')!;
  const completeList = root.querySelector<HTMLUListElement>('#rt-complete')!;
  const errorBox = root.querySelector<HTMLElement>('#rt-filter-error')!;
  const groupSelect = root.querySelector<HTMLSelectElement>('#rt-group')!;
  const columnMenu = root.querySelector<HTMLDetailsElement>('#rt-columns')!;
  const columnSearch = columnMenu.querySelector<HTMLInputElement>('input')!;
  const columnList = columnMenu.querySelector<HTMLUListElement>('.rt-column-list')!;
  const compareButton = root.querySelector<HTMLButtonElement>('#rt-compare')!;
  const csvButton = root.querySelector<HTMLButtonElement>('#rt-csv')!;
  const summary = root.querySelector<HTMLElement>('.rt-summary')!;
  const printState = root.querySelector<HTMLElement>('.rt-print-state')!;
  const scroll = root.querySelector<HTMLElement>('.rt-scroll')!;

  const goalKey = index.goal ? `metrics.${index.goal.metric}` : undefined;
  const formatGoal = (value: number | undefined) => (goalKey ? formatMetric(value, index.display?.[goalKey]) : '');
  const view = new TableView(scroll, {
    href: (row) => {
      const id = ids.get(row);
      return id === undefined ? undefined : base + runPath(id);
    },
    needIds: (rows) => void ids.ensure(rows).then(() => view.render()),
    rowLabel: (row) => columns.get('name')?.dict?.[columns.get('name')!.codes![row]!] ?? ids.get(row) ?? String(row),
    cell: (column, row) => cellOf(column, row, new Date(), index.display?.[column.info.key]),
    label: (column) => index.display?.[column.info.key]?.label ?? column.info.label,
    groupSummary: (group) => {
      const count = plural(group.rows.length, 'run');
      if (!index.goal || group.mean === undefined) return count;
      return `${count} · ${index.goal.metric} mean ${formatGoal(group.mean)} · best ${formatGoal(group.best)}`;
    },
    onSort: (key, additive) => {
      const info = infoByKey.get(key);
      const descFirst = info?.kind === 'time' || info?.group === 'metric';
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
    if (info.key === 'name' || info.group === 'metric' || info.kind === 'time' || info.distinct > MAX_GROUP_VALUES || info.distinct < 1) continue;
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
    showQueryError(queryError);
    const shownKeys = visibleKeys();
    const needed = new Set<string>(['name', ...shownKeys, ...state.sort.map((s) => s.key)]);
    if (state.group) needed.add(state.group);
    if (goalKey && state.group) needed.add(goalKey);
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
    let rows = filterRows(index.count, searchHits ? (row) => searchHits.has(row) && keep(row) : keep);
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
    if (groupColumn) {
      const goalColumn = goalKey ? columns.get(goalKey) : undefined;
      const groups: Group[] = groupRows(rows, groupColumn, goalColumn && index.goal ? { column: goalColumn, direction: index.goal.direction } : undefined);
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
    view.compact = phone.matches;
    view.setColumns(shownKeys.flatMap((key) => columns.get(key) ?? []), state.sort);
    view.setItems(items);
    const groupsText = groupColumn ? ` in ${plural(items.filter((i) => i.type === 'group').length, 'group')}` : '';
    summary.textContent =
      rows.length === index.count
        ? `${plural(rows.length, 'run')}${groupsText}.`
        : `${plural(rows.length, 'run')} of ${index.count.toLocaleString('en-US')} match${rows.length === 1 ? 'es' : ''}${groupsText}.`;
    renderColumnList();
    // For benchmarks: how long each view change took, data loading included, and its parts.
    performance.measure('runpages:table-filter', { start: computing, end: filtered });
    performance.measure('runpages:table-sort', { start: filtered, end: sorted });
    performance.measure('runpages:table-render', { start: sorted });
    performance.measure('runpages:table-update', { start: started });
  }

  function visibleKeys(): string[] {
    const keys = (state.columns ?? index.defaults).filter((key) => infoByKey.has(key));
    return phone.matches ? keys.filter((key) => !OPTIONAL_ON_PHONE.has(key)) : keys;
  }

  function showQueryError(error: QueryError | undefined): void {
    errorBox.replaceChildren();
    filterInput.setAttribute('aria-invalid', String(error !== undefined));
    if (!error) return;
    const message = document.createElement('span');
    message.textContent = `Column ${error.column + 1}: ${error.reason}`;
    const pre = document.createElement('pre');
    pre.textContent = `${error.query.replace(/\s/g, ' ')}\n${' '.repeat(error.column)}^`;
    errorBox.append(message, pre);
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
  filterInput.addEventListener('input', () => {
    showCompletions();
    later(() => ({ filter: filterInput.value }));
  });

  // Field-name completion: a listbox under the query box, driven by the keyboard.
  let completion: Completion | undefined;
  let chosen = 0;
  function showCompletions(): void {
    const found = completions(filterInput.value, filterInput.selectionStart ?? filterInput.value.length, fieldNames);
    completion = found.options.length > 0 ? { ...found, options: found.options.slice(0, 12) } : undefined;
    completeList.replaceChildren();
    if (!completion) {
      closeCompletions();
      return;
    }
    chosen = 0;
    completion.options.forEach((option, i) => {
      const li = document.createElement('li');
      li.id = `rt-complete-${i}`;
      li.setAttribute('role', 'option');
      li.textContent = option;
      li.addEventListener('mousedown', (event) => {
        event.preventDefault();
        accept(i);
      });
      completeList.append(li);
    });
    completeList.hidden = false;
    filterInput.setAttribute('aria-expanded', 'true');
    markChosen();
  }
  function markChosen(): void {
    [...completeList.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === chosen)));
    filterInput.setAttribute('aria-activedescendant', `rt-complete-${chosen}`);
  }
  function closeCompletions(): void {
    completion = undefined;
    completeList.hidden = true;
    filterInput.setAttribute('aria-expanded', 'false');
    filterInput.removeAttribute('aria-activedescendant');
  }
  function accept(i: number): void {
    if (!completion) return;
    const option = completion.options[i]!;
    const text = filterInput.value;
    filterInput.value = text.slice(0, completion.from) + option + text.slice(completion.to);
    const caret = completion.from + option.length;
    filterInput.setSelectionRange(caret, caret);
    closeCompletions();
    later(() => ({ filter: filterInput.value }));
  }
  filterInput.addEventListener('keydown', (event) => {
    if (completion && !completeList.hidden) {
      const n = completion.options.length;
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        chosen = (chosen + (event.key === 'ArrowDown' ? 1 : n - 1)) % n;
        markChosen();
        event.preventDefault();
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        accept(chosen);
        event.preventDefault();
        return;
      }
      if (event.key === 'Escape') {
        closeCompletions();
        event.preventDefault();
        return;
      }
    }
    if (event.key === 'Enter') {
      clearTimeout(typing);
      void update({ filter: filterInput.value });
    }
  });
  filterInput.addEventListener('blur', () => closeCompletions());

  groupSelect.addEventListener('change', () => void update({ group: groupSelect.value || null, collapsed: [] }));

  // Column chooser: searchable over hundreds of columns; at most 300 listed at once.
  function renderColumnList(): void {
    if (!columnMenu.open) return;
    const shown = new Set(state.columns ?? index.defaults);
    const needle = columnSearch.value.trim().toLowerCase();
    const matches = index.columns.filter((c) => needle === '' || c.key.toLowerCase().includes(needle));
    columnList.replaceChildren();
    let heading = '';
    for (const info of matches.slice(0, 300)) {
      const group = groupHeading(info);
      if (group !== heading) {
        heading = group;
        const li = document.createElement('li');
        li.className = 'rt-heading';
        li.textContent = group;
        columnList.append(li);
      }
      const li = document.createElement('li');
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.value = info.key;
      box.checked = shown.has(info.key);
      label.append(box, info.key);
      li.append(label);
      columnList.append(li);
    }
    if (matches.length > 300) {
      const li = document.createElement('li');
      li.className = 'rt-heading';
      li.textContent = `${matches.length - 300} more: type to narrow`;
      columnList.append(li);
    }
  }
  columnMenu.addEventListener('toggle', () => {
    renderColumnList();
    if (columnMenu.open) columnSearch.focus();
  });
  columnSearch.addEventListener('input', renderColumnList);
  columnList.addEventListener('change', (event) => {
    const box = event.target as HTMLInputElement;
    const current = state.columns ?? index.defaults;
    const next = box.checked ? [...current.filter((k) => k !== box.value), box.value] : current.filter((k) => k !== box.value);
    void update({ columns: next });
  });
  columnMenu.querySelector('.rt-reset')!.addEventListener('click', () => void update({ columns: null }));
  columnMenu.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      columnMenu.open = false;
      columnMenu.querySelector('summary')!.focus();
    }
  });

  compareButton.addEventListener('click', async () => {
    const rows = [...selected].sort((a, b) => a - b);
    await ids.ensure(rows);
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

  // Keyboard: arrows move the cursor, Enter opens the run (or folds a group), Space selects.
  scroll.addEventListener('keydown', (event) => {
    const target = event.target as HTMLElement;
    if (target !== scroll && !(target instanceof HTMLTableRowElement)) return;
    const item = view.items[view.active];
    switch (event.key) {
      case 'ArrowDown':
        view.setActive(view.active + 1);
        break;
      case 'ArrowUp':
        view.setActive(view.active - 1);
        break;
      case 'PageDown':
        view.setActive(view.active + view.pageSize());
        break;
      case 'PageUp':
        view.setActive(view.active - view.pageSize());
        break;
      case 'Home':
        view.setActive(0);
        break;
      case 'End':
        view.setActive(view.items.length - 1);
        break;
      case 'Enter':
        if (item?.type === 'row') void ids.ensure([item.row]).then(() => (location.href = base + runPath(ids.get(item.row)!)));
        else if (item?.type === 'group') void update({ collapsed: toggle(state.collapsed, item.group.label) });
        break;
      case ' ':
        if (item?.type === 'row') {
          if (selected.has(item.row)) selected.delete(item.row);
          else selected.add(item.row);
          refreshSelection();
        }
        break;
      default:
        return;
    }
    event.preventDefault();
  });
  scroll.addEventListener('focus', (event) => {
    if (event.target !== scroll) return;
    // Tabbing in from the controls lands on the header (select all, then the sort buttons) before
    // the rows; Shift+Tab from below lands on the active row.
    const from = event.relatedTarget as Node | null;
    const first = scroll.querySelector<HTMLElement>('thead input, thead button');
    if (from && first && !scroll.contains(from) && from.compareDocumentPosition(scroll) & Node.DOCUMENT_POSITION_FOLLOWING) {
      scroll.tabIndex = -1;
      first.focus();
      return;
    }
    view.setActive(Math.max(0, view.active));
  });
  scroll.addEventListener('focusin', (event) => {
    // Only a row reached by Tab (a click on a button in a row must not re-render it under the pointer).
    const row = event.target as HTMLElement;
    if (!row.matches('tr[id^="rt-item-"]')) return;
    scroll.tabIndex = -1;
    const index = Number(row.id.slice('rt-item-'.length));
    if (index !== view.active) view.setActive(index);
  });
  scroll.addEventListener('focusout', (event) => {
    if (!scroll.contains(event.relatedTarget as Node | null)) scroll.tabIndex = 0;
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

  await update({});
  root.dataset.ready = 'true';
}

/**
 * Run ids, loaded in blocks as rows need them (see src/index/table.ts): random ids barely compress,
 * so the first view fetches only the block of the rows it shows.
 */
class Ids {
  readonly list: string[];
  readonly #index: TableIndex;
  readonly #base: URL;
  readonly #blocks = new Map<number, Promise<void>>();
  readonly #rows = new Map<string, number>();

  constructor(index: TableIndex, base: URL) {
    this.list = new Array<string>(index.count);
    this.#index = index;
    this.#base = base;
  }

  get(row: number): string | undefined {
    return this.list[row];
  }

  rowOf(id: string): number | undefined {
    return this.#rows.get(id);
  }

  ensure(rows: Iterable<number>): Promise<unknown> {
    const blocks = new Set<number>();
    for (const row of rows) blocks.add(Math.floor(row / ID_BLOCK));
    return Promise.all([...blocks].map((k) => this.#load(k)));
  }

  ensureAll(): Promise<unknown> {
    return Promise.all(this.#index.idFiles.map((_, k) => this.#load(k)));
  }

  #load(k: number): Promise<void> {
    let block = this.#blocks.get(k);
    if (!block) {
      block = fetchJson(new URL(this.#index.idFiles[k]!, this.#base)).then((data) => {
        (data as string[]).forEach((id, i) => {
          this.list[k * ID_BLOCK + i] = id;
          this.#rows.set(id, k * ID_BLOCK + i);
        });
      });
      this.#blocks.set(k, block);
    }
    return block;
  }
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
  return parts.join(' · ');
}

function toggle(list: readonly string[], value: string): string[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
}

function groupHeading(info: ColumnInfo): string {
  return { attribute: 'Attributes', param: 'Params', metric: 'Metrics', data: 'Data', tags: 'Attributes' }[info.group];
}

async function fetchJson(url: URL): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  return response.json();
}
