/** The pure parts of `runpages watch`: time left at the run's pace, the sparkline, and the trend column. */
import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { eta, renderWatch, sparkline } from '../../src/cli/watch-view.ts';
import type { RunRecord } from '../../src/run/schema.ts';

const NOW = new Date('2026-11-20T12:00:00Z');

function run(fields: Partial<RunRecord>): RunRecord {
  return {
    schema: 'runpages/run@1',
    id: '01JC1A00000000000000000000',
    name: 'calm-fox-1',
    project: 'vision',
    status: 'running',
    created: '2026-11-20T11:00:00Z',
    params: {},
    metrics: {},
    series: {},
    tags: [],
    artifacts: [],
    parents: [],
    ...fields,
  } as RunRecord;
}

describe('eta', () => {
  it('extrapolates the pace so far: 100 of 400 steps in an hour leaves about three hours', () => {
    expect(eta(run({ step: 100, total_steps: 400, heartbeat: '2026-11-20T12:00:00Z' }), NOW)).toBe('~3.0h');
    expect(eta(run({ step: 300, total_steps: 400, heartbeat: '2026-11-20T12:00:00Z' }), NOW)).toBe('~20m');
  });

  it('says nothing without a total, before the first step, at the end, or for a run that is not running', () => {
    expect(eta(run({ step: 100 }), NOW)).toBe('–');
    expect(eta(run({ step: 0, total_steps: 10 }), NOW)).toBe('–');
    expect(eta(run({ step: 10, total_steps: 10 }), NOW)).toBe('–');
    expect(eta(run({ status: 'crashed', step: 5, total_steps: 10 }), NOW)).toBe('–');
  });
});

describe('sparkline', () => {
  it('draws the last values from lowest to highest, a flat series flat, and no values as a dash', () => {
    expect(sparkline([1, 0.8, 0.5, 0.4])).toBe('█▆▂▁'); // 0.8 is 2/3 of the way up: the 6th of 8 bars
    expect(sparkline([2, 2, 2])).toBe('▄▄▄');
    expect(sparkline([Number.NaN])).toBe('–');
    expect(
      sparkline(
        Array.from({ length: 40 }, (_, i) => i),
        8,
      ),
    ).toHaveLength(8);
  });
});

describe('renderWatch', () => {
  it('adds a column named after the trend metric, with each run its sparkline, and the time left', () => {
    const r = run({ step: 100, total_steps: 400, heartbeat: '2026-11-20T12:00:00Z', metrics: { 'train/loss': 0.4 } });
    const text = renderWatch([r], {
      now: NOW,
      width: 200,
      color: pc.createColors(false),
      heading: 'runpages watch',
      trend: { metric: 'train/loss', values: new Map([[r.id, [1, 0.8, 0.5, 0.4]]]) },
    });
    const [header, row] = text.split('\n').slice(2);
    expect(header).toMatch(/progress\s+left\s+seen\s+train\/loss\s+latest/);
    expect(row).toContain('100/400 25%');
    expect(row).toContain('~3.0h');
    expect(row).toContain('█▆▂▁');
  });

  it('escapes control characters in a metric name used as the column header', () => {
    const text = renderWatch([run({})], {
      now: NOW,
      width: 200,
      color: pc.createColors(false),
      heading: 'h',
      trend: { metric: 'x\u001b]0;owned\u0007', values: new Map() },
    });
    expect(text).not.toContain('\u001b');
  });
});
