/**
 * The params filter box of run pages: rows whose text holds every typed word stay, the count says
 * how many of how many. Full pages call it at load, lean pages once they have drawn their rows.
 */
export function enableParamsFilter(root: ParentNode): void {
  const filter = root.querySelector<HTMLInputElement>('[data-params-filter]');
  const rows = [...root.querySelectorAll<HTMLTableRowElement>('[data-param-row]')];
  const count = root.querySelector<HTMLElement>('[data-params-count]');
  if (!filter) return;
  filter.hidden = false;
  filter.addEventListener('input', () => {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const row of rows) {
      const text = row.textContent?.toLowerCase() ?? '';
      const match = words.every((word) => text.includes(word));
      row.hidden = !match;
      if (match) shown += 1;
    }
    if (count) count.textContent = words.length ? `${shown} of ${rows.length}` : String(rows.length);
  });
}
