/**
 * How a metric reads to people: its label, which way is better (or neither), and how its values and
 * differences are written. Config (`projects.<p>.goal`, then `projects.<p>.metrics`) wins; otherwise
 * the name decides.
 */
import { ownValue } from '../run/keys.ts';
import type { MetricDisplay, ProjectConfig } from '../config.ts';

/** Which way a goal improves. */
export type Direction = 'max' | 'min';

/** Which way a metric improves; `none` for what only describes a run (learning rate, size, epoch). */
export type MetricDirection = Direction | 'none';

/** Words (whole, between `/`, `_`, `-` or `.`) of metrics that are neither better high nor low. */
const DESCRIPTIVE =
  /^(lr|learning_rate|params?|param_count|params_m|n_params|num_params|epochs?|steps?|global_step|time|duration|elapsed|wall_time|timestamp|seed)$/;
/** Parts of names of metrics that are better when smaller. */
const MINIMISED_PART = /loss|error|perplexity|latency/;
const MINIMISED_WORD = /^(err|ppl|mse|mae|rmse|nll|wer|cer)$/;
/** Words of metrics that are better when larger; throughput (`tokens_per_s`) counts: faster is better. */
const MAXIMISED_WORD = /^(acc|accuracy|auc|f1|precision|recall|map|bleu\d*|rouge\w*|r2|iou|miou|dice|top\d+|throughput)$/;

/**
 * Guesses which way a metric improves from its name. The last path segment decides: learning rates,
 * parameter counts, epochs, steps and times describe a run (`none`); losses, errors, perplexity and
 * latency are minimised; accuracy, AUC, F1, precision, recall, mAP, BLEU, ROUGE, R² and throughput
 * maximised; any other name is taken as higher-is-better, as runpages always has.
 *
 * @example guessDirection('val/loss') // 'min'
 * @example guessDirection('train/lr') // 'none'
 */
export function guessDirection(metric: string): MetricDirection {
  const last = (metric.toLowerCase().split('/').pop() ?? '').trim();
  if (DESCRIPTIVE.test(last)) return 'none';
  const words = last.split(/[_\-.\s]+/).filter(Boolean);
  if (MINIMISED_PART.test(last) || words.some((word) => MINIMISED_WORD.test(word))) return 'min';
  if (words.some((word) => MAXIMISED_WORD.test(word)) || /per_s(ec(ond)?)?$/.test(last)) return 'max';
  if (words.some((word) => DESCRIPTIVE.test(word))) return 'none';
  return 'max';
}

/** A metric's presentation, resolved once from config and name. */
export interface MetricFormat {
  name: string;
  /** Label for tables, e.g. "Validation accuracy". */
  label: string;
  /** Which way is better; `none` gets no better/worse verdict anywhere. */
  direction: MetricDirection;
  format: 'number' | 'percent' | 'integer' | 'duration';
  unit: string | undefined;
  digits: number | undefined;
}

/** Resolves how `metric` is shown for a project: config first, then guesses from its name. */
export function metricFormat(metric: string, project?: ProjectConfig): MetricFormat {
  const display: MetricDisplay = ownValue(project?.metrics, metric) ?? {};
  const goal = project?.goal;
  return {
    name: metric,
    label: display.label ?? metric,
    direction: goal?.metric === metric ? goal.direction : (display.direction ?? guessDirection(metric)),
    format: display.format ?? 'number',
    unit: display.unit ?? systemUnit(metric),
    digits: display.digits,
  };
}

/** System series (src/record/system.ts) say their unit in their name: `system/cpu_percent` is in %, `system/memory_mb` in MB. */
function systemUnit(metric: string): string | undefined {
  if (!metric.startsWith('system/')) return undefined;
  if (metric.endsWith('_percent')) return '%';
  if (metric.endsWith('_mb')) return 'MB';
  return undefined;
}

/** Rounds to `digits` decimals, or to 4 significant digits when unset, without trailing zeros noise. */
function plain(value: number, digits: number | undefined): string {
  if (digits !== undefined) return value.toFixed(digits);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-4) return value.toExponential(2);
  if (abs >= 1000) return String(Math.round(value));
  return String(Number(value.toPrecision(4)));
}

function duration(seconds: number): string {
  const s = Math.round(Math.abs(seconds));
  const sign = seconds < 0 ? '-' : '';
  if (s < 60) return `${sign}${s} s`;
  if (s < 3600) return `${sign}${Math.floor(s / 60)} min ${s % 60} s`;
  return `${sign}${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/**
 * Writes a value the way the project wants it read.
 * @example formatValue(0.941, { format: 'percent', ... }) // '94.1 %'
 */
export function formatValue(value: number | undefined, format: MetricFormat): string {
  if (value === undefined) return '–';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  const unit = format.unit ? ` ${format.unit}` : '';
  switch (format.format) {
    case 'percent':
      return `${(value * 100).toFixed(format.digits ?? 1)} %`;
    case 'integer':
      return `${Math.round(value)}${unit}`;
    case 'duration':
      return duration(value);
    default:
      return `${plain(value, format.digits)}${unit}`;
  }
}

/**
 * The same text with each number tied to the unit after it by a non-breaking space, so a narrow
 * column never wraps "96.7 %" before the "%". For HTML; terminals keep plain spaces.
 * @example keepUnits('96.7 %') // '96.7\u00a0%'
 */
export function keepUnits(text: string): string {
  return text.replace(/(\d) (?=[^\s\d(±+-])/g, '$1\u00a0');
}

/**
 * Writes the size of a difference, without sign: percent metrics differ by "points".
 * @example formatDifference(0.009, percentFormat) // '0.9 points'
 */
export function formatDifference(difference: number, format: MetricFormat): string {
  const size = Math.abs(difference);
  if (format.format === 'percent') {
    const points = (size * 100).toFixed(format.digits ?? 1);
    return `${points} ${points === '1.0' || points === '1' ? 'point' : 'points'}`;
  }
  return formatValue(size, format);
}

/** Writes a signed difference for tables: "+0.9 pt", "-0.013". */
export function formatDelta(difference: number, format: MetricFormat): string {
  if (!Number.isFinite(difference)) return formatValue(difference, format);
  const sign = difference > 0 ? '+' : difference < 0 ? '-' : '±';
  if (format.format === 'percent') return `${sign}${(Math.abs(difference) * 100).toFixed(format.digits ?? 1)} pt`;
  return `${sign}${formatValue(Math.abs(difference), format)}`;
}

/** Writes a relative change: "+3.5 %". */
export function formatRelative(relative: number | undefined): string {
  if (relative === undefined || !Number.isFinite(relative)) return '';
  const sign = relative > 0 ? '+' : relative < 0 ? '-' : '±';
  return `${sign}${(Math.abs(relative) * 100).toFixed(1)} %`;
}

/**
 * A label inside a sentence: "Validation accuracy" becomes "validation accuracy", "F1" stays "F1".
 * @example `Best ${sentenceLabel(format.label)} so far`
 */
export function sentenceLabel(label: string): string {
  return /^[A-Z][a-z]/.test(label) ? `${label[0]?.toLowerCase()}${label.slice(1)}` : label;
}

/** True when `a` is better than `b` in `direction` (never for `none`). */
export function isBetter(a: number, b: number, direction: MetricDirection): boolean {
  if (direction === 'none') return false;
  return direction === 'max' ? a > b : a < b;
}
