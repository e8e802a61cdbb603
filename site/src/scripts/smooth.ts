/**
 * Exponential moving average over the points of an SVG path made of `M x,y L x,y …` commands (what
 * Observable Plot's line mark draws). Gaps (a new `M`) restart the average, so breaks stay visible.
 */

/**
 * @param weight how much of the running average is kept at each point, 0 (none) to <1 (very smooth)
 * @example smoothPath('M0,10L1,0L2,10', 0.5) // 'M0,10L1,5L2,7.5'
 */
export function smoothPath(d: string, weight: number): string {
  let out = '';
  let average: number | undefined;
  for (const match of d.matchAll(/([ML])\s*(-?[\d.]+(?:e-?\d+)?)[ ,](-?[\d.]+(?:e-?\d+)?)/g)) {
    const [, command, xText, yText] = match;
    const y = Number(yText);
    if (command === 'M' || average === undefined) average = y;
    else average = weight * average + (1 - weight) * y;
    out += `${command}${xText},${Math.round(average * 10) / 10}`;
  }
  return out;
}
