/**
 * Run page enhancements (the page is complete without them): log-scale toggles on charts and the
 * params filter box.
 */

for (const figure of document.querySelectorAll<HTMLElement>('[data-chart]')) {
  const toggle = figure.querySelector<HTMLButtonElement>('[data-log-toggle]');
  const linear = figure.querySelector<HTMLElement>('[data-scale="linear"]');
  const log = figure.querySelector<HTMLElement>('[data-scale="log"]');
  if (!toggle || !linear || !log) continue;
  toggle.hidden = false;
  toggle.addEventListener('click', () => {
    const on = toggle.getAttribute('aria-pressed') !== 'true';
    toggle.setAttribute('aria-pressed', String(on));
    linear.hidden = on;
    log.hidden = !on;
  });
}

const filter = document.querySelector<HTMLInputElement>('[data-params-filter]');
const rows = [...document.querySelectorAll<HTMLTableRowElement>('[data-param-row]')];
const count = document.querySelector<HTMLElement>('[data-params-count]');
if (filter) {
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
