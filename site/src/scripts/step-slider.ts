/**
 * A step slider for media (run pages and comparisons): a range input over `count` positions and an
 * output saying what is shown, starting at the last. `show` draws a position and returns its label.
 * Browser-safe and text only.
 */
export function stepSlider(options: {
  count: number;
  className: string;
  ariaLabel: string;
  /** Visible text beside the slider (the slider then sits inside a label). */
  label?: string;
  attributes?: Record<string, string>;
  show: (position: number) => string;
}): HTMLElement {
  const control = document.createElement('div');
  control.className = `${options.className} no-print`;
  const slider = document.createElement('input');
  slider.type = 'range';
  slider.min = '0';
  slider.max = String(options.count - 1);
  slider.value = String(options.count - 1);
  slider.setAttribute('aria-label', options.ariaLabel);
  for (const [name, value] of Object.entries(options.attributes ?? {})) slider.setAttribute(name, value);
  const output = document.createElement('output');
  output.className = 'small mono';
  const show = (position: number): void => {
    output.textContent = options.show(position);
  };
  slider.addEventListener('input', () => show(Number(slider.value)));
  if (options.label === undefined) control.append(slider, output);
  else {
    const label = document.createElement('label');
    label.className = 'small muted';
    label.textContent = options.label;
    label.append(slider);
    control.append(label, output);
  }
  show(options.count - 1);
  return control;
}
