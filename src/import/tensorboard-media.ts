/**
 * TensorBoard's non-scalar summaries as runpages media (docs/design.md#media): images (legacy
 * `Summary.Value.image`, and the TF2 `images` plugin's string tensor: width, height, then encoded
 * images), histograms (legacy `HistogramProto`, and the `histograms` plugin's [k, 3] tensor of left
 * edge, right edge, count), text (the `text` plugin's string tensor) and PR curves (the `pr_curves`
 * plugin's [6, thresholds] tensor: TP, FP, TN, FN, precision, recall; plugins/pr_curve/metadata.py).
 *
 * Pure: values go in as the event reader decodes them, media and the reasons for what is left out
 * come out. A tag's plugin is named only on its first value, so plugins are remembered by tag.
 * Like TensorBoard itself, which keeps a sample of each tag's steps, a tag with many steps keeps an
 * even spread of them (first and last included), so a long run stays within the media limits.
 */
import type { DecodedTensor, SummaryItem } from './event.ts';
import { tensorNumbers } from './event.ts';
import type { ImportedMedium } from './imported-run.ts';
import { MAX_HISTOGRAM_BINS } from '../run/limits.ts';

/** Steps kept of one tag, by kind: a slider's worth of images, a distribution's worth of histograms. */
export const STEPS_KEPT: Record<ImportedMedium['kind'], number> = {
  image: 50,
  histogram: 200,
  text: 50,
  curve: 50,
  confusion_matrix: 50,
  table: 50,
};

const DT_STRING = 7;
const PR_ROWS = 6;
const PRECISION_ROW = 4;
const RECALL_ROW = 5;

interface Logged {
  /** The summary tag (images of one tag share a key; thinning goes by tag). */
  tag: string;
  medium: ImportedMedium;
}

/**
 * Collects the media of one run, value by value.
 *
 * @example
 * const media = new TensorBoardMedia();
 * for (const item of event.items) media.add(item, event.step, event.wallTime);
 * run.media = media.media(); run.warnings.push(...media.warnings(folder));
 */
export class TensorBoardMedia {
  readonly #plugins = new Map<string, string>();
  readonly #logged: Logged[] = [];
  /** What is left out, by reason: how many values and of which tags. */
  readonly #leftOut = new Map<string, { count: number; tags: Set<string> }>();

  add(item: SummaryItem, step: number, wallTime: number): void {
    if (item.plugin) this.#plugins.set(item.tag, item.plugin);
    const converted = convert(item, item.plugin ?? this.#plugins.get(item.tag));
    if (typeof converted === 'string') this.#leave(item.tag, converted);
    else for (const medium of converted) this.#logged.push({ tag: item.tag, medium: { ...medium, step, ...(wallTime > 0 ? { time: wallTime } : {}) } });
  }

  /** The media kept, in the order logged, each tag thinned to an even spread of its steps. */
  media(): ImportedMedium[] {
    const stepsOf = new Map<string, Set<number | undefined>>();
    const keyOf = ({ tag, medium }: Logged): string => `${medium.kind}\0${tag}`;
    for (const logged of this.#logged) {
      const key = keyOf(logged);
      stepsOf.set(key, (stepsOf.get(key) ?? new Set()).add(logged.medium.step));
    }
    const keptOf = new Map<string, Set<number | undefined>>();
    for (const [key, set] of stepsOf) {
      const kind = key.slice(0, key.indexOf('\0')) as ImportedMedium['kind'];
      const keep = STEPS_KEPT[kind];
      const steps = [...set];
      if (steps.length <= keep) continue;
      keptOf.set(key, new Set(Array.from({ length: keep }, (_, i) => steps[Math.round((i * (steps.length - 1)) / (keep - 1))])));
      this.#leave(
        key.slice(key.indexOf('\0') + 1),
        `${kind} steps past the ${keep} kept a tag (an even spread of its steps, the last included)`,
        steps.length - keep,
      );
    }
    return this.#logged.filter((logged) => keptOf.get(keyOf(logged))?.has(logged.medium.step) ?? true).map(({ medium }) => medium);
  }

  /** One warning per reason, with the count and the tags. Call after {@link media}. */
  warnings(source: string): string[] {
    return [...this.#leftOut].map(([reason, { count, tags }]) => {
      const names = [...tags].sort();
      const shown = names
        .slice(0, 5)
        .map((tag) => JSON.stringify(tag))
        .join(', ');
      return `${source}: left out ${count} ${reason}; tag${names.length === 1 ? '' : 's'} ${shown}${names.length > 5 ? ` and ${names.length - 5} more` : ''}`;
    });
  }

  #leave(tag: string, reason: string, count = 1): void {
    const entry = this.#leftOut.get(reason) ?? { count: 0, tags: new Set<string>() };
    this.#leftOut.set(reason, entry);
    entry.count += count;
    entry.tags.add(tag);
  }
}

type Unplaced = Omit<ImportedMedium, 'step' | 'time'>;

/** The media of one value, or why it is left out. */
function convert(item: SummaryItem, plugin: string | undefined): Unplaced[] | string {
  if (item.other === 'audio') return 'audio values (runpages has no audio media)';
  if (item.other) return 'old-style histogram values (an obsolete encoding)';
  if (item.image) {
    if (item.image.encoded.length === 0) return 'image values without image bytes';
    return [{ key: item.tag, kind: 'image', content: { data: item.image.encoded }, ext: imageExtension(item.image.encoded) }];
  }
  if (item.histogram) {
    const histogram = legacyHistogram(item.histogram);
    return histogram ? [json(item.tag, 'histogram', histogram)] : 'empty histograms (no buckets)';
  }
  const tensor = item.tensor;
  if (!tensor) return 'values with no data';
  switch (plugin) {
    case 'images': {
      if (tensor.dtype !== DT_STRING || tensor.strings.length < 2) return 'images tensors that are not [width, height, image...] strings';
      const images = tensor.strings.slice(2).filter((bytes) => bytes.length > 0);
      if (images.length === 0) return 'images tensors holding no image';
      return images.map((bytes, index) => ({
        key: item.tag,
        kind: 'image',
        ...(images.length > 1 ? { caption: `sample ${index + 1} of ${images.length}` } : {}),
        content: { data: bytes },
        ext: imageExtension(bytes),
      }));
    }
    case 'histograms': {
      const histogram = tensorHistogram(tensor);
      if (histogram === 'empty') return 'empty histograms (no buckets)';
      return histogram ? [json(item.tag, 'histogram', histogram)] : 'histograms tensors that are not [k, 3] numbers';
    }
    case 'text': {
      const text = tensorText(tensor);
      return text === undefined
        ? 'text tensors that are not UTF-8 strings'
        : [{ key: item.tag, kind: 'text', content: { data: new TextEncoder().encode(text) }, ext: 'txt' }];
    }
    case 'pr_curves': {
      const curve = prCurve(tensor);
      return curve ? [json(item.tag, 'curve', curve)] : 'pr_curves tensors that are not [6, thresholds] numbers';
    }
    case undefined:
    case '':
    case 'scalars':
      return 'tensors of no plugin that are not single numbers';
    default:
      return `values of the "${plugin}" plugin (runpages imports scalars, hparams, images, histograms, text and PR curves)`;
  }
}

function json(key: string, kind: 'histogram' | 'curve', data: object): Unplaced {
  return { key, kind, content: { data: new TextEncoder().encode(JSON.stringify(data)) }, ext: 'json' };
}

/** `png`, `jpg`, `gif` or `webp` from the magic bytes; `bin` for anything else (the commit path refuses it, naming why). */
export function imageExtension(bytes: Uint8Array): string {
  const starts = (...magic: number[]): boolean => magic.every((byte, i) => bytes[i] === byte);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'png';
  if (starts(0xff, 0xd8, 0xff)) return 'jpg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'webp';
  return 'bin';
}

interface Histogram {
  bins: number[];
  counts: number[];
}

/**
 * A HistogramProto as edges and counts. Bucket i covers bucket_limit(i-1)..bucket_limit(i), the
 * first from -DBL_MAX: as TensorBoard's own data_compat does, the outer edges are the data's min and
 * max, so no edge is ±DBL_MAX. Empty buckets that TF leaves out make some edges meet; they are kept
 * non-decreasing.
 */
function legacyHistogram(histo: NonNullable<SummaryItem['histogram']>): Histogram | undefined {
  const n = Math.min(histo.limits.length, histo.counts.length);
  if (n === 0) return undefined;
  const edges = [histo.min, ...histo.limits.slice(0, n - 1), histo.max];
  return rebin(nonDecreasing(edges), histo.counts.slice(0, n));
}

/** The histograms plugin's [k, 3] tensor (left edge, right edge, count) as edges and counts. */
function tensorHistogram(tensor: DecodedTensor): Histogram | 'empty' | undefined {
  if (tensor.shape.length !== 2 || tensor.shape[1] !== 3) return undefined;
  if (tensor.shape[0] === 0) return 'empty';
  const values = tensorNumbers(tensor);
  if (!values) return undefined;
  const k = tensor.shape[0] as number;
  const edges = [values[0] as number];
  const counts: number[] = [];
  for (let i = 0; i < k; i++) {
    edges.push(values[i * 3 + 1] as number);
    counts.push(values[i * 3 + 2] as number);
  }
  return rebin(nonDecreasing(edges), counts);
}

function nonDecreasing(edges: number[]): number[] {
  for (let i = 1; i < edges.length; i++) if ((edges[i] as number) < (edges[i - 1] as number)) edges[i] = edges[i - 1] as number;
  return edges;
}

/** Adjacent buckets merged so that at most {@link MAX_HISTOGRAM_BINS} remain. */
function rebin(edges: number[], counts: number[]): Histogram {
  if (counts.length <= MAX_HISTOGRAM_BINS) return { bins: edges, counts };
  const group = Math.ceil(counts.length / MAX_HISTOGRAM_BINS);
  const bins = [edges[0] as number];
  const merged: number[] = [];
  for (let i = 0; i < counts.length; i += group) {
    const end = Math.min(i + group, counts.length);
    merged.push(counts.slice(i, end).reduce((sum, count) => sum + count, 0));
    bins.push(edges[end] as number);
  }
  return { bins, counts: merged };
}

/** A text tensor: one string, lines of a list, or tab-separated rows of a table (TensorBoard shows it as a table). */
function tensorText(tensor: DecodedTensor): string | undefined {
  if (tensor.dtype !== DT_STRING) return undefined;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let cells: string[];
  try {
    cells = tensor.strings.map((bytes) => decoder.decode(bytes));
  } catch {
    return undefined;
  }
  if (tensor.shape.length === 2) {
    const columns = tensor.shape[1] as number;
    const rows: string[] = [];
    for (let i = 0; columns > 0 && i < cells.length; i += columns) rows.push(cells.slice(i, i + columns).join('\t'));
    return rows.join('\n');
  }
  return cells.join('\n');
}

/** The pr_curves tensor as a PR curve: x = recall, y = precision, one point a threshold. */
function prCurve(tensor: DecodedTensor): { curve: 'pr'; x: number[]; y: number[]; x_label: string; y_label: string } | undefined {
  if (tensor.shape.length !== 2 || tensor.shape[0] !== PR_ROWS || !tensor.shape[1]) return undefined;
  const values = tensorNumbers(tensor);
  if (!values || values.some((value) => !Number.isFinite(value))) return undefined;
  const n = tensor.shape[1];
  return {
    curve: 'pr',
    x: values.slice(RECALL_ROW * n, (RECALL_ROW + 1) * n),
    y: values.slice(PRECISION_ROW * n, (PRECISION_ROW + 1) * n),
    x_label: 'recall',
    y_label: 'precision',
  };
}
