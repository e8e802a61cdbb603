/**
 * `churn-tabular`: gradient-boosted trees predicting customer churn. AUC rises with richer feature
 * versions, peaks around depth 6, underfits with too few trees times too small a learning rate and
 * overfits (validation logloss turning up) with deep trees and many rounds.
 */
import { artifact, clamp, round, saturate, type DraftContext, type RunDraft } from './draft.ts';

export const CHURN_PROJECT = 'churn-tabular';

const FEATURES: Record<string, number> = { f1: 0, f2: 0.014, f3: 0.027 };

export function churnRun(ctx: DraftContext): RunDraft {
  const { random, phase } = ctx;
  const baseline = phase < 0.08;
  const experiment = baseline ? 'baseline' : phase < 0.6 ? 'hpo' : 'features';
  const tags = baseline ? ['baseline'] : experiment === 'hpo' ? ['sweep-1'] : ['ablation'];
  const model = baseline ? 'xgboost' : random.pick(['xgboost', 'lightgbm']);
  const depth = baseline ? 6 : random.int(3, 12);
  const trees = baseline ? 500 : random.pick([100, 200, 500, 1000, 2000]);
  const lr = baseline ? 0.05 : round(random.logUniform(0.01, 0.3), 3);
  const features = baseline ? 'f1' : experiment === 'hpo' ? random.pick(['f1', 'f2']) : random.pick(['f2', 'f3', 'f3']);
  const params: Record<string, unknown> = {
    model,
    max_depth: depth,
    n_estimators: trees,
    learning_rate: lr,
    subsample: baseline ? 0.8 : round(random.uniform(0.6, 1), 2),
    colsample_bytree: baseline ? 0.8 : round(random.uniform(0.5, 1), 2),
    min_child_weight: random.int(1, 10),
    class_weight: random.pick(['balanced', 'none']),
    features: { version: features, count: { f1: 42, f2: 67, f3: 88 }[features] },
  };
  const work = trees * lr;
  const underfit = work < 15 ? 0.04 * (1 - work / 15) : 0;
  const overfit = depth > 8 && work > 60 ? 0.004 * (depth - 8) * Math.log10(work / 60 + 1) * 5 : 0;
  const auc = clamp(
    0.842 + (FEATURES[features] ?? 0) - 0.0016 * (depth - 6) ** 2 - underfit - overfit + (model === 'lightgbm' ? 0.002 : 0) + random.normal() * 0.002,
    0.6,
    0.95,
  );
  const bestLogloss = 0.2 + (0.9 - auc) * 1.6;
  const validAuc = (t: number, r: typeof random): number => 0.5 + (auc + overfit - 0.5) * saturate(t, 6) - overfit * t ** 2 + r.normal() * 0.001;
  const validLogloss = (t: number, r: typeof random): number =>
    0.69 - (0.69 - bestLogloss - overfit) * saturate(t, 6) + overfit * 3 * t ** 2 + r.normal() * 0.002;
  const trainLogloss = (t: number, r: typeof random): number =>
    Math.max(0.01, 0.69 - (0.69 - bestLogloss + 0.02 * depth) * saturate(t, 5) + r.normal() * 0.002);
  const f1 = clamp(0.35 + (auc - 0.75) * 2.6 + (params.class_weight === 'balanced' ? 0.02 : 0) + random.normal() * 0.005, 0, 1);
  const failure =
    features === 'f3' && phase < 0.62 && random.chance(0.5)
      ? {
          at: 0,
          exitCode: 1,
          tail: "Traceback (most recent call last):\n  File \"features.py\", line 88, in build\n    df['tenure_months'] = ...\nKeyError: 'tenure_months'",
        }
      : undefined;
  return {
    experiment,
    tags,
    user: random.weighted([
      ['dana', 4],
      ['chen', 3],
    ] as const),
    host: random.chance(0.85) ? `cpu-node-${random.int(1, 3)}` : 'dana-laptop',
    repo: 'acme/churn-model',
    branch: experiment === 'features' ? 'feat/features-v3' : 'main',
    command: `python -m churn.train --model ${model} --max-depth ${depth} --n-estimators ${trees} --lr ${lr} --features ${features}`,
    params,
    data: [
      {
        name: 'customers',
        version: `2026-10-${features === 'f3' ? '31' : '01'}`,
        sha256: random.sha256(),
        uri: 's3://acme-warehouse/exports/customers.parquet',
      },
    ],
    series: {
      'valid/auc': { points: trees, steps: trees, at: validAuc },
      'valid/logloss': { points: trees, steps: trees, at: validLogloss },
      'train/logloss': { points: trees, steps: trees, at: trainLogloss },
    },
    finalMetrics: {
      auc: round(auc, 4),
      f1: round(f1, 4),
      logloss: round(bestLogloss + overfit * 3, 4),
      precision: round(clamp(f1 + random.normal() * 0.03, 0, 1), 4),
      recall: round(clamp(f1 + random.normal() * 0.03, 0, 1), 4),
    },
    durationS: trees * depth * (model === 'lightgbm' ? 0.03 : 0.06) * random.uniform(0.8, 1.2) + 20,
    gpu: [],
    runtimes: { python: '3.12.7', ...(model === 'xgboost' ? { xgboost: '2.1.3' } : { lightgbm: '4.5.0' }), pandas: '2.2.3', 'scikit-learn': '1.5.2' },
    artifacts: [
      artifact(random, model === 'xgboost' ? 'model.json' : 'model.txt', trees * depth * 900, 'application/octet-stream'),
      artifact(random, 'predictions.csv', random.uniform(1.8e6, 2.1e6), 'text/csv'),
      artifact(random, 'plots/feature-importance.png', random.uniform(30_000, 45_000), 'image/png'),
      artifact(random, 'plots/roc.png', random.uniform(25_000, 35_000), 'image/png'),
    ],
    ...(random.chance(0.1) || (baseline && ctx.earlier.length === 0)
      ? {
          notes: `**${experiment}** run: ${model}, depth ${depth}, ${trees} trees.\n\nAUC ${auc.toFixed(3)} on the October holdout. Features \`${features}\`.\n`,
        }
      : {}),
    parents: [],
    ...(failure ? { failure } : {}),
    finishedTail: `[${trees}]\tvalid-auc:${round(auc, 5)}\tvalid-logloss:${round(bestLogloss, 5)}\nsaved ${model === 'xgboost' ? 'model.json' : 'model.txt'}`,
  };
}
