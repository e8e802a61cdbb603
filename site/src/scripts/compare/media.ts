/**
 * One step slider for every run's media in a comparison (components/CompareMedia.astro): at each
 * position, every run shows the step it logged nearest to it (the same step when it has it). The
 * page shows each run's last step without this script.
 */
import { stepSlider } from '../step-slider.ts';

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
    const show = (position: number): string => {
      const step = steps[position] as number;
      for (const column of columns) {
        const index = nearest(column.steps, step);
        column.blocks.forEach((block, i) => (block.hidden = i !== index));
      }
      return `step ${step}`;
    };
    const control = stepSlider({
      count: steps.length,
      className: 'cmp-media-slider',
      ariaLabel: 'Step of every run',
      label: 'Step',
      attributes: { 'data-compare-media-slider': '' },
      show,
    });
    section.querySelector('h2')?.after(control);
  }
}
