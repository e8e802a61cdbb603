/**
 * One step slider for every run's media in a comparison (components/CompareMedia.astro): at each
 * position, every run shows the step it logged nearest to it (the same step when it has it). The
 * page shows each run's last step without this script.
 */

/** Blocks of one column, with their steps (`undefined`: a medium of the whole run). */
function stepsOf(blocks: readonly HTMLElement[]): Array<number | undefined> {
  return blocks.map((block) => (block.dataset.step === '' || block.dataset.step === undefined ? undefined : Number(block.dataset.step)));
}

/** The block for `step`: the same step, else the nearest (the earlier on a tie), else one of the whole run. */
function nearest(steps: ReadonlyArray<number | undefined>, step: number): number {
  let best = -1;
  let distance = Infinity;
  steps.forEach((at, index) => {
    if (at === undefined) {
      if (best === -1) best = index;
      return;
    }
    const d = Math.abs(at - step);
    if (d < distance) {
      distance = d;
      best = index;
    }
  });
  return best;
}

/** Adds the slider to every media section under `root`. */
export function enhanceCompareMedia(root: ParentNode = document): void {
  for (const section of root.querySelectorAll<HTMLElement>('[data-compare-media]')) {
    const steps = (section.dataset.steps ?? '').split(' ').filter(Boolean).map(Number);
    if (steps.length < 2) continue;
    const columns = [...section.querySelectorAll<HTMLElement>('[data-media-column]')].map((column) => {
      const blocks = [...column.querySelectorAll<HTMLElement>(':scope > .cmp-media-step')];
      return { blocks, steps: stepsOf(blocks) };
    });
    const control = document.createElement('div');
    control.className = 'cmp-media-slider no-print';
    const label = document.createElement('label');
    label.className = 'small muted';
    label.textContent = 'Step';
    const slider = document.createElement('input');
    slider.type = 'range';
    slider.min = '0';
    slider.max = String(steps.length - 1);
    slider.value = String(steps.length - 1);
    slider.setAttribute('aria-label', 'Step of every run');
    slider.setAttribute('data-compare-media-slider', '');
    const output = document.createElement('output');
    output.className = 'small mono';
    label.append(slider);
    control.append(label, output);
    section.querySelector('h2')?.after(control);
    const show = (position: number): void => {
      const step = steps[position] as number;
      output.textContent = `step ${step}`;
      for (const column of columns) {
        const index = nearest(column.steps, step);
        column.blocks.forEach((block, i) => (block.hidden = i !== index));
      }
    };
    slider.addEventListener('input', () => show(Number(slider.value)));
    show(steps.length - 1);
  }
}
