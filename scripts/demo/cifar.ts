/**
 * `cifar-resnet`: an image classifier sweep on CIFAR-10. The final accuracy and the curves follow
 * the params: learning rate far above the optimum diverges (fails with a NaN loss) or plateaus,
 * bigger models fit better but run slower, stronger augmentation and cleaner data help, ViT needs
 * strong augmentation.
 */
import { artifact, clamp, round, saturate, schedule, type DraftContext, type RunDraft } from './draft.ts';

export const CIFAR_PROJECT = 'cifar-resnet';

const ARCHS = {
  resnet18: { capacity: 0.924, cost: 1, bytes: 44_780_000 },
  resnet34: { capacity: 0.929, cost: 1.9, bytes: 85_270_000 },
  resnet50: { capacity: 0.934, cost: 2.7, bytes: 94_380_000 },
  'vit-s': { capacity: 0.932, cost: 3.2, bytes: 86_690_000 },
} as const;
type Arch = keyof typeof ARCHS;

const AUGMENT_BONUS: Record<string, number> = { none: -0.035, basic: 0, randaugment: 0.008, autoaugment: 0.01 };
const DATASETS: Record<string, { bonus: number; sha256: string }> = {
  v1: { bonus: -0.008, sha256: '3f5c0f4e1c7a2b9d8e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d' },
  v2: { bonus: 0, sha256: 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90' },
  v3: { bonus: 0.006, sha256: '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d' },
};

/**
 * How far the learning rate is above the optimum for its optimizer and batch size, in decades
 * (log10). Above 0.6 a run plateaus; above 1.1 it diverges. Exported so tests can check that
 * curves follow params.
 */
export function lrExcess(params: Record<string, unknown>): number {
  const optimizer = params.optimizer as { name: string; lr: number };
  const train = params.train as { batch_size: number };
  const scale = train.batch_size / 128;
  const optimum = optimizer.name === 'sgd' ? 0.1 * scale : 1e-3 * Math.sqrt(scale);
  return Math.log10(optimizer.lr / optimum);
}

/** Chooses the experiment from the phase of the demo period: a baseline, then three sweeps, then ablations. */
function experimentFor(ctx: DraftContext): { experiment: string; tags: string[] } {
  const { phase, random } = ctx;
  if (phase < 0.06) return { experiment: 'baseline', tags: ['baseline'] };
  if (phase < 0.35) return { experiment: 'lr-sweep', tags: ['sweep-1'] };
  if (phase < 0.6) return { experiment: 'arch-aug', tags: ['sweep-2'] };
  if (phase < 0.8) return { experiment: 'data-v3', tags: ['sweep-3'] };
  return random.chance(0.4) ? { experiment: 'distill', tags: ['distill'] } : { experiment: 'ablation', tags: ['ablation'] };
}

export function cifarRun(ctx: DraftContext): RunDraft {
  const { random } = ctx;
  const { experiment, tags } = experimentFor(ctx);
  let arch: Arch = 'resnet18';
  let optimizerName = 'sgd';
  let batchSize = 128;
  let augment = 'basic';
  let dataVersion = 'v1';
  let epochs = 30;
  let sched = 'step';
  let mixup = false;
  let labelSmoothing = 0;
  let lr = 0.1;
  const parents: string[] = [];
  const pickNearOptimum = (): number => {
    const optimum = optimizerName === 'sgd' ? 0.1 * (batchSize / 128) : 1e-3 * Math.sqrt(batchSize / 128);
    return round(optimum * 10 ** random.uniform(-0.4, 0.35), 3);
  };
  if (experiment === 'baseline') {
    lr = 0.1;
  } else if (experiment === 'lr-sweep') {
    arch = random.pick(['resnet18', 'resnet34'] as const);
    optimizerName = random.pick(['sgd', 'adamw']);
    batchSize = random.pick([64, 128, 256]);
    sched = random.pick(['step', 'cosine']);
    lr = round(optimizerName === 'sgd' ? random.logUniform(0.003, 6) : random.logUniform(3e-5, 0.06), 3);
  } else if (experiment === 'arch-aug') {
    arch = random.pick(Object.keys(ARCHS) as Arch[]);
    optimizerName = arch === 'vit-s' ? 'adamw' : random.pick(['sgd', 'sgd', 'adamw']);
    batchSize = random.pick([128, 256, 512]);
    augment = random.pick(['none', 'basic', 'randaugment', 'autoaugment']);
    mixup = random.chance(0.4);
    dataVersion = 'v2';
    epochs = random.pick([60, 100]);
    sched = 'cosine';
    lr = random.chance(0.1) ? round(pickNearOptimum() * 20, 3) : pickNearOptimum();
  } else {
    arch = random.pick(['resnet34', 'resnet50', 'resnet50', 'vit-s'] as const);
    optimizerName = arch === 'vit-s' ? 'adamw' : 'sgd';
    batchSize = random.pick([256, 512]);
    augment = random.pick(['randaugment', 'autoaugment']);
    mixup = true;
    labelSmoothing = 0.1;
    dataVersion = experiment === 'data-v3' ? random.pick(['v2', 'v3']) : 'v3';
    epochs = 100;
    sched = 'cosine';
    lr = pickNearOptimum();
    if (experiment === 'ablation') {
      const removed = random.pick(['mixup', 'label_smoothing', 'augment']);
      if (removed === 'mixup') mixup = false;
      if (removed === 'label_smoothing') labelSmoothing = 0;
      if (removed === 'augment') augment = 'basic';
      tags.push(`no-${removed.replace('_', '-')}`);
    }
    if (experiment === 'distill') {
      // A small student learns from the best earlier large model: lineage through `parents`.
      const teachers = ctx.earlier.filter((r) => r.status === 'finished' && (r.params.model as { arch: string }).arch === 'resnet50');
      const teacher = teachers.reduce<(typeof teachers)[number] | undefined>(
        (best, r) => (best === undefined || (r.metrics['val/acc'] ?? 0) > (best.metrics['val/acc'] ?? 0) ? r : best),
        undefined,
      );
      arch = 'resnet18';
      optimizerName = 'sgd';
      lr = pickNearOptimum();
      if (teacher) parents.push(teacher.id);
    }
  }

  const params: Record<string, unknown> = {
    model: { arch, pretrained: false, dropout: arch === 'vit-s' ? 0.1 : 0 },
    optimizer: { name: optimizerName, lr, weight_decay: optimizerName === 'sgd' ? 5e-4 : 0.05, ...(optimizerName === 'sgd' ? { momentum: 0.9 } : {}) },
    train: { batch_size: batchSize, epochs, schedule: sched, label_smoothing: labelSmoothing, mixup, amp: true },
    augment: { policy: augment, random_crop: augment !== 'none', horizontal_flip: augment !== 'none' },
    data: { dataset: 'cifar10', version: dataVersion },
    seed: random.int(0, 9999),
    ...(parents.length > 0 ? { distill: { teacher: parents[0], temperature: 4, alpha: 0.7 } } : {}),
  };

  const excess = lrExcess(params);
  const spec = ARCHS[arch];
  const strongAug = augment === 'randaugment' || augment === 'autoaugment';
  let final =
    spec.capacity +
    (AUGMENT_BONUS[augment] ?? 0) * (arch === 'vit-s' && !strongAug ? 2 : 1) +
    (DATASETS[dataVersion]?.bonus ?? 0) +
    (mixup ? 0.004 : 0) +
    labelSmoothing * 0.02 +
    (epochs >= 100 ? 0.006 : epochs >= 60 ? 0.003 : 0) +
    (parents.length > 0 ? 0.008 : 0) -
    (arch === 'vit-s' && !strongAug ? 0.03 : 0) -
    (excess < 0 ? 0.05 * excess ** 2 : 0.03 * excess ** 2) +
    random.normal() * 0.003;
  const plateau = excess > 0.6 && excess <= 1.1;
  if (plateau) final = 0.1 + (final - 0.1) * random.uniform(0.45, 0.8);
  final = clamp(final, 0.1, 0.975);
  // Too-low learning rates converge slowly; good ones quickly.
  const speed = excess < -0.5 ? 2 : excess < -0.2 ? 3.5 : 5;
  const overfit = augment === 'none' ? 0.35 : 0;
  const lossFloor = strongAug || mixup ? 0.18 : 0.02;
  const stepsPerEpoch = Math.ceil(50_000 / batchSize);
  const steps = epochs * stepsPerEpoch;
  const durationS = epochs * 50_000 * spec.cost * 0.00042 * (batchSize >= 256 ? 0.85 : 1) * random.uniform(0.9, 1.15) + 120;

  const diverges = excess > 1.1;
  const blowUp = random.uniform(0.03, 0.15);
  const trainLoss = (t: number, r: typeof random): number => {
    if (diverges && t > blowUp) return 2.4 * Math.exp((t - blowUp) * 60);
    const base = lossFloor + (2.3 - lossFloor) * Math.exp(-speed * 1.2 * t) + (1 - final) * 0.6;
    return Math.max(0.001, base * (1 + r.normal() * 0.06));
  };
  const valAcc = (t: number, r: typeof random): number => {
    if (diverges) return clamp(0.1 + r.normal() * 0.005, 0.08, 0.2);
    return clamp(0.1 + (final - 0.1) * saturate(t, speed) + r.normal() * 0.004 * (1.2 - t), 0.05, 0.99);
  };
  const valLoss = (t: number, r: typeof random): number => {
    if (diverges && t > blowUp) return 2.3 + (t - blowUp) * 40;
    const fit = 2.3 * (1 - saturate(t, speed)) ** 1.5 + (1 - final) * 2.2 + overfit * Math.max(0, t - 0.5) ** 2;
    return Math.max(0.01, fit * (1 + r.normal() * 0.03));
  };
  const evalPoints = epochs * 2;

  const failure = diverges
    ? {
        at: Math.min(1, blowUp + 0.12),
        exitCode: 1,
        nanMetric: 'train/loss',
        tail: [
          `epoch ${Math.max(1, Math.round((blowUp + 0.1) * epochs))}/${epochs} step ${Math.round((blowUp + 0.1) * steps)} train/loss=inf lr=${lr}`,
          'Traceback (most recent call last):',
          '  File "train.py", line 214, in <module>',
          '    main(cfg)',
          '  File "train.py", line 188, in train_one_epoch',
          '    raise FloatingPointError(f"Loss is {loss.item()}, stopping training")',
          'FloatingPointError: Loss is nan, stopping training',
        ].join('\n'),
      }
    : arch !== 'resnet18' && batchSize >= 512 && random.chance(0.25)
      ? {
          at: random.uniform(0, 0.02),
          exitCode: 1,
          tail: [
            'Traceback (most recent call last):',
            '  File "train.py", line 171, in train_one_epoch',
            '    outputs = model(images)',
            `torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 39.39 GiB of which 1.21 GiB is free.`,
          ].join('\n'),
        }
      : undefined;

  const user = random.weighted([
    ['alice', 5],
    ['chen', 3],
    ['bob', 1],
  ] as const);
  const gpuName = random.chance(0.7) ? 'NVIDIA A100-SXM4-40GB' : 'NVIDIA H100 80GB HBM3';
  const hostPrefix = gpuName.includes('A100') ? 'gpu-a100' : 'gpu-h100';
  const finalValAcc = final;
  return {
    experiment,
    tags,
    user,
    host: `${hostPrefix}-${String(random.int(1, 6)).padStart(2, '0')}`,
    repo: 'acme/vision',
    branch: experiment === 'distill' ? 'feat/distillation' : experiment === 'arch-aug' && arch === 'vit-s' ? 'feat/vit' : 'main',
    command: `python train.py --arch ${arch} --opt ${optimizerName} --lr ${lr} --batch-size ${batchSize} --epochs ${epochs} --aug ${augment} --data cifar10:${dataVersion}${mixup ? ' --mixup' : ''}`,
    params,
    data: [{ name: 'cifar10', version: dataVersion, sha256: DATASETS[dataVersion]?.sha256, uri: `s3://acme-datasets/cifar10/${dataVersion}/` }],
    series: {
      'train/loss': { points: steps, steps, at: trainLoss },
      'val/loss': { points: evalPoints, steps, at: valLoss },
      'val/acc': { points: evalPoints, steps, at: valAcc },
      'train/lr': { points: steps, steps, at: (t) => schedule(sched, lr, t) },
    },
    finalMetrics: {
      'test/acc': round(clamp(finalValAcc - 0.004 + random.normal() * 0.002, 0, 1), 4),
      'throughput/img_per_s': round((2600 / spec.cost) * random.uniform(0.95, 1.05), 4),
      params_m: { resnet18: 11.2, resnet34: 21.3, resnet50: 23.5, 'vit-s': 21.7 }[arch],
    },
    durationS,
    gpu: [gpuName],
    runtimes: { python: '3.11.9', torch: random.pick(['2.4.1', '2.5.1']), cuda: '12.4', torchvision: '0.20.1' },
    artifacts: [
      artifact(random, 'checkpoints/model.pt', spec.bytes * random.uniform(0.999, 1.001), 'application/octet-stream'),
      artifact(random, 'plots/confusion-matrix.png', random.uniform(38_000, 52_000), 'image/png'),
      artifact(random, 'predictions.csv', 10_000 * random.uniform(31, 34), 'text/csv'),
    ],
    ...(random.chance(0.12) || (experiment === 'baseline' && ctx.earlier.length === 0) ? { notes: cifarNotes(experiment, arch, augment, final) } : {}),
    parents,
    ...(failure ? { failure } : {}),
    finishedTail: [
      `epoch ${epochs}/${epochs} train/loss=${round(trainLoss(1, random), 4)} val/acc=${round(final, 4)}`,
      `test/acc=${round(final - 0.004, 4)}`,
      'saved checkpoints/model.pt',
    ].join('\n'),
  };
}

function cifarNotes(experiment: string, arch: string, augment: string, final: number): string {
  const pct = (final * 100).toFixed(1);
  if (experiment === 'baseline') {
    return `## Baseline\n\nPlain **${arch}** with the standard crop + flip augmentation, SGD and a step schedule.\nReaches ${pct} % val accuracy; every later sweep is compared against this run.\n\nReproduce with \`make baseline\`.\n`;
  }
  if (experiment === 'distill') {
    return `Distilled from the best resnet50 teacher (see *parents*). Temperature 4, alpha 0.7.\n\n- student: ${arch}\n- val accuracy: ${pct} %\n\nCheaper to serve than the teacher: see [the serving doc](https://github.com/acme/vision/blob/main/docs/serving.md).\n`;
  }
  return `Notes on ${experiment}: ${arch} with \`${augment}\` augmentation ended at ${pct} %.\n\n> Check whether the gap to the baseline holds on another seed before drawing conclusions.\n`;
}
