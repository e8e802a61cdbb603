/**
 * The `runpages.config.yaml` that goes with the demo runs: a goal per project (with the first
 * baseline run as the baseline), default columns and metric formats.
 */
import type { z } from 'zod';
import type { ConfigSchema } from '../../src/config.ts';
import { CHURN_PROJECT } from './churn.ts';
import { CIFAR_PROJECT } from './cifar.ts';
import { LLM_PROJECT } from './llm.ts';

/** Config data (before defaults) for the demo; `baselines` maps a project to its baseline run id. */
export function demoConfig(baselines: Record<string, string>): z.input<typeof ConfigSchema> {
  const baseline = (project: string) => (baselines[project] === undefined ? {} : { baseline: baselines[project] });
  return {
    title: 'Acme ML experiments',
    projects: {
      [CIFAR_PROJECT]: {
        title: 'CIFAR-10 image classifier',
        description: 'Which architecture, augmentation and data version give the best CIFAR-10 accuracy for the on-device model.',
        goal: { metric: 'val/acc', direction: 'max', target: 0.95, ...baseline(CIFAR_PROJECT) },
        columns: [
          'name',
          'status',
          'metrics.val/acc',
          'user',
          'created',
          'params.model.arch',
          'params.optimizer.lr',
          'params.train.batch_size',
          'params.augment.policy',
          'params.data.version',
          'metrics.val/loss',
          'duration',
        ],
        views: [
          { name: 'Best finished', filter: "status = 'finished'", sort: ['-metrics.val/acc'] },
          { name: 'By architecture', group: 'params.model.arch', sort: ['-metrics.val/acc'] },
          { name: 'Failures', filter: "status IN ('failed', 'crashed', 'killed')" },
        ],
        metrics: {
          'val/acc': { label: 'Validation accuracy', format: 'percent', digits: 1 },
          'test/acc': { label: 'Test accuracy', format: 'percent', digits: 1 },
          'val/loss': { label: 'Validation loss', digits: 3 },
          'train/loss': { label: 'Training loss', digits: 3 },
          'throughput/img_per_s': { label: 'Throughput', unit: 'img/s', format: 'integer' },
        },
      },
      [LLM_PROJECT]: {
        title: 'Support assistant fine-tune',
        description: 'LoRA fine-tunes and DPO of small open models on the support-chat mix; lower perplexity is better.',
        goal: { metric: 'eval/perplexity', direction: 'min', target: 4.5, ...baseline(LLM_PROJECT) },
        columns: [
          'name',
          'status',
          'metrics.eval/perplexity',
          'user',
          'created',
          'experiment',
          'params.base_model',
          'params.lora.rank',
          'params.optimizer.lr',
          'params.data.mix',
          'metrics.train/tokens_per_s',
          'duration',
        ],
        metrics: {
          'eval/perplexity': { label: 'Eval perplexity', digits: 2 },
          'eval/win_rate': { label: 'Win rate', format: 'percent', digits: 1 },
          'train/tokens_per_s': { label: 'Throughput', unit: 'tokens/s', format: 'integer' },
        },
      },
      [CHURN_PROJECT]: {
        title: 'Customer churn model',
        description: 'Gradient-boosted trees predicting 90-day churn; ranked by AUC on the October holdout.',
        goal: { metric: 'auc', direction: 'max', target: 0.875, ...baseline(CHURN_PROJECT) },
        columns: [
          'name',
          'status',
          'metrics.auc',
          'user',
          'created',
          'params.model',
          'params.max_depth',
          'params.n_estimators',
          'params.learning_rate',
          'params.features.version',
          'metrics.f1',
          'metrics.logloss',
        ],
        metrics: {
          auc: { label: 'AUC', digits: 3 },
          f1: { label: 'F1', digits: 3 },
          logloss: { label: 'Log loss', digits: 3 },
          precision: { format: 'percent', digits: 1 },
          recall: { format: 'percent', digits: 1 },
        },
      },
    },
  };
}
