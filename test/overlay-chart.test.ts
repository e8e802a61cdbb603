/**
 * Overlay charts of comparisons (src/report/charts.ts): runs keep the colours of their place in the
 * comparison, and a series logged once shows as a point instead of empty axes.
 */
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { overlayChart } from '../src/report/charts.ts';
import { RUN_COLORS } from '../src/report/colors.ts';
import { metricFormat } from '../src/report/metric.ts';

const document = () => parseHTML('<!doctype html><html><body></body></html>').document as unknown as Document;
const point = (step: number, value: number) => ({ step, value, elapsed: undefined });

describe('overlayChart', () => {
  it('draws a run that logged the series once as a dot', () => {
    const overlay = { key: 'test/acc', format: metricFormat('test/acc'), lines: [{ run: 'a', points: [point(10, 0.8)] }] };
    const svg = overlayChart(overlay, new Map([['a', 'calm-fox-1']]), { document: document() });
    expect(svg).toMatch(/<circle[^>]*fill="#0072B2"/i);
  });

  it('colours runs by their place in the comparison, from the colour-blind-safe palette', () => {
    const lines = ['a', 'b', 'c'].map((run, i) => ({ run, points: [point(0, i), point(1, i + 1)] }));
    const svg = overlayChart({ key: 'loss', format: metricFormat('loss'), lines }, new Map(), { document: document() });
    const strokes = [...svg.matchAll(/stroke="(#[0-9a-f]{6})"/gi)].map((match) => match[1]!.toUpperCase());
    expect(strokes).toEqual(RUN_COLORS.slice(0, 3).map((colour) => colour.toUpperCase()));
  });
});
