import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fg from 'fast-glob';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { alignSeries, compareRuns, flattenParams, githubRepoUrl, resolveRunIds, type ComparedRun } from '../src/report/compare.ts';
import { bestSoFarChart } from '../src/report/charts.ts';
import { comparisonHeadline, metricsTableHtml, paramsTableHtml, whyHtml } from '../src/report/compare-html.ts';
import { formatDelta, formatValue, guessDirection, metricFormat } from '../src/report/metric.ts';
import { parseSavedComparison } from '../src/report/saved.ts';
import { chooseGoal } from '../src/report/goal.ts';
import { paramsThatMatter, summarize } from '../src/report/summary.ts';
import { parseRunRecord, parseSeriesFile } from '../src/run/validate.ts';
import { parseYaml } from '../src/run/yaml.ts';

const FIXTURE = new URL('./fixtures/compare-site/', import.meta.url).pathname;

function loadFixture(): { runs: Map<string, ComparedRun>; config: ReturnType<typeof parseConfig> } {
  const runs = new Map<string, ComparedRun>();
  for (const file of fg.sync('runs/*/*/*/run.yaml', { cwd: FIXTURE })) {
    const record = parseRunRecord(parseYaml(readFileSync(join(FIXTURE, file), 'utf8'), file), file);
    const seriesFile = join(FIXTURE, file.replace('run.yaml', 'series.json'));
    let series: ReturnType<typeof parseSeriesFile>['series'] | undefined;
    try {
      series = parseSeriesFile(JSON.parse(readFileSync(seriesFile, 'utf8')), seriesFile).series;
    } catch {
      series = undefined;
    }
    runs.set(record.name, series ? { record, series } : { record });
  }
  const config = parseConfig(parseYaml(readFileSync(join(FIXTURE, 'runpages.config.yaml'), 'utf8'), 'runpages.config.yaml'));
  return { runs, config };
}

const { runs, config } = loadFixture();
const run = (name: string) => runs.get(name) as ComparedRun;
const NOW = Date.parse('2026-11-23T12:00:00Z');

describe('metric display', () => {
  it('guesses directions from names', () => {
    expect(guessDirection('val/loss')).toBe('min');
    expect(guessDirection('test_error')).toBe('min');
    expect(guessDirection('epoch_time')).toBe('none');
    expect(guessDirection('val/acc')).toBe('max');
    expect(guessDirection('f1')).toBe('max');
  });

  it('formats percents, numbers and deltas', () => {
    const acc = metricFormat('val/acc', config.projects.mnist);
    expect(acc.label).toBe('Validation accuracy');
    expect(formatValue(0.941, acc)).toBe('94.1 %');
    expect(formatDelta(0.032, acc)).toBe('+3.2 pt');
    const loss = metricFormat('val/loss', config.projects.mnist);
    expect(loss.direction).toBe('min');
    expect(formatValue(0.2134, loss)).toBe('0.21');
    expect(formatDelta(-0.1, loss)).toBe('-0.10');
    expect(formatValue(0.123456, metricFormat('x'))).toBe('0.1235');
  });
});

describe('compareRuns', () => {
  const comparison = compareRuns([run('calm-fox-1'), run('quiet-lynx-7'), run('brave-otter-12')], { baseline: '01JC1A', config });

  it('flattens nested params and flags the rows that differ', () => {
    expect(flattenParams({ a: { b: 1, c: { d: 'x' } }, e: [1, 2] })).toEqual({ 'a.b': 1, 'a.c.d': 'x', e: [1, 2] });
    const rows = Object.fromEntries(comparison.params.map((row) => [row.key, row]));
    expect(rows.lr).toEqual({ key: 'lr', values: ['0.01', '0.003', '0.003'], differs: true });
    expect(rows['model.depth']?.differs).toBe(true);
    expect(rows['model.width']).toEqual({ key: 'model.width', values: ['128', '128', '128'], differs: false });
    expect(rows.batch?.values).toEqual(['64', '64', '128']);
  });

  it('computes deltas against the baseline and judges them by direction', () => {
    expect(comparison.baseline).toBe(0);
    const acc = comparison.metrics.find((row) => row.key === 'val/acc');
    const loss = comparison.metrics.find((row) => row.key === 'val/loss');
    expect(acc?.cells[0]).toEqual({ value: 0.909, delta: undefined, relative: undefined, improved: undefined });
    expect(acc?.cells[2]?.delta).toBeCloseTo(0.032, 10);
    expect(acc?.cells[2]?.relative).toBeCloseTo(0.032 / 0.909, 10);
    expect(acc?.cells[2]?.improved).toBe(true);
    expect(acc?.best).toBe(2);
    // Lower loss is better: a negative delta is an improvement.
    expect(loss?.cells[1]?.delta).toBeCloseTo(-0.07, 10);
    expect(loss?.cells[1]?.improved).toBe(true);
    expect(loss?.best).toBe(2);
  });

  it('judges a worse run as not improved, with another baseline', () => {
    const other = compareRuns([run('calm-fox-1'), run('brave-otter-12')], { baseline: '01JC2C', config });
    expect(other.baseline).toBe(1);
    const acc = other.metrics.find((row) => row.key === 'val/acc');
    expect(acc?.cells[0]?.improved).toBe(false);
    expect(acc?.cells[0]?.delta).toBeCloseTo(-0.032, 10);
  });

  it('explains why runs differ: commits, dirty diffs, environment, data', () => {
    const { why } = comparison;
    expect(why.codeDiffers).toBe(true);
    expect(why.code.map((c) => c.compareUrl)).toEqual([
      undefined,
      `https://github.com/acme/mnist/compare/${'a'.repeat(40)}...${'b'.repeat(40)}`,
      `https://github.com/acme/mnist/compare/${'a'.repeat(40)}...${'c'.repeat(40)}`,
    ]);
    expect(why.code[2]).toMatchObject({ dirty: true, diff: 'd'.repeat(64) });
    expect(why.env).toEqual([
      { key: 'lock (uv.lock)', values: ['111111111111', '111111111111', '444444444444'] },
      { key: 'runtimes.python', values: ['3.11.7', '3.11.7', '3.12.1'] },
    ]);
    expect(why.data).toEqual([
      { key: 'mnist', values: ['version 2, sha256 222222222222', 'version 3, sha256 333333333333', 'version 3, sha256 333333333333'] },
    ]);
  });

  it('overlays series by step and by elapsed time', () => {
    const loss = comparison.series.find((s) => s.key === 'val/loss');
    expect(loss?.lines.map((l) => l.run)).toEqual(['01JC1AAAAA000000000000000A', '01JC1BBBBB000000000000000B', '01JC2CCCCC000000000000000C']);
    expect(loss?.lines[2]?.points.at(-1)).toEqual({ step: 400, value: 0.21, elapsed: 120 });
    const aligned = alignSeries(loss!, 'step');
    expect(aligned.map((row) => row.x)).toEqual([0, 100, 200, 300, 400]);
    expect(aligned[4]?.values).toEqual([0.31, 0.24, 0.21]);
    expect(alignSeries(loss!, 'elapsed').map((row) => row.x)).toEqual([0, 30, 60, 90, 120]);
  });

  it('reads GitHub remotes in every spelling and ignores other forges', () => {
    expect(githubRepoUrl('https://github.com/acme/model.git')).toBe('https://github.com/acme/model');
    expect(githubRepoUrl('ssh://git@github.com/acme/model')).toBe('https://github.com/acme/model');
    expect(githubRepoUrl('git@gitlab.com:acme/model.git')).toBeUndefined();
  });
});

describe('resolveRunIds', () => {
  const ids = [...runs.values()].map((r) => r.record.id);
  it('resolves unambiguous prefixes', () => {
    expect(resolveRunIds(['01JC1B', '01JD0F'], ids)).toEqual(['01JC1BBBBB000000000000000B', '01JD0FFFFF000000000000000F']);
  });
  it('lists the candidates of an ambiguous prefix', () => {
    expect(() => resolveRunIds(['01JC1'], ids)).toThrow('"01JC1" matches 2 runs: 01JC1AAAAA000000000000000A, 01JC1BBBBB000000000000000B.');
  });
  it('names an unknown id', () => {
    expect(() => resolveRunIds(['nope'], ids)).toThrow('No run id starts with "nope".');
  });
  it('accepts run names when given, and refuses a name two runs share', () => {
    const names = [...runs.values()].map((r) => r.record.name);
    expect(resolveRunIds(['brave-otter-12'], ids, names)).toEqual(['01JC2CCCCC000000000000000C']);
    expect(() => resolveRunIds(['twin'], ['a1', 'b2'], ['twin', 'twin'])).toThrow('2 runs are named "twin": a1, b2.');
    expect(() => resolveRunIds(['nope'], ids, names)).toThrow('No run id starts with "nope" and no run has that name.');
  });
});

describe('summarize', () => {
  const mnist = [...runs.values()].map((r) => r.record).filter((r) => r.project === 'mnist');
  const summary = summarize(mnist, { project: 'mnist', config: config.projects.mnist }, NOW)!;

  it('states the best value, the target gap and the baseline change in one sentence', () => {
    expect(summary.headline).toBe(
      'The best model reaches 94.1 % validation accuracy (run brave-otter-12), 0.9 points short of the 95.0 % target and 3.2 points above the baseline (run calm-fox-1).',
    );
    expect(summary.best?.name).toBe('brave-otter-12');
    expect(summary.defaultNote).toBeUndefined();
  });

  it('compares with the best a week before the reference time, and reports activity, both counted from it', () => {
    expect(summary.sentences).toEqual([
      'Up 1.1 points from the best a week earlier (93.0 %, run quiet-lynx-7).',
      '2 runs in the last 7 days by bob and carol (4 runs in all).',
    ]);
    expect(summary.asOf).toBe('2026-11-23T12:00:00.000Z');
  });

  it('ignores failed runs when ranking, and tracks the best so far', () => {
    expect(summary.points.map((p) => p.name)).toEqual(['calm-fox-1', 'quiet-lynx-7', 'brave-otter-12']);
    expect(summary.bestSoFar.map((p) => p.value)).toEqual([0.909, 0.93, 0.941]);
  });

  it('ranks a leaderboard with the params that vary among the top runs', () => {
    expect(summary.leaderboard.map((row) => [row.rank, row.name])).toEqual([
      [1, 'brave-otter-12'],
      [2, 'quiet-lynx-7'],
      [3, 'calm-fox-1'],
    ]);
    expect(summary.leaderboardParams).toEqual(['batch', 'lr', 'model.depth']);
    expect(summary.leaderboard[0]?.params).toEqual(['128', '0.003', '6']);
  });

  it('never counts random seeds among the params that matter', () => {
    const records = mnist.map((r, i) => ({ ...r, params: { ...r.params, seed: i, train: { random_seed: i } } }));
    expect(paramsThatMatter(records)).toEqual(['lr', 'batch', 'model.depth']);
  });

  it('lists what changed from the baseline to the best run', () => {
    expect(summary.whatChanged?.params).toEqual([
      { key: 'batch', from: '64', to: '128' },
      { key: 'lr', from: '0.01', to: '0.003' },
      { key: 'model.depth', from: '4', to: '6' },
    ]);
    expect(summary.whatChanged?.why.data[0]?.key).toBe('mnist');
    expect(summary.recent.map((r) => r.name)).toEqual(['eager-wolf-3', 'brave-otter-12', 'quiet-lynx-7', 'calm-fox-1']);
  });

  it('uses a numeric baseline and says when the target is beaten', () => {
    const project = { ...config.projects.mnist, goal: { metric: 'val/acc', direction: 'max' as const, target: 0.94, baseline: 0.9 } };
    const other = summarize(mnist, { project: 'mnist', config: project }, NOW)!;
    expect(other.headline).toBe(
      'The best model reaches 94.1 % validation accuracy (run brave-otter-12), beating the 94.0 % target by 0.1 points and 4.1 points above the 90.0 % baseline.',
    );
  });

  it('says when the configured baseline run cannot be found', () => {
    const project = { ...config.projects.mnist, goal: { metric: 'val/acc', direction: 'max' as const, target: 0.95, baseline: 'gone-run' } };
    const other = summarize(mnist, { project: 'mnist', config: project }, NOW)!;
    expect(other.headline).toBe('The best model reaches 94.1 % validation accuracy (run brave-otter-12), 0.9 points short of the 95.0 % target.');
    expect(other.sentences.at(-1)).toBe('The configured baseline run "gone-run" has no finished run with val/acc; check projects.mnist.goal.baseline.');
  });

  it('chooses a goal when none is configured, and says so', () => {
    const cifar = [...runs.values()].map((r) => r.record).filter((r) => r.project === 'cifar');
    expect(chooseGoal(cifar)?.goal).toEqual({ metric: 'test/acc', direction: 'max' });
    const other = summarize(cifar, { project: 'cifar' }, NOW)!;
    expect(other.headline).toBe('The best model reaches a test/acc of 0.85 (run shy-crane-5), 0.05 above the baseline (run bold-hawk-2).');
    expect(other.defaultNote).toContain('No goal is configured for this project, so runs are ranked by test/acc (higher is better).');
    expect(other.sentences).toEqual([
      'No improvement over the last week: the best a week earlier was already 0.85.',
      'No runs in the last 7 days (2 runs in all).',
    ]);
  });

  it('says when no run reports the metric', () => {
    const [first] = mnist;
    const empty = summarize([{ ...first!, status: 'failed' }], { project: 'mnist', config: config.projects.mnist }, NOW)!;
    expect(empty.headline).toBe('No finished run of MNIST digits has reported val/acc yet.');
  });
});

describe('comparisonHeadline', () => {
  it('leads with the goal metric and states the delta against the baseline', () => {
    const comparison = compareRuns([run('calm-fox-1'), run('quiet-lynx-7'), run('brave-otter-12')], { config });
    expect(comparisonHeadline(comparison)).toBe(
      '3 runs compared against calm-fox-1; brave-otter-12 is best on validation accuracy: 94.1 %, +3.2 pt against the baseline.',
    );
    expect(comparisonHeadline(comparison, ['val/loss'])).toBe(
      '3 runs compared against calm-fox-1; brave-otter-12 is best on validation loss: 0.21, -0.10 against the baseline.',
    );
    const best = compareRuns([run('brave-otter-12'), run('calm-fox-1')], { config });
    expect(comparisonHeadline(best)).toBe('2 runs compared against brave-otter-12; the baseline is best on validation accuracy (94.1 %).');
    expect(comparisonHeadline(compareRuns([run('calm-fox-1')], { config }))).toBe('calm-fox-1: validation accuracy 90.9 %. Add more runs to compare.');
  });

  it('escapes text from runs in every HTML fragment', () => {
    const evil = { record: { ...run('calm-fox-1').record, id: 'x1', name: '<img src=x onerror=alert(1)>', params: { '<b>': '<script>' } } };
    const comparison = compareRuns([evil, run('brave-otter-12')], { config });
    const html =
      metricsTableHtml(comparison, { runHref: (id) => `/r/${id}/` }) + paramsTableHtml(comparison, { runHref: (id) => `/r/${id}/` }) + whyHtml(comparison);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
  });
});

describe('parseSavedComparison', () => {
  const ids = [...runs.values()].map((r) => r.record.id);
  it('resolves prefixes and defaults the baseline to the first run', () => {
    const saved = parseSavedComparison('title: T\nruns: [01JC2C, 01JC1A]\n', 'comparisons/two.yaml', ids);
    expect(saved).toMatchObject({
      slug: 'two',
      runIds: ['01JC2CCCCC000000000000000C', '01JC1AAAAA000000000000000A'],
      baselineId: '01JC2CCCCC000000000000000C',
    });
  });
  it('refuses a baseline outside its runs, and a file name that cannot be a URL', () => {
    expect(() => parseSavedComparison('title: T\nruns: [01JC2C, 01JC1A]\nbaseline: 01JC1B\n', 'comparisons/x.yaml', ids)).toThrow(
      'comparisons/x.yaml: field "baseline" names 01JC1BBBBB000000000000000B, which is not one of its runs.',
    );
    expect(() => parseSavedComparison('title: T\nruns: [01JC2C, 01JC1A]\n', 'comparisons/My Report.yaml', ids)).toThrow(
      'the file name "My Report" cannot be a URL slug',
    );
  });
});

describe('bestSoFarChart', () => {
  it('draws the target and stays small for projects with many runs', () => {
    const base = run('calm-fox-1').record;
    const many = Array.from({ length: 5000 }, (_, i) => ({
      ...base,
      id: `R${String(i).padStart(5, '0')}`,
      name: `run-${i}`,
      created: new Date(Date.parse('2026-01-01T00:00:00Z') + i * 60_000).toISOString(),
      metrics: { 'val/acc': 0.5 + (i % 97) / 1000 + i / 100_000 },
    }));
    const summary = summarize(many, { project: 'mnist', config: config.projects.mnist }, NOW)!;
    const svg = bestSoFarChart(summary, { document: parseHTML('<html><body></body></html>').document as unknown as Document });
    expect(svg).toContain('target 95.0 %');
    const dots = svg.match(/<circle/g)?.length ?? 0;
    expect(dots).toBeGreaterThanOrEqual(800);
    expect(dots).toBeLessThanOrEqual(800 + summary.bestSoFar.length);
    expect(svg.length).toBeLessThan(200_000);
  });
});
