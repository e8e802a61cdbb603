/**
 * Display formatting shared by every page: numbers, metrics, durations, dates, sizes. Pure and
 * locale-fixed (en-US, UTC) so the same runs build the same bytes on any machine.
 */
import type { MetricDisplay } from '../config.ts';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
/** Formatters by fraction digits: making one costs ~0.1 ms, and a 10k-run build formats ~1M numbers. */
const fixedFormats = new Map<number, Intl.NumberFormat>();

/**
 * A number for display: integers with thousands separators, other values with 4 significant
 * digits, very large or small magnitudes in exponent form; NaN and infinities spelled out.
 *
 * @example formatNumber(0.934512) // "0.9345"; formatNumber(12345) // "12,345"
 */
export function formatNumber(value: number, digits?: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '∞';
  if (value === -Infinity) return '−∞';
  if (digits !== undefined) return fixed(value, digits);
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return minus(integer.format(value));
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-4 || magnitude >= 1e9)) return minus(value.toExponential(2).replace('e+', 'e'));
  if (magnitude >= 1000) return minus(oneDecimal.format(value));
  return minus(String(Number(value.toPrecision(4))));
}

function fixed(value: number, digits: number): string {
  let format = fixedFormats.get(digits);
  if (!format) {
    format = new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
    fixedFormats.set(digits, format);
  }
  return minus(format.format(value));
}

/** Typographic minus sign, so negative numbers align with positive ones in tabular columns. */
function minus(text: string): string {
  return text.startsWith('-') ? `−${text.slice(1)}` : text;
}

/**
 * A metric value honouring the project's display config (`percent`, `integer`, `duration`, digits, unit).
 *
 * @example formatMetric(0.9341, { format: 'percent', digits: 1 }) // "93.4 %"
 */
export function formatMetric(value: number | undefined, display: MetricDisplay = {}): string {
  if (value === undefined) return '–';
  if (!Number.isFinite(value)) return formatNumber(value);
  let text: string;
  switch (display.format) {
    case 'percent':
      text = `${fixed(value * 100, display.digits ?? 1)} %`;
      break;
    case 'integer':
      text = minus(integer.format(Math.round(value)));
      break;
    case 'duration':
      text = formatDuration(value);
      break;
    default:
      text = formatNumber(value, display.digits);
  }
  return display.unit ? `${text} ${display.unit}` : text;
}

/** A metric's human label from config, else its key. */
export function metricLabel(key: string, display: MetricDisplay | undefined): string {
  return display?.label ?? key;
}

/**
 * A duration in seconds as the two largest units.
 *
 * @example formatDuration(3725) // "1h 02m"; formatDuration(42.4) // "42s"
 */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  const s = Math.round(seconds);
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const secs = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (days > 0) return `${days}d ${pad(hours)}h`;
  if (hours > 0) return `${hours}h ${pad(minutes)}m`;
  if (minutes > 0) return `${minutes}m ${pad(secs)}s`;
  return `${secs}s`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A timestamp as a readable UTC date and time.
 *
 * @example formatDateTime('2026-11-23T14:05:09Z') // "23 Nov 2026, 14:05 UTC"
 */
export function formatDateTime(iso: string | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const hh = String(date.getUTCHours()).padStart(2, '0');
  const mm = String(date.getUTCMinutes()).padStart(2, '0');
  return `${formatDate(iso)}, ${hh}:${mm} UTC`;
}

/** A timestamp as a UTC date, e.g. "23 Nov 2026". */
export function formatDate(iso: string | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

/**
 * Time between `iso` and `now` in words; `now` is passed in (the build's clock) to keep output reproducible.
 *
 * @example formatRelative('2026-11-20T00:00:00Z', new Date('2026-11-23T00:00:00Z')) // "3 days ago"
 */
export function formatRelative(iso: string, now: Date): string {
  const seconds = (now.getTime() - new Date(iso).getTime()) / 1000;
  if (Number.isNaN(seconds)) return iso;
  const future = seconds < 0;
  const abs = Math.abs(seconds);
  const units: [number, string][] = [
    [365 * 86400, 'year'],
    [30 * 86400, 'month'],
    [7 * 86400, 'week'],
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (abs >= size) {
      const n = Math.floor(abs / size);
      const text = `${n} ${name}${n === 1 ? '' : 's'}`;
      return future ? `in ${text}` : `${text} ago`;
    }
  }
  return 'just now';
}

/**
 * A byte count with a binary unit.
 *
 * @example formatBytes(1536) // "1.5 KiB"
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/**
 * A signed change, absolute and relative, e.g. "+0.012 (+1.3 %)".
 */
export function formatDelta(value: number, baseline: number, display: MetricDisplay = {}): string {
  const diff = value - baseline;
  const sign = diff > 0 ? '+' : diff < 0 ? '−' : '±';
  const abs = formatMetric(Math.abs(diff), display);
  if (baseline === 0 || !Number.isFinite(baseline)) return `${sign}${abs}`;
  const rel = (diff / Math.abs(baseline)) * 100;
  return `${sign}${abs} (${sign}${Math.abs(rel).toFixed(1)} %)`;
}

/** A count with its noun, pluralised: `plural(1, 'run')` → "1 run", `plural(1200, 'run')` → "1,200 runs". */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${integer.format(count)} ${count === 1 ? noun : pluralNoun}`;
}

/** The first `length` characters of a commit hash or id. */
export function shortId(id: string, length = 8): string {
  return id.length > length ? id.slice(0, length) : id;
}
