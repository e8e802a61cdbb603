/**
 * Colours of overlaid runs: the Okabe-Ito palette (distinct for the common colour-vision
 * deficiencies), without its black and yellow (too close to text and to a white page). A run keeps
 * its colour on every chart of a page because colours go by the run's place in the page's run list.
 */
export const RUN_COLORS = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#8C6D31', '#999999'] as const;

/** The colour of the `index`-th run of a page (colours repeat after eight runs). */
export function runColor(index: number): string {
  return RUN_COLORS[index % RUN_COLORS.length] as string;
}
