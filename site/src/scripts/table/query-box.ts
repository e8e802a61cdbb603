/**
 * The query box: field-name completion in a listbox under it, driven by the keyboard (arrows choose,
 * Enter or Tab accept, Escape closes), and the parse error shown with a caret under its column.
 */
import { completions, type Completion } from '../../../../src/query/completion.ts';
import type { QueryError } from '../../../../src/query/error.ts';

export interface QueryBoxOptions {
  /** The field names to complete (they grow once the tag column is loaded). */
  fieldNames(): readonly string[];
  /** The text changed: `now` when the user asked for it (Enter), else after a pause. */
  onEdit(text: string, now: boolean): void;
}

export class QueryBox {
  readonly #input: HTMLInputElement;
  readonly #list: HTMLUListElement;
  readonly #errorBox: HTMLElement;
  readonly #options: QueryBoxOptions;
  #completion: Completion | undefined;
  #chosen = 0;

  constructor(input: HTMLInputElement, list: HTMLUListElement, errorBox: HTMLElement, options: QueryBoxOptions) {
    this.#input = input;
    this.#list = list;
    this.#errorBox = errorBox;
    this.#options = options;
    input.addEventListener('input', () => {
      this.#show();
      options.onEdit(input.value, false);
    });
    input.addEventListener('keydown', (event) => this.#keydown(event));
    input.addEventListener('blur', () => this.#close());
  }

  /** Shows `error` under the box (or clears it) and marks the box invalid. */
  showError(error: QueryError | undefined): void {
    this.#errorBox.replaceChildren();
    this.#input.setAttribute('aria-invalid', String(error !== undefined));
    if (!error) return;
    const message = document.createElement('span');
    message.textContent = `Column ${error.column + 1}: ${error.reason}`;
    const pre = document.createElement('pre');
    pre.textContent = `${error.query.replace(/\s/g, ' ')}\n${' '.repeat(error.column)}^`;
    this.#errorBox.append(message, pre);
  }

  #show(): void {
    const input = this.#input;
    const found = completions(input.value, input.selectionStart ?? input.value.length, [...this.#options.fieldNames()]);
    this.#completion = found.options.length > 0 ? { ...found, options: found.options.slice(0, 12) } : undefined;
    this.#list.replaceChildren();
    if (!this.#completion) {
      this.#close();
      return;
    }
    this.#chosen = 0;
    this.#completion.options.forEach((option, i) => {
      const li = document.createElement('li');
      li.id = `rt-complete-${i}`;
      li.setAttribute('role', 'option');
      li.textContent = option;
      li.addEventListener('mousedown', (event) => {
        event.preventDefault();
        this.#accept(i);
      });
      this.#list.append(li);
    });
    this.#list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    this.#mark();
  }

  #mark(): void {
    [...this.#list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === this.#chosen)));
    this.#input.setAttribute('aria-activedescendant', `rt-complete-${this.#chosen}`);
  }

  #close(): void {
    this.#completion = undefined;
    this.#list.hidden = true;
    this.#input.setAttribute('aria-expanded', 'false');
    this.#input.removeAttribute('aria-activedescendant');
  }

  #accept(i: number): void {
    const completion = this.#completion;
    if (!completion) return;
    const option = completion.options[i]!;
    const input = this.#input;
    const text = input.value;
    input.value = text.slice(0, completion.from) + option + text.slice(completion.to);
    const caret = completion.from + option.length;
    input.setSelectionRange(caret, caret);
    this.#close();
    this.#options.onEdit(input.value, false);
  }

  #keydown(event: KeyboardEvent): void {
    const completion = this.#completion;
    if (completion && !this.#list.hidden) {
      const n = completion.options.length;
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        this.#chosen = (this.#chosen + (event.key === 'ArrowDown' ? 1 : n - 1)) % n;
        this.#mark();
        event.preventDefault();
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        this.#accept(this.#chosen);
        event.preventDefault();
        return;
      }
      if (event.key === 'Escape') {
        this.#close();
        event.preventDefault();
        return;
      }
    }
    if (event.key === 'Enter') this.#options.onEdit(this.#input.value, true);
  }
}
