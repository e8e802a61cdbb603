import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { downsample, downsampleBuckets, downsampleIndices } from '../src/record/downsample.ts';
import { MAX_STORED_POINTS } from '../src/run/schema.ts';

describe('downsample', () => {
  it('returns small series unchanged', () => {
    const series = { step: [0, 1, 2], value: [3, 1, 2] };
    expect(downsample(series)).toBe(series);
  });

  it('reduces 100,000 points to at most 1,000 and keeps a single spike', () => {
    const n = 100_000;
    const value = Array.from({ length: n }, (_, i) => Math.sin(i / 1000));
    value[54_321] = 50;
    const step = value.map((_, i) => i);
    const time = value.map((_, i) => 1_700_000_000 + i);
    const out = downsample({ step, value, time });
    expect(out.value.length).toBeLessThanOrEqual(MAX_STORED_POINTS);
    expect(out.value.length).toBeGreaterThan(900);
    expect(out.value).toContain(50);
    expect(out.step[out.value.indexOf(50)]).toBe(54_321);
    expect(out.time?.[out.value.indexOf(50)]).toBe(1_700_000_000 + 54_321);
    expect(out.step[0]).toBe(0);
    expect(out.step.at(-1)).toBe(n - 1);
  });

  it('keeps every bucket’s min and max, the ends, and never exceeds the limit (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ noNaN: true }), fc.constant(Number.NaN)), { minLength: 0, maxLength: 3000 }),
        fc.integer({ min: 4, max: 1200 }),
        (values, max) => {
          const kept = downsampleIndices(values, max);
          expect(kept.length).toBeLessThanOrEqual(Math.max(max, 0));
          for (let i = 1; i < kept.length; i++) expect(kept[i]!).toBeGreaterThan(kept[i - 1]!);
          if (values.length <= max) {
            expect(kept.length).toBe(values.length);
            return;
          }
          expect(kept[0]).toBe(0);
          expect(kept.at(-1)).toBe(values.length - 1);
          const keptValues = new Set(kept);
          const buckets = downsampleBuckets(values.length, max);
          expect(buckets[0]![0]).toBe(1);
          expect(buckets.at(-1)![1]).toBe(values.length - 1);
          for (const [start, end] of buckets) {
            const slice = values.slice(start, end).filter((v) => !Number.isNaN(v));
            if (slice.length === 0) continue;
            const inBucket = kept.filter((i) => i >= start && i < end).map((i) => values[i]!);
            expect(inBucket).toContain(Math.min(...slice));
            expect(inBucket).toContain(Math.max(...slice));
          }
          expect(keptValues.size).toBe(kept.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
