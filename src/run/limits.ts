/**
 * Limits of the stored run format, apart from its zod schema (schema.ts) so that code which runs in
 * the browser (downsampling for charts) can use them without bundling zod. This is the one place the
 * bounds on run input live: a run over any of them is refused with a message naming the file, the
 * limit and the value, and the build and every command go on without it. They sit far above what
 * the recorder writes (run.yaml is a few KB, series.json keeps 1,000 points a series), so only a
 * broken or hostile file meets them.
 */

/** Maximum points per series kept on the branch. */
export const MAX_STORED_POINTS = 1000;

/** run.yaml larger than this is not parsed (the recorder writes a few KB; notes and tails are capped). */
export const MAX_RUN_YAML_BYTES = 4 * 1024 * 1024;
/** series.json larger than this is not parsed (1,000 points a series is about 30 KB). */
export const MAX_SERIES_JSON_BYTES = 32 * 1024 * 1024;
/** Series in one series.json. */
export const MAX_SERIES_PER_RUN = 2000;
/** Points in one series of series.json (the writer keeps {@link MAX_STORED_POINTS}; imports may keep more). */
export const MAX_POINTS_PER_SERIES = 100_000;
/** Aliases a YAML file may expand (`*name`): a "billion laughs" file expands 9^9 of them. */
export const MAX_YAML_ALIASES = 100;
/**
 * Nesting of mappings and lists in run.yaml (params nest; 600 levels is far beyond any config). The
 * YAML library itself gives up somewhat below 1,000 levels; this limit is what a reader is told.
 */
export const MAX_NESTING_DEPTH = 600;
/** Keys, list items and values in one run.yaml, all levels counted. */
export const MAX_VALUES = 200_000;
/** Characters of one key (param names, metric and series names). */
export const MAX_KEY_LENGTH = 1000;
/** Characters of one string value (notes and output tails included). */
export const MAX_STRING_LENGTH = 1_000_000;

/** A value over one of the limits: where, which limit, and the value found. */
export interface LimitBreach {
  /** Dotted path of the field, empty for the whole file. */
  field: string;
  message: string;
}

/** `4 MB`, `51.3 MB`, `812 bytes`: sizes for messages. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

/** The breach when a file of `bytes` is over `limit`, else undefined. */
export function fileSizeBreach(bytes: number, limit: number): LimitBreach | undefined {
  if (bytes <= limit) return undefined;
  return { field: '', message: `is ${formatBytes(bytes)}, over the limit of ${formatBytes(limit)}, so it is not read` };
}

/**
 * The first value of parsed YAML data (a run record) over the nesting, size, key or string limits,
 * found without recursion (a million keys or levels must not overflow the stack).
 */
export function dataBreach(data: unknown): LimitBreach | undefined {
  // Paths are built only for the value at fault: building one per value would cost depth x values.
  interface Entry {
    value: unknown;
    key: string;
    parent: Entry | undefined;
    depth: number;
  }
  const pathOf = (entry: Entry | undefined): string => {
    const keys: string[] = [];
    for (let at = entry; at?.parent; at = at.parent) keys.push(at.key);
    return shorten(keys.reverse().join('.'));
  };
  const stack: Entry[] = [{ value: data, key: '', parent: undefined, depth: 0 }];
  let values = 0;
  while (stack.length > 0) {
    const entry = stack.pop() as Entry;
    const { value, depth } = entry;
    values += 1;
    if (values > MAX_VALUES) return { field: '', message: `holds more than ${count(MAX_VALUES)} keys and values, the limit` };
    if (typeof value === 'string') {
      if (value.length > MAX_STRING_LENGTH)
        return { field: pathOf(entry), message: `is ${count(value.length)} characters long, over the limit of ${count(MAX_STRING_LENGTH)}` };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_NESTING_DEPTH) return { field: pathOf(entry), message: `nests deeper than ${count(MAX_NESTING_DEPTH)} levels, the limit` };
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push({ value: value[i], key: String(i), parent: entry, depth: depth + 1 });
      continue;
    }
    for (const key of Object.keys(value)) {
      if (key.length > MAX_KEY_LENGTH)
        return { field: pathOf(entry), message: `has a key of ${count(key.length)} characters, over the limit of ${count(MAX_KEY_LENGTH)}` };
      stack.push({ value: (value as Record<string, unknown>)[key], key, parent: entry, depth: depth + 1 });
    }
  }
  return undefined;
}

/** The first series of parsed series.json data over the count, points or name limits. */
export function seriesBreach(data: unknown): LimitBreach | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  const series = (data as { series?: unknown }).series;
  if (series === null || typeof series !== 'object') return undefined;
  const names = Object.keys(series);
  if (names.length > MAX_SERIES_PER_RUN) {
    return { field: 'series', message: `holds ${count(names.length)} series, over the limit of ${count(MAX_SERIES_PER_RUN)} a run` };
  }
  for (const name of names) {
    if (name.length > MAX_KEY_LENGTH) {
      return { field: 'series', message: `has a series name of ${count(name.length)} characters, over the limit of ${count(MAX_KEY_LENGTH)}` };
    }
    const step = ((series as Record<string, unknown>)[name] as { step?: unknown } | null)?.step;
    if (Array.isArray(step) && step.length > MAX_POINTS_PER_SERIES) {
      return { field: `series.${name}`, message: `holds ${count(step.length)} points, over the limit of ${count(MAX_POINTS_PER_SERIES)} a series` };
    }
  }
  return undefined;
}

/** Field paths of deep data can be as long as the data: keep the start and the end. */
function shorten(path: string): string {
  return path.length > 120 ? `${path.slice(0, 60)}...${path.slice(-57)}` : path;
}

/** 1,000,000: counts for messages, the same on every machine. */
function count(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

// Media (docs/design.md#media). A medium over one of these is left out of its run with a warning
// (the run is still published); the clients check the same bounds before writing.

/** media.jsonl larger than this is not read. */
export const MAX_MEDIA_JSONL_BYTES = 16 * 1024 * 1024;
/** Media (lines of media.jsonl) kept in one run. */
export const MAX_MEDIA_PER_RUN = 10_000;
/** One image file (the original, in the object store). */
export const MAX_MEDIA_FILE_BYTES = 64 * 1024 * 1024;
/** One structured medium's JSON file (confusion matrix, curve, histogram, table). */
export const MAX_MEDIA_DATA_BYTES = 2 * 1024 * 1024;
/** One text medium. */
export const MAX_MEDIA_TEXT_BYTES = 256 * 1024;
/** Characters of a media key and of a caption. */
export const MAX_MEDIA_KEY_LENGTH = 200;
export const MAX_MEDIA_CAPTION_LENGTH = 1000;
/** Pixels of one side of an image, and of the whole image. */
export const MAX_IMAGE_SIDE = 16_384;
export const MAX_IMAGE_PIXELS = 40_000_000;
/**
 * Decompression bombs: an image over {@link BOMB_MIN_PIXELS} whose decoded size (4 bytes a pixel)
 * is more than this many times its file is refused. Below that many pixels any ratio is harmless.
 */
export const MAX_DECOMPRESSION_RATIO = 1000;
export const BOMB_MIN_PIXELS = 4_000_000;
/** Labels of a confusion matrix, points of a curve, bins of a histogram, columns and rows of a table. */
export const MAX_CONFUSION_LABELS = 256;
export const MAX_CURVE_POINTS = 10_000;
export const MAX_HISTOGRAM_BINS = 1000;
export const MAX_TABLE_COLUMNS = 64;
export const MAX_TABLE_ROWS = 10_000;
/** A display copy on the branch, and all of one run's (structured data included). */
export const MAX_DISPLAY_FILE_BYTES = 1024 * 1024;
export const MEDIA_BRANCH_BUDGET = 2 * 1024 * 1024;
/** media.json on the branch larger than this is not read. */
export const MAX_MEDIA_MANIFEST_BYTES = 8 * 1024 * 1024;
/** Default of `site.mediaBudget`, in megabytes: media copied into one site. */
export const DEFAULT_SITE_MEDIA_BUDGET_MB = 300;
