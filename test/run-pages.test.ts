/**
 * Which runs get full pre-rendered pages (`site.runPages`): every run up to the cap, else the runs
 * other pages point at, then the newest; the config key, and the lean page's incremental-build key.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import type { IndexedRun } from '../src/index/run-index.ts';
import type { Summary } from '../src/report/summary.ts';
import { AUTO_ALL_UP_TO, AUTO_CAP, fullPageRuns, prominentRuns, runPagesLimit } from '../src/site/run-pages.ts';
import { leanRunPageKey, runPageKey } from '../src/site/run-view.ts';

/** Runs `r00`..`r<n-1>`, one a day from 2026-01-01: the last is the newest. */
function runs(n: number): { id: string; created: string }[] {
  return Array.from({ length: n }, (_, i) => ({ id: `r${String(i).padStart(2, '0')}`, created: new Date(Date.UTC(2026, 0, 1 + i)).toISOString() }));
}

/** The parts of a summary the selection reads. */
function summary(best: string | undefined, baseline: string | undefined, leaderboard: string[]): Summary {
  const value = (id: string) => ({ id, name: id, created: '', value: 0 });
  return {
    best: best === undefined ? undefined : value(best),
    baselineRun: baseline === undefined ? undefined : value(baseline),
    leaderboard: leaderboard.map((id, i) => ({ ...value(id), rank: i + 1, user: undefined, params: [] })),
  } as Partial<Summary> as Summary;
}

describe('runPagesLimit', () => {
  it('gives every run a full page under auto up to the threshold, and the fixed cap above it', () => {
    expect(runPagesLimit('auto', AUTO_ALL_UP_TO)).toEqual({ threshold: AUTO_ALL_UP_TO, cap: AUTO_ALL_UP_TO });
    expect(runPagesLimit('auto', AUTO_ALL_UP_TO + 1)).toEqual({ threshold: AUTO_ALL_UP_TO, cap: AUTO_CAP });
    expect(runPagesLimit('auto', 100_000).cap).toBe(5_000);
  });

  it('never caps under all, and caps at the number given', () => {
    expect(runPagesLimit('all', 100_000)).toEqual({ threshold: Infinity, cap: 100_000 });
    expect(runPagesLimit(2, 6)).toEqual({ threshold: 2, cap: 2 });
    expect(runPagesLimit(10, 6)).toEqual({ threshold: 10, cap: 6 });
  });
});

describe('prominentRuns', () => {
  it('puts every project’s best and baseline before any leaderboard, then saved comparisons', () => {
    const summaries = [summary('a1', 'a0', ['a1', 'a2']), undefined, summary('b1', undefined, ['b1', 'b3'])];
    expect(prominentRuns(summaries, [{ runIds: ['c1', 'a2'] }])).toEqual(['a1', 'a0', 'b1', 'a1', 'a2', 'b1', 'b3', 'c1', 'a2']);
  });
});

describe('fullPageRuns', () => {
  it('gives every run a full page when the cap allows', () => {
    expect([...fullPageRuns(runs(3), ['r00'], 3)].sort()).toEqual(['r00', 'r01', 'r02']);
  });

  it('keeps the prominent runs first, then fills with the newest, up to the cap', () => {
    const chosen = fullPageRuns(runs(10), ['r02', 'r04', 'r02'], 5);
    expect([...chosen].sort()).toEqual(['r02', 'r04', 'r07', 'r08', 'r09']);
  });

  it('stops inside the prominent runs when they alone reach the cap, in their order', () => {
    expect([...fullPageRuns(runs(10), ['r05', 'r01', 'r03'], 2)]).toEqual(['r05', 'r01']);
  });

  it('skips ids that are not runs of the site (a comparison of a deleted run)', () => {
    expect([...fullPageRuns(runs(5), ['gone', 'r00'], 2)].sort()).toEqual(['r00', 'r04']);
  });

  it('breaks ties of created by id, whatever the input order', () => {
    const same = ['x3', 'x1', 'x2'].map((id) => ({ id, created: '2026-05-01T00:00:00Z' }));
    expect([...fullPageRuns(same, [], 2)]).toEqual(['x3', 'x2']);
    expect([...fullPageRuns([...same].reverse(), [], 2)]).toEqual(['x3', 'x2']);
  });

  it('orders by time, not by how the timestamp is written', () => {
    const written = [
      { id: 'early', created: '2026-05-01T10:00:00+02:00' },
      { id: 'late', created: '2026-05-01T09:00:00Z' },
    ];
    expect([...fullPageRuns([...written, { id: 'old', created: '2025-01-01T00:00:00Z' }], [], 1)]).toEqual(['late']);
  });
});

describe('site.runPages in the config', () => {
  it('defaults to auto and takes all or a whole number', () => {
    expect(parseConfig({}).site.runPages).toBe('auto');
    expect(parseConfig({ site: { runPages: 'all' } }).site.runPages).toBe('all');
    expect(parseConfig({ site: { runPages: 5000 } }).site.runPages).toBe(5000);
  });

  it('rejects anything else with an error naming the key, the rule and the value', () => {
    for (const [value, shown] of [
      [0, '0'],
      [-3, '-3'],
      [2.5, '2.5'],
      ['many', '"many"'],
    ] as const) {
      expect(() => parseConfig({ site: { runPages: value } }), shown).toThrow(
        `runpages.config.yaml: field "site.runPages" must be auto, all or a whole number of runs above 0 (got ${shown})`,
      );
    }
  });
});

describe('leanRunPageKey', () => {
  const run = { record: { id: 'r1', parents: [] }, hash: 'h1', children: [] } as unknown as IndexedRun;
  const site = { shellKey: 's1', threshold: 20_000, shard: 3 };

  it('changes with what the lean page holds: the run, the shell, the threshold it names, its shard', () => {
    const key = leanRunPageKey(run, site);
    expect(leanRunPageKey(run, { ...site })).toBe(key);
    expect(leanRunPageKey({ ...run, hash: 'h2' }, site)).not.toBe(key);
    expect(leanRunPageKey(run, { ...site, shellKey: 's2' })).not.toBe(key);
    expect(leanRunPageKey(run, { ...site, threshold: 5 })).not.toBe(key);
    expect(leanRunPageKey(run, { ...site, shard: 4 })).not.toBe(key);
  });

  it('differs from the full page key, so a run moving between the two is rendered again', () => {
    expect(leanRunPageKey(run, site)).not.toBe(runPageKey(run, { runById: new Map(), shellKey: 's1' }));
  });
});
