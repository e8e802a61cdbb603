/**
 * The virtualised table body: only the rows in (and just around) the viewport are in the DOM, between
 * two spacer rows that keep the scroll height; a fixed row height makes positions arithmetic. The
 * header stays sticky; columns get fixed widths so rows do not jitter as they are swapped in.
 */
import type { Cell } from './cells.ts';
import { valueAt, type Column, type Group } from './columns.ts';
import type { SortSpec } from './state.ts';

export type ViewItem = { type: 'row'; row: number } | { type: 'group'; group: Group; collapsed: boolean };

export interface ViewHandlers {
  /** The run page of a row, or undefined while the row's id is still loading. */
  href(row: number): string | undefined;
  /** Called after a render with the rendered rows whose ids are not loaded yet. */
  needIds(rows: number[]): void;
  /** How a row is named to assistive technology (the run's name). */
  rowLabel(row: number): string;
  cell(column: Column, row: number): Cell;
  /** Human name of a column (a metric's configured label), for the header's tooltip. */
  label(column: Column): string;
  groupSummary(group: Group): string;
  onSort(key: string, additive: boolean): void;
  onToggleGroup(label: string): void;
  onSelect(rows: number[], selected: boolean): void;
}

const OVERSCAN = 10;

/** Column widths in rem by what they hold; the name column is wider (less so on a phone). */
function widthOf(column: Column, compact: boolean): number {
  const { key, kind } = column.info;
  if (key === 'name') return compact ? 9 : 12;
  if (key === 'status') return 7.5;
  if (kind === 'time') return 7.5;
  if (kind === 'tags') return 10;
  if (column.num) return Math.min(8.5, Math.max(5.5, column.info.label.length * 0.5 + 2));
  return Math.min(11, Math.max(6.5, column.info.label.length * 0.5 + 2));
}

export class TableView {
  readonly scroll: HTMLElement;
  readonly table: HTMLTableElement;
  readonly handlers: ViewHandlers;
  columns: Column[] = [];
  items: ViewItem[] = [];
  selected = new Set<number>();
  active = -1;
  /** Render every row (for printing). */
  all = false;
  /** Narrow screen: tighter columns. */
  compact = false;
  #frame = 0;
  #rowHeight = 34;

  constructor(scroll: HTMLElement, handlers: ViewHandlers) {
    this.scroll = scroll;
    this.table = scroll.querySelector('table')!;
    this.handlers = handlers;
    this.table.classList.add('rt-live');
    this.table.setAttribute('aria-rowcount', '0');
    scroll.addEventListener('scroll', () => this.schedule(), { passive: true });
    window.addEventListener('resize', () => this.schedule());
    this.table.addEventListener('click', (event) => this.#click(event));
    this.table.addEventListener('change', (event) => this.#change(event));
    const height = parseFloat(getComputedStyle(scroll.closest('.rt') ?? scroll).getPropertyValue('--rt-row'));
    if (height > 0) this.#rowHeight = height;
  }

  /** Rebuilds the header for new columns or sort. */
  setColumns(columns: Column[], sort: readonly SortSpec[]): void {
    this.columns = columns;
    const colgroup = document.createElement('colgroup');
    let total = 2.5;
    colgroup.append(col(2.5));
    for (const column of columns) {
      const width = widthOf(column, this.compact);
      total += width;
      colgroup.append(col(width));
    }
    this.table.style.width = `${total}rem`;
    const head = document.createElement('thead');
    const tr = head.insertRow();
    const all = document.createElement('th');
    all.className = 'sel';
    all.scope = 'col';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.className = 'rt-select-all';
    box.setAttribute('aria-label', 'Select all runs in view');
    all.append(box);
    tr.append(all);
    columns.forEach((column, i) => {
      const th = document.createElement('th');
      th.scope = 'col';
      th.className = `g-${column.info.group}${column.num && column.info.kind !== 'time' ? ' num' : ''}${i === 0 ? ' pin' : ''}`;
      const position = sort.findIndex((s) => s.key === column.info.key);
      const spec = sort[position];
      th.setAttribute('aria-sort', position === 0 ? (spec!.desc ? 'descending' : 'ascending') : 'none');
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.key = column.info.key;
      const label = this.handlers.label(column);
      // The configured label ("Validation accuracy") is the header; the raw key is on hover.
      button.title = `${label === column.info.key ? label : `${label} (${column.info.key})`}: click to sort, shift-click to add a secondary sort`;
      button.append(label);
      if (spec) {
        const mark = document.createElement('span');
        mark.className = 'rt-sort';
        mark.textContent = `${spec.desc ? '▼' : '▲'}${sort.length > 1 ? position + 1 : ''}`;
        mark.setAttribute('aria-hidden', 'true');
        button.append(mark);
      }
      // Print styles hide every button: the header text is repeated for paper.
      th.append(button, printOnly(label));
      tr.append(th);
    });
    this.table.querySelector('colgroup')?.remove();
    this.table.querySelector('thead')?.remove();
    this.table.prepend(colgroup, head);
  }

  setItems(items: ViewItem[]): void {
    this.items = items;
    if (this.active >= items.length) this.active = items.length - 1;
    this.table.setAttribute('aria-rowcount', String(items.length + 1));
    this.render();
  }

  schedule(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.render();
    });
  }

  render(): void {
    const head = this.table.tHead?.offsetHeight ?? 0;
    const height = this.#rowHeight;
    const first = this.all ? 0 : Math.max(0, Math.floor((this.scroll.scrollTop - head) / height) - OVERSCAN);
    const count = this.all ? this.items.length : Math.ceil(this.scroll.clientHeight / height) + 2 * OVERSCAN;
    const last = Math.min(this.items.length, first + count);
    const body = document.createElement('tbody');
    const span = this.columns.length + 1;
    if (first > 0) body.append(spacer(first * height, span));
    const waiting: number[] = [];
    for (let i = first; i < last; i++) {
      const item = this.items[i]!;
      body.append(this.#renderItem(item, i, span));
      if (item.type === 'row' && this.handlers.href(item.row) === undefined) waiting.push(item.row);
    }
    if (last < this.items.length) body.append(spacer((this.items.length - last) * height, span));
    if (this.items.length === 0) {
      const tr = body.insertRow();
      tr.className = 'rt-empty';
      const td = tr.insertCell();
      td.colSpan = span;
      td.textContent = 'No runs match.';
    }
    const old = this.table.tBodies[0];
    // Rows are rebuilt on every render: keep the keyboard focus on the active row across it.
    const hadFocus = old?.contains(document.activeElement);
    if (old) old.replaceWith(body);
    else this.table.append(body);
    if (hadFocus) this.focusActive();
    this.#syncSelectAll();
    if (waiting.length > 0) this.handlers.needIds(waiting);
  }

  /** Moves the keyboard cursor to item `index` and scrolls it into view. */
  setActive(index: number): void {
    if (this.items.length === 0) return;
    this.active = Math.max(0, Math.min(this.items.length - 1, index));
    const head = this.table.tHead?.offsetHeight ?? 0;
    const top = this.active * this.#rowHeight;
    if (top < this.scroll.scrollTop) this.scroll.scrollTop = top;
    else if (top + this.#rowHeight + head > this.scroll.scrollTop + this.scroll.clientHeight) {
      this.scroll.scrollTop = top + this.#rowHeight + head - this.scroll.clientHeight;
    }
    this.render();
    this.focusActive();
  }

  /**
   * Focuses the active row (roving focus: screen readers read the row). The scroll area leaves the tab
   * order while a row has focus, so Shift+Tab moves out instead of back into the rows.
   */
  focusActive(): void {
    const tr = this.table.querySelector<HTMLTableRowElement>(`#rt-item-${this.active}`);
    if (!tr) return;
    this.scroll.tabIndex = -1;
    tr.focus({ preventScroll: true });
  }

  /** Item rows visible per page, for PageUp/PageDown. */
  pageSize(): number {
    return Math.max(1, Math.floor(this.scroll.clientHeight / this.#rowHeight) - 2);
  }

  #renderItem(item: ViewItem, index: number, span: number): HTMLTableRowElement {
    const tr = document.createElement('tr');
    tr.id = `rt-item-${index}`;
    // Roving focus: the active row (the first before any) is the table's one Tab stop after the
    // header's sort buttons, so Tab goes filter, sort buttons, rows.
    tr.tabIndex = index === Math.max(0, this.active) ? 0 : -1;
    tr.setAttribute('aria-rowindex', String(index + 2));
    if (index === this.active) tr.classList.add('active');
    if (item.type === 'group') {
      tr.className += ' rt-group';
      const td = tr.insertCell();
      td.colSpan = span;
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.group = item.group.label;
      button.setAttribute('aria-expanded', String(!item.collapsed));
      button.textContent = `${item.collapsed ? '▸' : '▾'} ${item.group.label}`;
      const count = document.createElement('span');
      count.className = 'rt-agg';
      count.textContent = this.handlers.groupSummary(item.group);
      // Sticky inside the wide cell, so the group stays readable when the table scrolls sideways.
      const label = document.createElement('div');
      label.className = 'rt-group-head';
      label.append(button, printOnly(item.group.label), count);
      td.append(label);
      return tr;
    }
    const row = item.row;
    tr.dataset.row = String(row);
    const selected = this.selected.has(row);
    if (selected) tr.classList.add('selected');
    tr.setAttribute('aria-selected', String(selected));
    const sel = tr.insertCell();
    sel.className = 'sel';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = selected;
    box.tabIndex = -1;
    box.setAttribute('aria-label', `Select ${this.handlers.rowLabel(row)}`);
    sel.append(box);
    this.columns.forEach((column, i) => {
      const td = tr.insertCell();
      const cell = this.handlers.cell(column, row);
      if (column.info.key === 'name') {
        td.className = 'name';
        const a = document.createElement('a');
        const href = this.handlers.href(row);
        if (href !== undefined) a.href = href;
        a.tabIndex = -1;
        a.textContent = cell.text;
        td.append(a);
        td.title = cell.text;
      } else if (column.tags) {
        td.className = 'tags';
        td.title = cell.text;
        for (const tag of (valueAt(column, row) as string[] | undefined) ?? []) {
          const chip = document.createElement('span');
          chip.className = 'tag';
          chip.textContent = tag;
          td.append(chip);
        }
      } else if (cell.className.startsWith('badge')) {
        const badge = document.createElement('span');
        badge.className = cell.className;
        badge.textContent = cell.text;
        td.append(badge);
      } else if (column.info.kind === 'time' && cell.title) {
        // Relative on screen, absolute on paper (a printout is read later).
        td.className = cell.className;
        td.title = cell.title;
        const screen = document.createElement('span');
        screen.className = 'rt-screen-only';
        screen.textContent = cell.text;
        td.append(screen, printOnly(cell.title));
      } else {
        td.className = cell.className;
        td.textContent = cell.text;
        td.title = cell.title ?? cell.text;
      }
      if (i === 0) td.classList.add('pin');
    });
    return tr;
  }

  #click(event: MouseEvent): void {
    const target = event.target as HTMLElement;
    const sortButton = target.closest<HTMLButtonElement>('th button[data-key]');
    if (sortButton) {
      this.handlers.onSort(sortButton.dataset.key!, event.shiftKey);
      return;
    }
    const groupButton = target.closest<HTMLButtonElement>('button[data-group]');
    if (groupButton) {
      this.handlers.onToggleGroup(groupButton.dataset.group!);
      return;
    }
    const tr = target.closest<HTMLTableRowElement>('tbody tr[id]');
    if (tr && !target.closest('a, input')) {
      this.active = Number(tr.id.slice('rt-item-'.length));
      this.render();
    }
  }

  #change(event: Event): void {
    const box = event.target as HTMLInputElement;
    if (box.classList.contains('rt-select-all')) {
      const rows = this.items.flatMap((item) => (item.type === 'row' ? [item.row] : []));
      this.handlers.onSelect(rows, box.checked);
      return;
    }
    const tr = box.closest<HTMLTableRowElement>('tr[data-row]');
    if (tr) this.handlers.onSelect([Number(tr.dataset.row)], box.checked);
  }

  #syncSelectAll(): void {
    const box = this.table.querySelector<HTMLInputElement>('.rt-select-all');
    if (!box) return;
    let inView = 0;
    let chosen = 0;
    for (const item of this.items) {
      if (item.type !== 'row') continue;
      inView++;
      if (this.selected.has(item.row)) chosen++;
    }
    box.checked = inView > 0 && chosen === inView;
    box.indeterminate = chosen > 0 && chosen < inView;
  }
}

function printOnly(text: string): HTMLSpanElement {
  const span = document.createElement('span');
  span.className = 'rt-print-only';
  span.textContent = text;
  return span;
}

function col(rem: number): HTMLTableColElement {
  const element = document.createElement('col');
  element.style.width = `${rem}rem`;
  return element;
}

function spacer(height: number, span: number): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.className = 'rt-spacer';
  tr.setAttribute('aria-hidden', 'true');
  const td = tr.insertCell();
  td.colSpan = span;
  td.style.height = `${height}px`;
  return tr;
}
