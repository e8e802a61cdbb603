/**
 * The column chooser: a searchable list of every column (hundreds, at most 300 listed at once) in a
 * <details> menu, grouped under headings; checking a box adds the column at the end of the view.
 * Above them, the shown columns in order, each with buttons that move it left or right (the order
 * is the URL's `cols`).
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
  /** The move button to focus again once the list is rebuilt after a move. */
  #refocus: { key: string; move: string } | undefined;

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
    this.#list.addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-move]');
      if (!button) return;
      const key = button.dataset.key!;
      const step = button.dataset.move === 'left' ? -1 : 1;
      const current = [...options.shown()];
      const at = current.indexOf(key);
      const to = at + step;
      if (at < 0 || to < 0 || to >= current.length) return;
      [current[at], current[to]] = [current[to]!, current[at]!];
      this.#refocus = { key, move: button.dataset.move! };
      options.onChange(current);
    });
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
    if (needle === '') this.#renderOrder(list, [...this.#options.shown()]);
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
    if (this.#refocus) {
      const { key, move } = this.#refocus;
      this.#refocus = undefined;
      const again = [...list.querySelectorAll<HTMLButtonElement>('button[data-move]')].find(
        (b) => b.dataset.key === key && b.dataset.move === move && !b.disabled,
      );
      (again ?? list.querySelector<HTMLButtonElement>(`button[data-move]`))?.focus();
    }
  }

  /** The shown columns in order, each with move buttons. */
  #renderOrder(list: HTMLUListElement, shown: string[]): void {
    const heading = document.createElement('li');
    heading.className = 'rt-heading';
    heading.textContent = 'Shown, in order';
    list.append(heading);
    shown.forEach((key, i) => {
      const li = document.createElement('li');
      li.className = 'rt-order';
      const name = document.createElement('span');
      name.textContent = key;
      const button = (move: 'left' | 'right', text: string, disabled: boolean) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.dataset.move = move;
        b.dataset.key = key;
        b.textContent = text;
        b.disabled = disabled;
        b.setAttribute('aria-label', `Move ${key} ${move}`);
        return b;
      };
      li.append(name, button('left', '←', i === 0), button('right', '→', i === shown.length - 1));
      list.append(li);
    });
  }
}

function groupHeading(info: ColumnInfo): string {
  return { attribute: 'Attributes', param: 'Params', metric: 'Metrics', series: 'Series (lowest and highest value)', data: 'Data', tags: 'Attributes' }[
    info.group
  ];
}
