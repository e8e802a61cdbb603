/**
 * Keyboard use of the table's rows: arrows, Page Up/Down, Home and End move the active row, Enter
 * opens its run (or folds a group), Space selects it. Focus roves: Tab from the controls reaches the
 * header (select all, sort buttons) before the rows; Shift+Tab from below lands on the active row.
 */
import type { TableView } from './view.ts';

export interface RowKeys {
  open(row: number): void;
  toggleGroup(label: string): void;
  toggleSelected(row: number): void;
}

export function wireRowKeyboard(scroll: HTMLElement, view: TableView, keys: RowKeys): void {
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
        if (item?.type === 'row') keys.open(item.row);
        else if (item?.type === 'group') keys.toggleGroup(item.group.label);
        break;
      case ' ':
        if (item?.type === 'row') keys.toggleSelected(item.row);
        break;
      default:
        return;
    }
    event.preventDefault();
  });
  scroll.addEventListener('focus', (event) => {
    if (event.target !== scroll) return;
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
}
