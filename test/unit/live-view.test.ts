/** "Running now" rows and run-page notices, counted from the build's clock. */
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/run/schema.ts';
import { liveNotice, liveRows, progressOf } from '../../src/site/live-view.ts';

const NOW = new Date('2026-12-04T12:00:00Z');
const run = (fields: Partial<RunRecord>): RunRecord =>
  ({
    id: '01JD0000000000000000000000',
    name: 'r',
    project: 'p',
    status: 'running',
    created: '2026-12-04T10:00:00Z',
    metrics: {},
    tags: [],
    ...fields,
  }) as RunRecord;

describe('live rows', () => {
  it('list running runs and crashes of the last day, most recently heard first, never finished or archived ones', () => {
    const rows = liveRows(
      [
        run({ id: 'A', heartbeat: '2026-12-04T11:57:00Z', step: 400, total_steps: 1000, metrics: { 'val/acc': 0.5 } }),
        run({ id: 'B', status: 'crashed', heartbeat: '2026-12-04T09:00:00Z' }),
        run({ id: 'C', status: 'crashed', heartbeat: '2026-12-01T09:00:00Z' }),
        run({ id: 'D', status: 'finished' }),
        run({ id: 'E', archived: true }),
        run({ id: 'F', heartbeat: '2026-12-04T11:59:30Z', step: 7 }),
      ],
      NOW,
      () => ({ goal: { metric: 'val/acc' }, config: { metrics: { 'val/acc': { label: 'Accuracy', format: 'percent' } } } }),
    );
    expect(rows.map((r) => [r.id, r.status, r.heard])).toEqual([
      ['F', 'running', 'just now'],
      ['A', 'running', '3 minutes ago'],
      ['B', 'crashed', '3 hours ago'],
    ]);
    expect(rows[1]).toMatchObject({ progress: { text: '400 / 1,000', percent: 40 }, goal: { label: 'Accuracy', value: '50.0 %' } });
    expect(rows[0]!.progress).toEqual({ text: 'step 7' });
  });

  it('progress is capped at 100 % and absent without a step', () => {
    expect(progressOf({ step: 1200, total_steps: 1000 })?.percent).toBe(100);
    expect(progressOf({})).toBeUndefined();
  });
});

describe('the run page notice', () => {
  it('says running and when it was last heard from, or crashed, and nothing for a run that ended', () => {
    expect(liveNotice(run({ heartbeat: '2026-12-04T11:57:00Z', step: 40, total_steps: 100 }), NOW)).toBe(
      "Running, last heard from 3 minutes ago (4 Dec 2026, 11:57 UTC), at step 40 / 100 (40 %). The charts show the points so far, as of this site's build.",
    );
    expect(liveNotice(run({ status: 'crashed' }), NOW)).toMatch(/^Crashed: nothing heard from this run since 2 hours ago \(4 Dec 2026, 10:00 UTC\);/);
    expect(liveNotice(run({ status: 'finished' }), NOW)).toBeUndefined();
  });
});
