/**
 * Parameter importance for a goal metric over the runs a filter selects, computed in the browser
 * (W&B shows the same pair). Two figures per param:
 * - correlation: Pearson's r between the param and the metric (for a text param, the correlation
 *   ratio η, which has no sign): linear and one param at a time;
 * - importance: each param's share of the squared error removed by gradient-boosted stumps
 *   (depth-1 regression trees on binned values) fitted to the metric; it sees non-linear effects and
 *   credits a param only for what the others do not already explain.
 * Deterministic (no sampling), so the same runs always give the same figures. Pure.
 */

/** One param over the runs: numbers with NaN where missing, or text codes with -1 where missing. */
export type Feature = { key: string; kind: 'number'; values: ArrayLike<number> } | { key: string; kind: 'text'; codes: ArrayLike<number> };

export interface ParamImportance {
  key: string;
  /** Pearson's r for numbers, η for text; undefined when fewer than 3 runs have both values or either is constant. */
  correlation: number | undefined;
  /** Share (0..1) of the boosted model's error reduction credited to this param; the shares sum to 1. */
  importance: number;
}

export interface ImportanceResult {
  params: ParamImportance[];
  /** Runs used: those with a finite goal value (all of them for the correlations). */
  runs: number;
  /** Runs the boosted model was fitted on: all, or an evenly spaced {@link MAX_FIT_ROWS} of them. */
  fitted: number;
  /** Share of the goal's variance the boosted model explains on these runs (R², in-sample). */
  explained: number;
}

export interface ImportanceOptions {
  /** Boosting rounds (stumps). */
  rounds?: number;
  /** Shrinkage applied to each stump. */
  rate?: number;
  /** Most bins a param's values are cut into. */
  bins?: number;
  /** Most runs the model is fitted on. */
  maxRows?: number;
}

/** Most runs the boosted model is fitted on by default. */
export const MAX_FIT_ROWS = 2000;

/** The method as the page names it. */
export const IMPORTANCE_METHOD =
  'importance: share of the error reduction in 100 gradient-boosted stumps (depth-1 trees, learning rate 0.3) fitted to the goal over these runs (an evenly spaced 2,000 of them past that many); correlation: Pearson’s r (η for text params)';

/**
 * Importance and correlation of each feature for `target` (one value per run, NaN where missing),
 * sorted by importance, then correlation strength, then key.
 *
 * @example paramImportance([{ key: 'params.lr', kind: 'number', values: lr }], acc).params[0].importance // 1
 */
export function paramImportance(features: readonly Feature[], target: ArrayLike<number>, options: ImportanceOptions = {}): ImportanceResult {
  const rounds = options.rounds ?? 100;
  const rate = options.rate ?? 0.3;
  const maxBins = options.bins ?? 32;
  const rows: number[] = [];
  for (let i = 0; i < target.length; i++) if (Number.isFinite(target[i]!)) rows.push(i);
  const y = Float64Array.from(rows, (i) => target[i]!);
  // The model fits an evenly spaced subset of a large sweep: the shares barely move, the page stays responsive.
  const stride = Math.max(1, rows.length / (options.maxRows ?? MAX_FIT_ROWS));
  const fitRows = stride === 1 ? rows : Array.from({ length: Math.floor(rows.length / stride) }, (_, i) => rows[Math.floor(i * stride)]!);
  const n = fitRows.length;
  const yFit = Float64Array.from(fitRows, (i) => target[i]!);
  const mean = yFit.reduce((a, b) => a + b, 0) / (n || 1);
  const residual = yFit.map((v) => v - mean);
  const total = residual.reduce((a, r) => a + r * r, 0);

  const binned = features.map((feature) => binFeature(feature, fitRows, yFit, maxBins));
  const gain = new Float64Array(features.length);
  if (n >= 2 && total > 0) {
    const sums = new Float64Array(maxBins + 1);
    const counts = new Float64Array(maxBins + 1);
    for (let round = 0; round < rounds; round++) {
      let best = { feature: -1, split: -1, gain: 1e-12 * total, left: 0, right: 0 };
      for (let f = 0; f < binned.length; f++) {
        const { bins, count } = binned[f]!;
        if (count < 2) continue;
        sums.fill(0, 0, count);
        counts.fill(0, 0, count);
        for (let j = 0; j < n; j++) {
          sums[bins[j]!]! += residual[j]!;
          counts[bins[j]!]!++;
        }
        let sum = 0;
        for (let b = 0; b < count; b++) sum += sums[b]!;
        let leftSum = 0;
        let leftCount = 0;
        for (let b = 0; b < count - 1; b++) {
          leftSum += sums[b]!;
          leftCount += counts[b]!;
          const rightCount = n - leftCount;
          if (leftCount === 0 || rightCount === 0) continue;
          const rightSum = sum - leftSum;
          const g = (leftSum * leftSum) / leftCount + (rightSum * rightSum) / rightCount - (sum * sum) / n;
          if (g > best.gain) best = { feature: f, split: b, gain: g, left: leftSum / leftCount, right: rightSum / rightCount };
        }
      }
      if (best.feature < 0) break;
      const { bins } = binned[best.feature]!;
      // The error this shrunk stump removes: gain × (2·rate − rate²) for a least-squares step.
      gain[best.feature]! += best.gain * (2 * rate - rate * rate);
      for (let j = 0; j < n; j++) residual[j]! -= rate * (bins[j]! <= best.split ? best.left : best.right);
    }
  }
  const remaining = residual.reduce((a, r) => a + r * r, 0);
  const gained = gain.reduce((a, b) => a + b, 0);
  const params = features.map((feature, f) => ({
    key: feature.key,
    correlation: correlationOf(feature, rows, y),
    importance: gained > 0 ? gain[f]! / gained : 0,
  }));
  params.sort(
    (a, b) => b.importance - a.importance || Math.abs(b.correlation ?? 0) - Math.abs(a.correlation ?? 0) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  return { params, runs: rows.length, fitted: n, explained: total > 0 ? Math.max(0, 1 - remaining / total) : 0 };
}

/**
 * A feature's values cut into ordered bins over `rows`: numbers by quantiles (each distinct value
 * its own bin when there are few), text by the mean target of each value (so one threshold can
 * separate any two groups of values), missing values in a last bin of their own.
 */
function binFeature(feature: Feature, rows: readonly number[], y: Float64Array, maxBins: number): { bins: Uint16Array; count: number } {
  const n = rows.length;
  const key = new Float64Array(n);
  if (feature.kind === 'number') {
    for (let j = 0; j < n; j++) key[j] = feature.values[rows[j]!]!;
  } else {
    const sum = new Map<number, number>();
    const count = new Map<number, number>();
    for (let j = 0; j < n; j++) {
      const code = feature.codes[rows[j]!]!;
      if (code < 0) continue;
      sum.set(code, (sum.get(code) ?? 0) + y[j]!);
      count.set(code, (count.get(code) ?? 0) + 1);
    }
    for (let j = 0; j < n; j++) {
      const code = feature.codes[rows[j]!]!;
      // Ties of mean broken by code, so the order is deterministic.
      key[j] = code < 0 ? NaN : sum.get(code)! / count.get(code)! + code * 1e-12;
    }
  }
  // Distinct present values in order (a typed array sorts numerically, natively).
  const sorted = key.filter((v) => !Number.isNaN(v)).sort();
  const present: number[] = [];
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) present.push(sorted[i]!);
  const hasMissing = sorted.length < n;
  const valueBins = Math.min(present.length, maxBins - (hasMissing ? 1 : 0));
  // Upper edge of each bin: evenly spaced quantiles of the distinct values.
  const edges = Array.from({ length: valueBins }, (_, b) => present[Math.floor(((b + 1) * present.length) / valueBins) - 1]!);
  const bins = new Uint16Array(n);
  for (let j = 0; j < n; j++) {
    const v = key[j]!;
    if (Number.isNaN(v)) {
      bins[j] = valueBins;
      continue;
    }
    let lo = 0;
    let hi = valueBins - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v <= edges[mid]!) hi = mid;
      else lo = mid + 1;
    }
    bins[j] = lo;
  }
  return { bins, count: valueBins + (hasMissing ? 1 : 0) };
}

function correlationOf(feature: Feature, rows: readonly number[], y: Float64Array): number | undefined {
  if (feature.kind === 'number') {
    let n = 0;
    let sx = 0;
    let sy = 0;
    for (let j = 0; j < rows.length; j++) {
      const x = feature.values[rows[j]!]!;
      if (!Number.isFinite(x)) continue;
      n++;
      sx += x;
      sy += y[j]!;
    }
    if (n < 3) return undefined;
    const mx = sx / n;
    const my = sy / n;
    let cov = 0;
    let vx = 0;
    let vy = 0;
    for (let j = 0; j < rows.length; j++) {
      const x = feature.values[rows[j]!]!;
      if (!Number.isFinite(x)) continue;
      cov += (x - mx) * (y[j]! - my);
      vx += (x - mx) ** 2;
      vy += (y[j]! - my) ** 2;
    }
    return vx > 0 && vy > 0 ? clamp(cov / Math.sqrt(vx * vy)) : undefined;
  }
  // η: the share of the target's spread explained by the group means, square-rooted.
  const sum = new Map<number, number>();
  const count = new Map<number, number>();
  let n = 0;
  let total = 0;
  for (let j = 0; j < rows.length; j++) {
    const code = feature.codes[rows[j]!]!;
    if (code < 0) continue;
    sum.set(code, (sum.get(code) ?? 0) + y[j]!);
    count.set(code, (count.get(code) ?? 0) + 1);
    n++;
    total += y[j]!;
  }
  if (n < 3 || sum.size < 2) return undefined;
  const mean = total / n;
  let spread = 0;
  for (let j = 0; j < rows.length; j++) if (feature.codes[rows[j]!]! >= 0) spread += (y[j]! - mean) ** 2;
  if (!(spread > 0)) return undefined;
  let between = 0;
  for (const [code, s] of sum) between += count.get(code)! * (s / count.get(code)! - mean) ** 2;
  return clamp(Math.sqrt(between / spread));
}

function clamp(r: number): number {
  return Math.max(-1, Math.min(1, r));
}
