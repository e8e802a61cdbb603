/**
 * `llm-finetune`: LoRA fine-tunes of small language models, then DPO runs that start from the best
 * fine-tunes (lineage through `parents`). Perplexity improves with model size and LoRA rank, suffers
 * from learning rates far from the optimum and from a third epoch on a small mix.
 */
import { artifact, clamp, round, saturate, schedule, type DraftContext, type RunDraft } from './draft.ts';

export const LLM_PROJECT = 'llm-finetune';

const BASES = {
  'llama-3.2-1b': { perplexity: 9.4, tokensPerS: 14_200, adapterPerRank: 1_130_000 },
  'qwen2.5-1.5b': { perplexity: 8.5, tokensPerS: 10_100, adapterPerRank: 1_420_000 },
  'mistral-7b': { perplexity: 6.1, tokensPerS: 3_150, adapterPerRank: 3_400_000 },
} as const;
type Base = keyof typeof BASES;

const MIXES = ['oasst2-70/code-30', 'oasst2-50/support-50', 'support-100', 'oasst2-40/code-20/support-40'] as const;

export function llmRun(ctx: DraftContext): RunDraft {
  const { random, phase } = ctx;
  let experiment = phase < 0.45 ? 'sft' : phase < 0.7 ? 'sft-mix' : random.chance(0.6) ? 'dpo' : 'sft-mix';
  const tags = [experiment === 'sft' ? 'sweep-1' : experiment === 'sft-mix' ? 'sweep-2' : 'dpo'];
  let base: Base = random.pick(Object.keys(BASES) as Base[]);
  let rank = random.pick([8, 16, 32, 64]);
  let lr = round(random.logUniform(2e-5, 2e-3), 3);
  let mix: string = experiment === 'sft' ? 'oasst2-70/code-30' : random.pick(MIXES);
  const epochs = random.pick([1, 2, 3]);
  const parents: string[] = [];
  let start: number | undefined;
  if (phase < 0.04) {
    tags.splice(0, 1, 'baseline');
    base = 'llama-3.2-1b';
    rank = 16;
    lr = 2e-4;
  }
  if (experiment === 'dpo') {
    const sft = ctx.earlier.filter((r) => r.status === 'finished' && r.experiment !== 'dpo');
    const parent = sft.length > 0 ? random.pick(sft.slice(-20)) : undefined;
    if (parent) {
      parents.push(parent.id);
      const p = parent.params as { base_model: Base; lora: { rank: number }; data: { mix: string } };
      base = p.base_model;
      rank = p.lora.rank;
      mix = p.data.mix;
      start = parent.metrics['eval/perplexity'];
      lr = round(random.logUniform(5e-7, 2e-5), 3);
    } else {
      experiment = 'sft-mix';
      tags.splice(0, 1, 'sweep-2');
    }
  }
  const spec = BASES[base];
  const params: Record<string, unknown> = {
    base_model: base,
    lora: { rank, alpha: rank * 2, dropout: 0.05, target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] },
    optimizer: { name: 'adamw', lr, betas: [0.9, 0.999], weight_decay: 0 },
    train: { epochs: experiment === 'dpo' ? 1 : epochs, max_seq_len: random.pick([2048, 4096]), batch_tokens: 262_144, precision: 'bf16' },
    data: { mix },
    ...(experiment === 'dpo' ? { dpo: { beta: random.pick([0.05, 0.1, 0.2]), reference: parents[0] } } : {}),
  };
  const optimum = experiment === 'dpo' ? 5e-6 : 2e-4;
  const excess = Math.log10(lr / optimum);
  const diverges = excess > 0.85;
  const gain = 0.2 + 0.025 * Math.log2(rank / 8) + (mix.includes('support') ? 0.02 : 0);
  let final = spec.perplexity * (1 - gain) * (1 + 0.08 * excess ** 2) + (epochs === 3 && experiment !== 'dpo' ? 0.25 : 0);
  if (start !== undefined) final = start * (0.96 + 0.03 * excess ** 2);
  final = Math.max(2.5, final * (1 + random.normal() * 0.01));
  const initial = start ?? spec.perplexity * 1.15;
  const totalTokens = (experiment === 'dpo' ? 1 : epochs) * random.uniform(180e6, 260e6);
  const tokensPerS = spec.tokensPerS * (1 - rank / 640) * random.uniform(0.95, 1.05);
  const steps = Math.round(totalTokens / 262_144);
  const blowUp = random.uniform(0.1, 0.4);
  const perplexity = (t: number, r: typeof random): number => {
    if (diverges && t > blowUp) return initial * Math.exp((t - blowUp) * 30);
    return final + (initial - final) * (1 - saturate(t, 4)) + r.normal() * 0.02;
  };
  const durationS = totalTokens / tokensPerS + 300;
  const dataset = (name: string, version: string) => ({ name, version, sha256: random.sha256(), uri: `hf://datasets/acme/${name}@${version}` });
  return {
    experiment,
    tags,
    user: random.weighted([
      ['bob', 5],
      ['dana', 3],
    ] as const),
    host: `gpu-h100-0${random.int(1, 2)}`,
    repo: 'acme/llm-tuning',
    branch: experiment === 'dpo' ? 'feat/dpo' : 'main',
    command: `accelerate launch finetune.py --base ${base} --lora-rank ${rank} --lr ${lr} --mix ${mix}${experiment === 'dpo' ? ` --dpo --ref ${parents[0]}` : ''}`,
    params,
    data: mix.split('/').map((part) => {
      const name = part.replace(/-\d+$/, '');
      return dataset(name, name === 'support' ? 'v4' : '2024-06');
    }),
    series: {
      'train/loss': {
        points: steps,
        steps,
        at: (t, r) => (diverges && t > blowUp ? 2.2 * Math.exp((t - blowUp) * 30) : Math.log(perplexity(t, r)) - 0.05 + r.normal() * 0.04),
      },
      'eval/perplexity': { points: Math.max(10, Math.round(steps / 50)), steps, at: perplexity },
      'train/tokens_per_s': {
        points: steps,
        steps,
        at: (_t, r) => tokensPerS * (r.chance(0.02) ? r.uniform(0.3, 0.7) : 1 + r.normal() * 0.02),
      },
      'train/lr': { points: steps, steps, at: (t) => schedule('cosine', lr, t) },
    },
    finalMetrics: {
      'eval/loss': round(Math.log(final), 4),
      'eval/win_rate': round(clamp(0.5 + (spec.perplexity - final) / 10 + random.normal() * 0.02, 0, 1), 3),
    },
    durationS,
    gpu: Array.from({ length: base === 'mistral-7b' ? 4 : 1 }, () => 'NVIDIA H100 80GB HBM3'),
    runtimes: { python: '3.11.9', torch: '2.5.1', cuda: '12.4', transformers: '4.46.3', peft: '0.13.2' },
    artifacts: [
      artifact(random, 'adapter/adapter_model.safetensors', spec.adapterPerRank * rank, 'application/octet-stream'),
      artifact(random, 'adapter/adapter_config.json', 700, 'application/json'),
      artifact(random, 'eval/samples.jsonl', random.uniform(200_000, 400_000), 'application/jsonl'),
    ],
    ...(random.chance(0.1) ? { notes: llmNotes(experiment, base, rank, final) } : {}),
    parents,
    ...(diverges
      ? {
          failure: {
            at: Math.min(1, blowUp + 0.1),
            exitCode: 1,
            nanMetric: 'train/loss',
            tail: `step ${Math.round((blowUp + 0.1) * steps)} loss=nan grad_norm=inf\nRuntimeError: loss became NaN at step ${Math.round((blowUp + 0.1) * steps)}; lower the learning rate (${lr})`,
          },
        }
      : {}),
    finishedTail: `eval perplexity ${round(final, 4)}\nsaved adapter to adapter/ (rank ${rank})`,
  };
}

function llmNotes(experiment: string, base: string, rank: number, final: number): string {
  if (experiment === 'dpo') {
    return `DPO on top of the parent SFT run. Preference pairs from the **support-v4** export.\n\nPerplexity ${final.toFixed(2)}; win rate judged against the parent on 500 prompts.\n`;
  }
  return `LoRA rank ${rank} on \`${base}\`.\n\n- ppl ${final.toFixed(2)}\n- try rank ${rank * 2} next if memory allows\n`;
}
