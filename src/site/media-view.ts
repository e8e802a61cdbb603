/**
 * What a run page shows of a run's media (docs/design.md#media), prepared by the build
 * (media-build.ts) and read by the pages through the site data: image groups with their site paths,
 * structured media already drawn to SVG, tables and texts as data. Plain data, no I/O.
 */
import type { ConfusionData, CurveData, MediaKind, TableCell } from '../run/media.ts';

export interface MediaImageItem {
  step?: number;
  caption?: string;
  /** Site path of the verified copy (`media/<sha256>.<ext>`, relative to the base). */
  src?: string;
  /** The original through the store's `publicUrl`, when there is no copy on the site. */
  href?: string;
  /** Why the image is not shown. */
  missing?: string;
  width?: number;
  height?: number;
  /** sha256 of the original (a table cell refers to it). */
  sha256: string;
}

export interface MediaChartItem {
  step?: number;
  caption?: string;
  /** Build-time SVG (counts, or the curve); never user-supplied markup. */
  svg?: string;
  /** Confusion matrices: the matrix normalised by true class. */
  normalized?: string;
  auc?: number;
  ap?: number;
  /** The data drawn, for comparisons (a difference of two matrices, curves of several runs overlaid). */
  confusion?: ConfusionData;
  curve?: CurveData;
  missing?: string;
}

export interface MediaTableItem {
  step?: number;
  caption?: string;
  columns: string[];
  /** Rows as logged, at most {@link MAX_PAGE_TABLE_ROWS}. */
  rows: TableCell[][];
  totalRows: number;
  /** Columns compared to mark mispredictions. */
  verdict?: { label: number; prediction: number };
  /** Site paths of the images the cells refer to, by their sha256 (absent: not on the site). */
  images: Record<string, string>;
  missing?: string;
}

export interface MediaTextItem {
  step?: number;
  caption?: string;
  text?: string;
  missing?: string;
}

export type MediaGroup =
  | {
      kind: 'image';
      key: string;
      items: MediaImageItem[];
      /** The images of a table's cells (`<table key>/images`, as the clients log them): shown folded. */
      cells?: boolean;
    }
  | { kind: 'confusion_matrix' | 'curve'; key: string; items: MediaChartItem[] }
  | { kind: 'histogram'; key: string; svg?: string; steps: number; missing?: string }
  | { kind: 'table'; key: string; items: MediaTableItem[] }
  | { kind: 'text'; key: string; items: MediaTextItem[] };

export interface RunMediaView {
  groups: MediaGroup[];
  /** Earlier steps left off the page, by `<kind>\0<key>`, beyond {@link MAX_PAGE_STEPS}. */
  olderSteps?: Record<string, number>;
  /** Changes whenever what the page shows of the media does (part of the page key). */
  key: string;
}

/** A medium the site leaves out, for the build report. */
export interface MediaLeftOut {
  runId: string;
  /** The run's folder on the branch. */
  folder: string;
  key?: string;
  kind?: MediaKind;
  step?: number;
  reason: string;
}

/**
 * Steps of one key a run page holds, newest kept, per kind: a page stays a page even for a job that
 * logged a table or a long text at every one of 1,000 steps.
 */
export const MAX_PAGE_STEPS: Record<MediaKind, number> = { image: 100, confusion_matrix: 50, curve: 50, histogram: 200, table: 5, text: 20 };

/** Rows of one table put in its page (the rest are counted). */
export const MAX_PAGE_TABLE_ROWS = 2000;
/** Rows the page shows before paging. */
export const TABLE_PAGE_ROWS = 25;

/** Steps of an item for a slider label: `step 3`, or `run` for a medium without a step. */
export function stepLabel(step: number | undefined): string {
  return step === undefined ? 'whole run' : `step ${step}`;
}

/** JSON for a `<script type="application/json">` block: `<` escaped so no text can close the element. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
