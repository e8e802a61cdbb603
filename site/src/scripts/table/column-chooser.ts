/**
 * The column chooser: a searchable list of every column (hundreds, at most 300 listed at once) in a
 * <details> menu, grouped under headings; checking a box adds the column at the end of the view.
 */
import type { ColumnInfo } from '../../../../src/index/table.ts';

export interface ColumnChooserOptions {
  columns: readonly ColumnInfo[];
  /** The keys the view shows now. */
  shown(): readonly string[];
  /** New columns for the view; null goes back to the defaults. */
  onChange(columns: string[] | null): void;
}

const LISTED = 300;

export class ColumnChooser {
  readonly #menu: HTMLDetailsElement;
  readonly #search: HTMLInputElement;
  readonly #list: HTMLUListElement;
  readonly #options: ColumnChooserOptions;

  constructor(menu: HTMLDetailsElement, options: ColumnChooserOptions) {
    this.#menu = menu;
    this.#search = menu.querySelector<HTMLInputElement>('input')!;
    this.#list = menu.querySelector<HTMLUListElement>('.rt-column-list')!;
    this.#options = options;
    menu.addEventListener('toggle', () => {
      this.render();
      if (menu.open) this.#search.focus();
    });
    this.#search.addEventListener('input', () => this.render());
    this.#list.addEventListener('change', (event) => {
      const box = event.target as HTMLInputElement;
      const current = options.shown();
      options.onChange(box.checked ? [...current.filter((k) => k !== box.value), box.value] : current.filter((k) => k !== box.value));
    });
    menu.querySelector('.rt-reset')!.addEventListener('click', () => options.onChange(null));
    menu.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        menu.open = false;
        menu.querySelector('summary')!.focus();
      }
    });
  }

  /** Lists the columns matching the search box, checked when shown (only while the menu is open). */
  render(): void {
    if (!this.#menu.open) return;
    const shown = new Set(this.#options.shown());
    const needle = this.#search.value.trim().toLowerCase();
    const matches = this.#options.columns.filter((c) => needle === '' || c.key.toLowerCase().includes(needle));
    const list = this.#list;
    list.replaceChildren();
    let heading = '';
    for (const info of matches.slice(0, LISTED)) {
      const group = groupHeading(info);
      if (group !== heading) {
        heading = group;
        const li = document.createElement('li');
        li.className = 'rt-heading';
        li.textContent = group;
        list.append(li);
      }
      const li = document.createElement('li');
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.value = info.key;
      box.checked = shown.has(info.key);
      label.append(box, info.key);
      li.append(label);
      list.append(li);
    }
    if (matches.length > LISTED) {
      const li = document.createElement('li');
      li.className = 'rt-heading';
      li.textContent = `${matches.length - LISTED} more: type to narrow`;
      list.append(li);
    }
  }
}

function groupHeading(info: ColumnInfo): string {
  return { attribute: 'Attributes', param: 'Params', metric: 'Metrics', data: 'Data', tags: 'Attributes' }[info.group];
}
