/**
 * Parallel coordinates on a canvas (no inline style, so the CSP stays as it is): one line per run
 * the table's filter selects, coloured by the goal metric, runs outside the brushes faint grey.
 * Dragging along an axis brushes a range; a click on an axis clears its brush. Each draw is recorded
 * as the `runpages:sweep-draw` measure (benchmarks read it).
 */
import type { Brush } from '../table/brush.ts';
import { RAMP, type Axis } from './axes.ts';

export interface ParallelHandlers {
  /** The brushes after the user drew or cleared one. */
  onBrush(brushes: Brush[]): void;
}

const MARGIN = { top: 40, right: 28, bottom: 28, left: 28 };
const HEIGHT = 340;
/** How near an axis (px) a drag must start to brush it. */
const GRAB = 18;
const FAINT = 'rgba(140, 140, 140, 0.18)';
const MISSING_COLOR = '#8c8c8c';

export class ParallelCoordinates {
  readonly canvas: HTMLCanvasElement;
  readonly handlers: ParallelHandlers;
  axes: Axis[] = [];
  rows: Uint32Array = new Uint32Array(0);
  inside: Uint8Array = new Uint8Array(0);
  brushes: Brush[] = [];
  /** Colour bucket (index into RAMP) per shown row, -1 for runs without a goal value. */
  colors: Int8Array = new Int8Array(0);
  #positions = new Float32Array(0);
  #width = 0;
  #drag: { axis: number; from: number; to: number } | undefined;

  constructor(canvas: HTMLCanvasElement, handlers: ParallelHandlers) {
    this.canvas = canvas;
    this.handlers = handlers;
    canvas.addEventListener('pointerdown', (event) => this.#down(event));
    canvas.addEventListener('pointermove', (event) => this.#move(event));
    canvas.addEventListener('pointerup', (event) => this.#up(event));
    canvas.addEventListener('pointercancel', () => {
      this.#drag = undefined;
      this.draw();
    });
  }

  /**
   * New data: `rows` the runs to draw, `inside[i]` whether `rows[i]` passes the brushes,
   * `colors[i]` its colour bucket.
   */
  set(axes: Axis[], rows: Uint32Array, inside: Uint8Array, colors: Int8Array, brushes: Brush[]): void {
    this.axes = axes;
    this.rows = rows;
    this.inside = inside;
    this.colors = colors;
    this.brushes = brushes;
    const k = axes.length;
    const positions = new Float32Array(rows.length * k);
    for (let a = 0; a < k; a++) {
      const axis = axes[a]!;
      for (let i = 0; i < rows.length; i++) positions[i * k + a] = axis.position(rows[i]!);
    }
    this.#positions = positions;
    this.draw();
  }

  /** Redraws at the canvas's current width. */
  draw(): void {
    const started = performance.now();
    const width = Math.max(280, Math.round(this.canvas.parentElement?.clientWidth ?? 600));
    const ratio = window.devicePixelRatio || 1;
    if (width !== this.#width || this.canvas.width !== Math.round(width * ratio)) {
      this.#width = width;
      this.canvas.width = Math.round(width * ratio);
      this.canvas.height = Math.round(HEIGHT * ratio);
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, HEIGHT);
    const style = getComputedStyle(this.canvas);
    const text = style.color || '#222';
    const k = this.axes.length;
    const n = this.rows.length;
    const x = (a: number) => this.#axisX(a);
    const y = (p: number) => MARGIN.top + (1 - p) * (HEIGHT - MARGIN.top - MARGIN.bottom);
    const live = this.#liveInside();

    // Faint lines first, then one path per colour so 10k lines are a handful of strokes.
    const paths: Path2D[] = Array.from({ length: RAMP.length + 2 }, () => new Path2D());
    const positions = this.#positions;
    for (let i = 0; i < n; i++) {
      const bucket = (live ? live[i] : this.inside[i]) ? (this.colors[i]! < 0 ? RAMP.length + 1 : this.colors[i]! + 1) : 0;
      const path = paths[bucket]!;
      let pen = false;
      for (let a = 0; a < k; a++) {
        const p = positions[i * k + a]!;
        if (Number.isNaN(p)) {
          pen = false;
          continue;
        }
        if (pen) path.lineTo(x(a), y(p));
        else path.moveTo(x(a), y(p));
        pen = true;
      }
      // A run with a single value among the axes still shows, as a short tick.
      if (k === 1) path.lineTo(x(0) + 4, y(positions[i]!));
    }
    ctx.lineWidth = 1;
    ctx.strokeStyle = FAINT;
    ctx.stroke(paths[0]!);
    ctx.globalAlpha = n > 2000 ? 0.35 : n > 300 ? 0.6 : 0.9;
    ctx.strokeStyle = MISSING_COLOR;
    ctx.stroke(paths[RAMP.length + 1]!);
    RAMP.forEach((color, c) => {
      ctx.strokeStyle = color;
      ctx.stroke(paths[c + 1]!);
    });
    ctx.globalAlpha = 1;

    // Axes, their labels, ticks and brushes.
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    const spacing = k > 1 ? x(1) - x(0) : width;
    for (let a = 0; a < k; a++) {
      const axis = this.axes[a]!;
      const ax = x(a);
      ctx.strokeStyle = text;
      ctx.globalAlpha = 0.7;
      ctx.beginPath();
      ctx.moveTo(ax, y(0));
      ctx.lineTo(ax, y(1));
      ctx.stroke();
      ctx.globalAlpha = 1;
      ctx.fillStyle = text;
      // Labels centred on their axis, cut to the space between axes, kept inside the canvas.
      ctx.textAlign = 'left';
      ctx.font = '600 12px system-ui, sans-serif';
      const label = fit(ctx, axis.label, Math.max(36, spacing - 10));
      const labelWidth = ctx.measureText(label).width;
      ctx.fillText(label, Math.max(2, Math.min(width - 2 - labelWidth, ax - labelWidth / 2)), MARGIN.top - 24);
      ctx.font = '11px system-ui, sans-serif';
      ctx.textAlign = a === k - 1 ? 'right' : 'left';
      const room = Math.max(30, spacing - 10);
      const ticks = thin(axis.ticks, 14 / (HEIGHT - MARGIN.top - MARGIN.bottom));
      for (const tick of ticks) {
        const ty = y(tick.at);
        ctx.globalAlpha = 0.75;
        ctx.fillRect(ax - 3, ty - 0.5, 6, 1);
        ctx.fillText(fit(ctx, tick.text, room), a === k - 1 ? ax - 5 : ax + 5, ty);
        ctx.globalAlpha = 1;
      }
      const span = this.#spanOf(a);
      if (span) {
        const [p, q] = span;
        ctx.fillStyle = 'rgba(0, 114, 178, 0.22)';
        ctx.strokeStyle = '#0072B2';
        const top = y(Math.min(1.02, Math.max(p, q)));
        const bottom = y(Math.max(-0.02, Math.min(p, q)));
        ctx.fillRect(ax - 8, top, 16, bottom - top);
        ctx.strokeRect(ax - 8, top, 16, bottom - top);
        ctx.fillStyle = text;
      }
    }
    this.canvas.dataset.lines = String(n);
    this.canvas.dataset.inside = String(live ? count(live) : count(this.inside));
    performance.measure('runpages:sweep-draw', { start: started });
  }

  #axisX(a: number): number {
    const k = this.axes.length;
    const inner = this.#width - MARGIN.left - MARGIN.right;
    return k <= 1 ? MARGIN.left + inner / 2 : MARGIN.left + (a * inner) / (k - 1);
  }

  /** The brush shown on axis `a`: the one being dragged, else the committed one. */
  #spanOf(a: number): [number, number] | undefined {
    if (this.#drag?.axis === a) return [this.#drag.from, this.#drag.to];
    const axis = this.axes[a]!;
    const brush = this.brushes.find((b) => b.key === axis.key);
    return brush ? axis.span(brush) : undefined;
  }

  /** While dragging: which rows the brushes would keep, from the drawn positions (no table work). */
  #liveInside(): Uint8Array | undefined {
    const drag = this.#drag;
    if (!drag || Math.abs(drag.to - drag.from) < 0.01) return undefined;
    const k = this.axes.length;
    const spans = this.axes.map((_, a) => this.#spanOf(a));
    const out = new Uint8Array(this.rows.length);
    for (let i = 0; i < this.rows.length; i++) {
      let keep = 1;
      for (let a = 0; a < k && keep; a++) {
        const span = spans[a];
        if (!span) continue;
        const p = this.#positions[i * k + a]!;
        if (!(p >= Math.min(span[0], span[1]) - 1e-9 && p <= Math.max(span[0], span[1]) + 1e-9)) keep = 0;
      }
      out[i] = keep;
    }
    return out;
  }

  #point(event: PointerEvent): { px: number; p: number } {
    const box = this.canvas.getBoundingClientRect();
    const px = ((event.clientX - box.left) / box.width) * this.#width;
    const py = ((event.clientY - box.top) / box.height) * HEIGHT;
    return { px, p: Math.max(0, Math.min(1, 1 - (py - MARGIN.top) / (HEIGHT - MARGIN.top - MARGIN.bottom))) };
  }

  #down(event: PointerEvent): void {
    if (event.button !== 0 || this.axes.length === 0) return;
    const { px, p } = this.#point(event);
    let nearest = -1;
    let distance = GRAB;
    this.axes.forEach((_, a) => {
      const d = Math.abs(this.#axisX(a) - px);
      if (d <= distance) {
        nearest = a;
        distance = d;
      }
    });
    if (nearest < 0) return;
    event.preventDefault();
    this.canvas.setPointerCapture(event.pointerId);
    this.#drag = { axis: nearest, from: p, to: p };
  }

  #move(event: PointerEvent): void {
    if (!this.#drag) return;
    this.#drag.to = this.#point(event).p;
    this.draw();
  }

  #up(event: PointerEvent): void {
    const drag = this.#drag;
    if (!drag) return;
    drag.to = this.#point(event).p;
    this.#drag = undefined;
    const axis = this.axes[drag.axis]!;
    const others = this.brushes.filter((b) => b.key !== axis.key);
    // A click (no drag) clears the axis's brush; a drag sets it.
    if (Math.abs(drag.to - drag.from) < 0.01) {
      if (others.length !== this.brushes.length) this.handlers.onBrush(others);
      else this.draw();
      return;
    }
    const range = axis.between(drag.from, drag.to);
    this.handlers.onBrush([...others, { key: axis.key, ...range }]);
  }
}

/** Ticks at least `gap` apart (in 0..1), keeping the ends. */
function thin<T extends { at: number }>(ticks: readonly T[], gap: number): T[] {
  const out: T[] = [];
  for (const tick of ticks) if (out.length === 0 || tick.at - out[out.length - 1]!.at >= gap) out.push(tick);
  return out;
}

/** `text` cut with an ellipsis to `width` px. */
function fit(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let cut = text;
  while (cut.length > 1 && ctx.measureText(`${cut}…`).width > width) cut = cut.slice(0, -1);
  return `${cut}…`;
}

function count(flags: Uint8Array): number {
  let n = 0;
  for (const f of flags) n += f;
  return n;
}
