/**
 * Run page enhancements (the page is complete without them): interactive charts once on screen
 * (chart/loader.ts; until then, or without the run data, log-scale and smoothing toggles on the static
 * charts), and the params filter box.
 */
import { enableParamsFilter } from './params-filter.ts';
import { smoothPath } from './smooth.ts';
import { watchCharts } from './chart/loader.ts';

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

// Smoothing works on the drawn line itself: on a linear axis the pixel y is an affine function of the
// value, so an exponential moving average of pixels is the moving average of values (on a log axis,
// of log values). No data needs to ship with the page.
for (const figure of document.querySelectorAll<HTMLElement>('[data-chart]')) {
  const toggle = figure.querySelector<HTMLButtonElement>('[data-smooth-toggle]');
  const lines = [...figure.querySelectorAll<SVGPathElement>('g[aria-label="line"] path')];
  if (!toggle || lines.length === 0) continue;
  toggle.hidden = false;
  const originals = lines.map((line) => line.getAttribute('d') ?? '');
  const smoothed: SVGPathElement[] = [];
  toggle.addEventListener('click', () => {
    const on = toggle.getAttribute('aria-pressed') !== 'true';
    toggle.setAttribute('aria-pressed', String(on));
    if (on) {
      lines.forEach((line, i) => {
        const copy = line.cloneNode() as SVGPathElement;
        copy.setAttribute('d', smoothPath(originals[i] ?? '', 0.9));
        copy.setAttribute('data-smoothed', '');
        line.setAttribute('stroke-opacity', '0.25');
        line.after(copy);
        smoothed.push(copy);
      });
    } else {
      for (const copy of smoothed.splice(0)) copy.remove();
      for (const line of lines) line.removeAttribute('stroke-opacity');
    }
  });
}

enableParamsFilter(document);
watchCharts(document);
import './media.ts';
