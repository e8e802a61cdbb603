/**
 * A scatter of any two fields over the runs the filter selects, coloured by a third, on a canvas.
 * Runs outside the brushes are faint; text values sit in bands with a small fixed jitter so equal
 * values do not hide each other.
 */
import { RAMP, type Axis } from './axes.ts';

const MARGIN = { top: 12, right: 16, bottom: 40, left: 64 };
const HEIGHT = 300;

export interface ScatterData {
  x: Axis;
  y: Axis;
  rows: Uint32Array;
  inside: Uint8Array;
  /** Colour per row: an index into `palette`, -1 for none. */
  colors: Int8Array;
  palette: readonly string[];
}

export function drawScatter(canvas: HTMLCanvasElement, data: ScatterData): void {
  const width = Math.max(260, Math.round(canvas.parentElement?.clientWidth ?? 500));
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(HEIGHT * ratio);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, HEIGHT);
  const text = getComputedStyle(canvas).color || '#222';
  const innerW = width - MARGIN.left - MARGIN.right;
  const innerH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const px = (p: number) => MARGIN.left + p * innerW;
  const py = (p: number) => MARGIN.top + (1 - p) * innerH;
  const { x, y, rows, inside, colors, palette } = data;
  const jitter = (axis: Axis, row: number, salt: number) =>
    axis.kind === 'text' ? (hash(row * 2 + salt) - 0.5) * (0.5 / Math.max(1, axis.ticks.length - 1)) : 0;

  // Frame and ticks.
  ctx.strokeStyle = text;
  ctx.fillStyle = text;
  ctx.globalAlpha = 0.5;
  ctx.strokeRect(MARGIN.left, MARGIN.top, innerW, innerH);
  ctx.globalAlpha = 1;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const tick of spaced(y.ticks, 16 / innerH)) ctx.fillText(clip(ctx, tick.text, MARGIN.left - 8), MARGIN.left - 5, py(tick.at));
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const tick of spaced(x.ticks, 70 / innerW)) ctx.fillText(clip(ctx, tick.text, 80), px(tick.at), HEIGHT - MARGIN.bottom + 5);
  ctx.font = '600 12px system-ui, sans-serif';
  ctx.fillText(clip(ctx, x.label, innerW), MARGIN.left + innerW / 2, HEIGHT - 16);
  ctx.save();
  ctx.translate(12, MARGIN.top + innerH / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(clip(ctx, y.label, innerH), 0, -6);
  ctx.restore();

  // Faint points, then coloured ones, one path per colour.
  const radius = rows.length > 3000 ? 1.5 : rows.length > 500 ? 2.2 : 3;
  const paths = Array.from({ length: palette.length + 2 }, () => new Path2D());
  let drawn = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const a = x.position(row);
    const b = y.position(row);
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    drawn++;
    const bucket = inside[i] ? (colors[i]! < 0 ? palette.length + 1 : colors[i]! + 1) : 0;
    const cx = px(a + jitter(x, row, 0));
    const cy = py(b + jitter(y, row, 1));
    paths[bucket]!.moveTo(cx + radius, cy);
    paths[bucket]!.arc(cx, cy, radius, 0, 2 * Math.PI);
  }
  ctx.fillStyle = 'rgba(140, 140, 140, 0.25)';
  ctx.fill(paths[0]!);
  ctx.globalAlpha = rows.length > 2000 ? 0.6 : 0.85;
  ctx.fillStyle = '#0072B2';
  ctx.fill(paths[palette.length + 1]!);
  palette.forEach((color, c) => {
    ctx.fillStyle = color;
    ctx.fill(paths[c + 1]!);
  });
  ctx.globalAlpha = 1;
  canvas.dataset.points = String(drawn);
}

/** Colour buckets of `rows` by `axis` (bright = high, or = better when `better` is 'min' flipped); text axes use the run colours. */
export function colorBuckets(axis: Axis | undefined, rows: Uint32Array, flip: boolean, textPalette: readonly string[]): Int8Array {
  const out = new Int8Array(rows.length).fill(-1);
  if (!axis) return out;
  for (let i = 0; i < rows.length; i++) {
    const p = axis.position(rows[i]!);
    if (Number.isNaN(p)) continue;
    if (axis.kind === 'text') {
      const index = Math.round(p * Math.max(1, axis.ticks.length - 1));
      out[i] = axis.ticks.length === 1 ? 0 : index % textPalette.length;
    } else out[i] = Math.min(RAMP.length - 1, Math.floor((flip ? 1 - p : p) * RAMP.length));
  }
  return out;
}

/** A fixed pseudo-random 0..1 from an integer (the same jitter on every draw). */
function hash(n: number): number {
  let h = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

function spaced<T extends { at: number }>(ticks: readonly T[], gap: number): T[] {
  const out: T[] = [];
  for (const tick of ticks) if (out.length === 0 || tick.at - out[out.length - 1]!.at >= gap) out.push(tick);
  return out;
}

function clip(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let cut = text;
  while (cut.length > 1 && ctx.measureText(`${cut}…`).width > width) cut = cut.slice(0, -1);
  return `${cut}…`;
}
