/**
 * Which way a metric improves: guessed from its name, or configured as `direction: max | min | none`
 * (projects.<p>.metrics.<key>.direction). A metric with no better direction (a learning rate, a size,
 * an epoch) gets no better/worse verdict in comparisons and is never a default goal.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { compareRuns, type ComparedRun } from '../src/report/compare.ts';
import { metricsTableHtml } from '../src/report/compare-html.ts';
import { chooseGoal } from '../src/report/goal.ts';
import { guessDirection, isBetter, keepUnits, metricFormat } from '../src/report/metric.ts';
import { parseRunRecord } from '../src/run/validate.ts';
import { parseYaml } from '../src/run/yaml.ts';

const FIXTURE = new URL('./fixtures/compare-site/runs/mnist/2026-11/', import.meta.url).pathname;

function mnistRuns(metrics: Record<string, number>[]): ComparedRun[] {
  return ['01JC1AAAAA000000000000000A', '01JC1BBBBB000000000000000B', '01JC2CCCCC000000000000000C'].slice(0, metrics.length).map((id, i) => {
    const file = join(FIXTURE, id, 'run.yaml');
    const record = parseRunRecord(parseYaml(readFileSync(file, 'utf8'), file), file);
    return { record: { ...record, metrics: { ...record.metrics, ...metrics[i] } } };
  });
}

describe('guessDirection', () => {
  it.each([
    ['val/loss', 'min'],
    ['train/logloss', 'min'],
    ['test_error', 'min'],
    ['eval/perplexity', 'min'],
    ['val/mse', 'min'],
    ['mae', 'min'],
    ['val_rmse', 'min'],
    ['asr/wer', 'min'],
    ['cer', 'min'],
    ['p99_latency_ms', 'min'],
    ['val/acc', 'max'],
    ['accuracy', 'max'],
    ['valid/auc', 'max'],
    ['f1', 'max'],
    ['macro_f1', 'max'],
    ['precision', 'max'],
    ['recall', 'max'],
    ['map', 'max'],
    ['bleu', 'max'],
    ['rougeL', 'max'],
    ['r2', 'max'],
    ['train/tokens_per_s', 'max'],
    ['throughput', 'max'],
    ['train/lr', 'none'],
    ['learning_rate', 'none'],
    ['params', 'none'],
    ['param_count', 'none'],
    ['params_m', 'none'],
    ['epoch', 'none'],
    ['step', 'none'],
    ['time', 'none'],
    ['duration', 'none'],
    ['epoch_time', 'none'],
  ] as const)('%s is %s', (name, direction) => {
    expect(guessDirection(name)).toBe(direction);
  });

  it('does not mistake words that merely contain a short name (power is not wer, lower is not a loss)', () => {
    expect(guessDirection('power')).toBe('max');
    expect(guessDirection('mapping_quality')).toBe('max');
  });

  it('is decided by the last path segment', () => {
    expect(guessDirection('loss_curves/lr')).toBe('none');
    expect(guessDirection('lr_sweep/acc')).toBe('max');
  });
});

describe('configured direction', () => {
  const config = parseConfig({ projects: { mnist: { metrics: { 'val/acc': { direction: 'none' }, 'train/lr': { direction: 'max' } } } } });

  it('wins over the guess', () => {
    expect(metricFormat('val/acc', config.projects.mnist).direction).toBe('none');
    expect(metricFormat('train/lr', config.projects.mnist).direction).toBe('max');
    expect(metricFormat('train/lr').direction).toBe('none');
  });

  it('rejects a direction that is not max, min or none', () => {
    expect(() => parseConfig({ projects: { mnist: { metrics: { 'val/acc': { direction: 'up' } } } } })).toThrow(/direction/);
  });

  it('never calls one value better than another for none', () => {
    fc.assert(fc.property(fc.double(), fc.double(), (a, b) => !isBetter(a, b, 'none')));
  });
});

describe('comparisons of metrics with no better direction', () => {
  it('give no verdict, no best run and no "higher is better" to a learning rate or a size', () => {
    const runs = mnistRuns([
      { 'train/lr': 0.001, params_m: 11 },
      { 'train/lr': 0, params_m: 25 },
    ]);
    const comparison = compareRuns(runs, {});
    for (const key of ['train/lr', 'params_m']) {
      const row = comparison.metrics.find((metric) => metric.key === key)!;
      expect(row.cells.map((cell) => cell.improved)).toEqual([undefined, undefined]);
      expect(row.best).toBeUndefined();
    }
    const html = metricsTableHtml(comparison, { runHref: (id) => `/r/${id}/` });
    const lr = html.slice(html.indexOf('data-metric="train/lr"'));
    const row = lr.slice(0, lr.indexOf('</tr>'));
    expect(row).not.toMatch(/cmp-better|cmp-worse|is better| worse/);
    // The delta itself is still shown: only the judgement is left out.
    expect(row).toContain('-0.001');
  });

  it('follow the configured direction for any values', () => {
    const config = parseConfig({ projects: { mnist: { metrics: { 'val/acc': { direction: 'none' } } } } });
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 3 }), (values) => {
        const comparison = compareRuns(mnistRuns(values.map((value) => ({ 'val/acc': value }))), { config });
        const row = comparison.metrics.find((metric) => metric.key === 'val/acc')!;
        return row.best === undefined && row.cells.every((cell) => cell.improved === undefined);
      }),
    );
  });

  it('never become the default goal', () => {
    const [run] = mnistRuns([{ 'train/lr': 0.1 }]);
    const record = { ...run!.record, metrics: { 'train/lr': 0.1, params_m: 3, throughput: 100 } };
    expect(chooseGoal([record])?.goal).toEqual({ metric: 'throughput', direction: 'max' });
  });
});

describe('keepUnits', () => {
  it('ties each number to its unit, and leaves signs and parentheses free to wrap', () => {
    expect(keepUnits('96.7 %')).toBe('96.7\u00a0%');
    expect(keepUnits('+5.4 pt (+6.0 %)')).toBe('+5.4\u00a0pt (+6.0\u00a0%)');
    expect(keepUnits('2 min 5 s')).toBe('2\u00a0min 5\u00a0s');
    expect(keepUnits('12 3')).toBe('12 3');
  });
});
