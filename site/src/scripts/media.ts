/**
 * Run page media enhancements (the page shows each key's last step without them): a step slider per
 * media key, and sorting, filtering and paging for prediction tables from the rows the page carries.
 * Run data is text only: cells are set with textContent, images only from the site's own paths.
 */

import { stepSlider } from './step-slider.ts';

const PAGE_ROWS = 25;

for (const steps of document.querySelectorAll<HTMLElement>('[data-media-steps]')) {
  const blocks = [...steps.querySelectorAll<HTMLElement>(':scope > .media-step')];
  if (blocks.length < 2) continue;
  for (const label of steps.querySelectorAll<HTMLElement>('[data-step-static]')) label.hidden = true;
  const show = (index: number): string => {
    blocks.forEach((block, i) => (block.hidden = i !== index));
    return blocks[index]?.dataset.stepLabel ?? '';
  };
  steps.prepend(stepSlider({ count: blocks.length, className: 'media-slider', ariaLabel: 'Step', show }));
}

type Cell = string | number | boolean | null | { image: string };
interface TableData {
  columns: string[];
  rows: Cell[][];
  verdict: { label: number; prediction: number } | null;
  images: Record<string, string>;
}

for (const root of document.querySelectorAll<HTMLElement>('[data-media-table]')) {
  const script = root.querySelector('script[data-table-data]');
  const body = root.querySelector<HTMLElement>('[data-table-body]');
  const tools = root.querySelector<HTMLElement>('[data-table-tools]');
  if (!script?.textContent || !body || !tools) continue;
  const data = JSON.parse(script.textContent) as TableData;
  const filter = tools.querySelector<HTMLInputElement>('[data-table-filter]');
  const wrongOnly = tools.querySelector<HTMLInputElement>('[data-table-wrong]');
  const status = tools.querySelector<HTMLElement>('[data-table-status]');
  const prev = tools.querySelector<HTMLButtonElement>('[data-table-prev]');
  const next = tools.querySelector<HTMLButtonElement>('[data-table-next]');
  const text = (cell: Cell | undefined): string =>
    cell === null || cell === undefined
      ? ''
      : typeof cell === 'object'
        ? ''
        : typeof cell === 'number'
          ? String(Number.isInteger(cell) ? cell : Number(cell.toPrecision(6)))
          : String(cell);
  const wrong = (row: Cell[]): boolean => data.verdict !== null && text(row[data.verdict.label]) !== text(row[data.verdict.prediction]);
  const searchable = data.rows.map((row) => row.map(text).join('\u0000').toLowerCase());
  let sort: { column: number; descending: boolean } | undefined;
  let page = 0;

  const render = (): void => {
    const query = (filter?.value ?? '').trim().toLowerCase();
    let order = data.rows
      .map((_, i) => i)
      .filter((i) => (!query || (searchable[i] as string).includes(query)) && (!wrongOnly?.checked || wrong(data.rows[i] as Cell[])));
    if (sort) {
      const { column, descending } = sort;
      order = order.sort((a, b) => {
        const x = data.rows[a]?.[column];
        const y = data.rows[b]?.[column];
        const c = typeof x === 'number' && typeof y === 'number' ? x - y : text(x).localeCompare(text(y), undefined, { numeric: true });
        return (descending ? -c : c) || a - b;
      });
    }
    const pages = Math.max(1, Math.ceil(order.length / PAGE_ROWS));
    page = Math.min(page, pages - 1);
    body.replaceChildren(
      ...order.slice(page * PAGE_ROWS, (page + 1) * PAGE_ROWS).map((index) => {
        const row = data.rows[index] as Cell[];
        const tr = document.createElement('tr');
        if (wrong(row)) tr.className = 'mispredicted';
        for (const cell of row) {
          const td = document.createElement('td');
          if (cell !== null && typeof cell === 'object') {
            const src = data.images[cell.image];
            if (src) {
              const img = document.createElement('img');
              img.className = 'thumb';
              img.alt = '';
              img.loading = 'lazy';
              img.src = src;
              td.append(img);
            } else td.textContent = `image ${cell.image.slice(0, 8)}`;
          } else {
            td.textContent = text(cell);
            if (typeof cell === 'number') td.className = 'num';
          }
          tr.append(td);
        }
        return tr;
      }),
    );
    if (status)
      status.textContent = `${order.length === 0 ? 0 : page * PAGE_ROWS + 1}-${Math.min(order.length, (page + 1) * PAGE_ROWS)} of ${order.length} rows`;
    if (prev) prev.disabled = page === 0;
    if (next) next.disabled = page >= pages - 1;
  };

  for (const th of root.querySelectorAll<HTMLElement>('th[data-column]')) {
    const column = Number(th.dataset.column);
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'sort';
    button.textContent = th.textContent ?? '';
    th.replaceChildren(button);
    button.addEventListener('click', () => {
      sort = sort?.column === column ? { column, descending: !sort.descending } : { column, descending: false };
      for (const other of root.querySelectorAll('th[data-column]')) other.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', sort.descending ? 'descending' : 'ascending');
      render();
    });
  }
  filter?.addEventListener('input', () => {
    page = 0;
    render();
  });
  wrongOnly?.addEventListener('change', () => {
    page = 0;
    render();
  });
  prev?.addEventListener('click', () => {
    page -= 1;
    render();
  });
  next?.addEventListener('click', () => {
    page += 1;
    render();
  });
  tools.hidden = false;
  for (const note of root.querySelectorAll<HTMLElement>('[data-table-static]')) note.hidden = true;
  render();
}
