/**
 * The numbers behind structured media, computed from predictions the way scikit-learn does
 * (`roc_curve`, `precision_recall_curve`, `average_precision_score`, `confusion_matrix`,
 * `numpy.histogram`), so a run logged from TypeScript and one logged from Python agree. The Python
 * client (clients/python/src/runpages/_media.py) implements the same steps.
 */
import type { ConfusionData, CurveData, HistogramData } from './media.ts';

/** Points a computed curve keeps (thinned evenly, the ends kept); AUC and AP use all of them. */
export const CURVE_POINTS_KEPT = 1000;

/**
 * ROC curve (x: false positive rate, y: true positive rate) and its area, from 0/1 labels and scores.
 *
 * @example rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]).auc // 0.75
 */
export function rocCurve(yTrue: readonly (number | boolean)[], yScore: readonly number[]): CurveData {
  const { tps, fps } = thresholdCounts(yTrue, yScore);
  const positives = tps.at(-1) ?? 0;
  const negatives = fps.at(-1) ?? 0;
  if (positives === 0 || negatives === 0) throw new RangeError('a ROC curve needs both positive and negative examples');
  const x = [0, ...fps.map((fp) => fp / negatives)];
  const y = [0, ...tps.map((tp) => tp / positives)];
  let auc = 0;
  for (let i = 1; i < x.length; i++) auc += (((x[i] as number) - (x[i - 1] as number)) * ((y[i] as number) + (y[i - 1] as number))) / 2;
  return { curve: 'roc', ...thin(x, y), x_label: 'false positive rate', y_label: 'true positive rate', auc: round(auc) };
}

/**
 * Precision-recall curve (x: recall, y: precision) and its average precision, from 0/1 labels and scores.
 *
 * @example prCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]).ap // 0.8333
 */
export function prCurve(yTrue: readonly (number | boolean)[], yScore: readonly number[]): CurveData {
  const { tps, fps } = thresholdCounts(yTrue, yScore);
  const positives = tps.at(-1) ?? 0;
  if (positives === 0) throw new RangeError('a precision-recall curve needs positive examples');
  const recall = tps.map((tp) => tp / positives);
  const precision = tps.map((tp, i) => tp / (tp + (fps[i] as number)));
  let ap = 0;
  let previous = 0;
  for (let i = 0; i < recall.length; i++) {
    ap += ((recall[i] as number) - previous) * (precision[i] as number);
    previous = recall[i] as number;
  }
  return { curve: 'pr', ...thin([0, ...recall], [1, ...precision]), x_label: 'recall', y_label: 'precision', ap: round(ap) };
}

/** Counts of a confusion matrix from true and predicted labels; `labels` fixes the order (default: sorted). */
export function confusionFrom(
  yTrue: readonly (string | number | boolean)[],
  yPred: readonly (string | number | boolean)[],
  labels?: readonly string[],
): ConfusionData {
  if (yTrue.length !== yPred.length) throw new RangeError(`y_true has ${yTrue.length} values and y_pred ${yPred.length}`);
  const names = labels ? [...labels] : [...new Set([...yTrue, ...yPred].map(String))].sort(naturalCompare);
  const index = new Map(names.map((name, i) => [name, i]));
  const matrix = names.map(() => names.map(() => 0));
  for (let i = 0; i < yTrue.length; i++) {
    const row = index.get(String(yTrue[i]));
    const column = index.get(String(yPred[i]));
    if (row !== undefined && column !== undefined) (matrix[row] as number[])[column] = ((matrix[row] as number[])[column] as number) + 1;
  }
  return { labels: names, matrix };
}

/** A histogram of `values` in `bins` equal bins between their minimum and maximum (numpy's rule). */
export function histogramOf(values: readonly number[], bins = 30): HistogramData {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) throw new RangeError('a histogram needs at least one finite value');
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => round(lo + i * width));
  const counts = new Array<number>(bins).fill(0);
  for (const value of finite) counts[Math.min(bins - 1, Math.floor((value - lo) / width))]! += 1;
  return { bins: edges, counts };
}

/** Cumulative true and false positives at each distinct score, highest first. */
function thresholdCounts(yTrue: readonly (number | boolean)[], yScore: readonly number[]): { tps: number[]; fps: number[] } {
  if (yTrue.length !== yScore.length) throw new RangeError(`y_true has ${yTrue.length} values and y_score ${yScore.length}`);
  const order = yScore.map((_, i) => i).sort((a, b) => (yScore[b] as number) - (yScore[a] as number) || a - b);
  const tps: number[] = [];
  const fps: number[] = [];
  let tp = 0;
  let fp = 0;
  order.forEach((i, n) => {
    if (Number(yTrue[i]) > 0) tp += 1;
    else fp += 1;
    const next = order[n + 1];
    if (next === undefined || yScore[next] !== yScore[i]) {
      tps.push(tp);
      fps.push(fp);
    }
  });
  return { tps, fps };
}

function thin(x: number[], y: number[]): { x: number[]; y: number[] } {
  if (x.length <= CURVE_POINTS_KEPT) return { x: x.map(round), y: y.map(round) };
  const keep = Array.from({ length: CURVE_POINTS_KEPT }, (_, i) => Math.round((i * (x.length - 1)) / (CURVE_POINTS_KEPT - 1)));
  return { x: keep.map((i) => round(x[i] as number)), y: keep.map((i) => round(y[i] as number)) };
}

/** Six significant decimals: enough for any chart, and the same in TypeScript and Python. */
function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function naturalCompare(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}
