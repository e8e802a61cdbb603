/**
 * Media for a few demo runs (docs/design.md#media), made with the same code a job uses
 * (logMedium into a run directory, then the commit path's readRunMedia), deterministic from the run
 * id: prediction grids per epoch, a predictions table with thumbnails and confusion matrices for
 * CIFAR; ROC and PR curves and a score histogram for churn; generations by step for the LLM. About
 * one finished run in ten gets media, a few MB in all for the 300 sample runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { readRunMedia } from '../../src/record/media-dir.ts';
import { jsonBytes, logMedium } from '../../src/record/media-log.ts';
import { confusionFrom, histogramOf, prCurve, rocCurve } from '../../src/run/curves.ts';
import type { PreparedRun } from '../../src/run/prepared.ts';
import { createRandom, type Random } from './random.ts';

const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
/** A colour per class, so the grid reads at a glance. */
const PALETTE: [number, number, number][] = [
  [96, 150, 220],
  [200, 60, 60],
  [230, 190, 60],
  [220, 130, 60],
  [150, 110, 70],
  [170, 120, 90],
  [80, 170, 80],
  [120, 80, 50],
  [60, 110, 170],
  [110, 110, 120],
];
const TILE = 24;

/** The media files of a run: media.json text and the display copies, or undefined for a run without. */
export async function demoMedia(run: PreparedRun, seed: string, share = 0.1): Promise<{ manifest: string; files: Record<string, Uint8Array> } | undefined> {
  const { record } = run;
  if (record.status !== 'finished') return undefined;
  const random = createRandom(`${seed}:media:${record.id}`);
  if (!random.chance(share)) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'runpages-demo-media-'));
  try {
    const created = Date.parse(record.created) / 1000;
    if (record.project === 'cifar-resnet') cifar(dir, record.metrics['val/acc'] ?? 0.8, created, random);
    else if (record.project === 'churn-tabular') churn(dir, record.metrics.auc ?? 0.8, created, random);
    else if (record.project === 'llm-finetune') llm(dir, created, random);
    const media = await readRunMedia(dir, (message) => process.stderr.write(`warning ${message}\n`));
    return media.manifest ? { manifest: media.manifestText, files: media.files } : undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function cifar(dir: string, accuracy: number, created: number, random: Random): void {
  const epochs = 5;
  let last: { truth: number[]; predicted: number[]; tiles: string[]; scores: number[] } | undefined;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const acc = accuracy * (0.45 + (0.55 * epoch) / epochs);
    const truth = Array.from({ length: 16 }, (_, i) => (i * 7 + 3) % 10);
    const predicted = truth.map((t) => (random.chance(acc) ? t : (t + 1 + Math.floor(random.next() * 9)) % 10));
    const tileSeeds = truth.map((_, i) => i * 31 + 5);
    const time = created + epoch * 600;
    logMedium(dir, 'val/predictions-grid', 'image', grid(truth, predicted, tileSeeds), {
      step: epoch,
      caption: `epoch ${epoch}: ${truth.filter((t, i) => t === predicted[i]).length}/16 right (green border: right, red: wrong)`,
      time,
    });
    // Confusion over a larger validation sample at three epochs.
    if (epoch % 2 === 1) {
      const yTrue = Array.from({ length: 500 }, (_, i) => CLASSES[i % 10] as string);
      const yPred = yTrue.map((label, i) => (random.chance(acc) ? label : (CLASSES[(i + 1 + Math.floor(random.next() * 9)) % 10] as string)));
      logMedium(dir, 'val/confusion', 'confusion_matrix', jsonBytes(confusionFrom(yTrue, yPred, CLASSES)), { step: epoch, time });
    }
    last = { truth, predicted, tiles: [], scores: truth.map(() => Math.round(random.uniform(0.35, 0.99) * 1000) / 1000) };
    if (epoch === epochs) {
      last.tiles = truth.map((t, i) => {
        const logged = logMedium(dir, 'val/predictions/images', 'image', png(TILE, TILE, tilePixels(t, tileSeeds[i] as number)), { step: epoch, time });
        return logged.ok ? logged.sha256 : '';
      });
    }
  }
  if (last) {
    const rows = last.truth.map((t, i) => [
      { image: last.tiles[i] as string },
      CLASSES[t] as string,
      CLASSES[last.predicted[i] as number] as string,
      last.scores[i] as number,
    ]);
    logMedium(dir, 'val/predictions', 'table', jsonBytes({ columns: ['image', 'label', 'prediction', 'score'], rows }), {
      step: epochs,
      time: created + epochs * 600,
    });
  }
}

function churn(dir: string, auc: number, created: number, random: Random): void {
  // Scores whose separation matches the run's AUC: positives shifted by d' = sqrt(2) * probit(auc).
  const shift = Math.SQRT2 * probit(auc);
  const yTrue = Array.from({ length: 600 }, (_, i) => (i % 5 === 0 ? 1 : 0));
  const yScore = yTrue.map((y) => Math.round(1000 / (1 + Math.exp(-(random.normal() + (y ? shift : 0) - 1.2)))) / 1000);
  const time = created + 300;
  logMedium(dir, 'holdout/roc', 'curve', jsonBytes(rocCurve(yTrue, yScore)), { time });
  logMedium(dir, 'holdout/pr', 'curve', jsonBytes(prCurve(yTrue, yScore)), { time });
  for (let step = 1; step <= 4; step++) {
    const spread = 0.4 + step * 0.15;
    const scores = yTrue.map((y) => 1 / (1 + Math.exp(-(random.normal() + (y ? shift * spread : 0) - 1.2))));
    logMedium(dir, 'holdout/score-distribution', 'histogram', jsonBytes(histogramOf(scores, 25)), { step: step * 250, time: time + step });
  }
}

const PROMPTS = [
  'Summarise the ticket: "Customer cannot reset password after the update."',
  'Write a polite reply declining the refund request.',
  'Explain the invoice line "prorated seat adjustment".',
];
const STYLES = [
  ['The the customer password password reset not.', 'Refund no. Sorry sorry.', 'Invoice line is a line on the invoice.'],
  [
    'The customer cannot reset their password since the update; the reset link fails.',
    'Thank you for reaching out. We cannot offer a refund for this period.',
    'It is a charge for seats added part-way through the billing period.',
  ],
  [
    "Since the latest update, the customer's password reset emails arrive but the link returns an error. Likely cause: the token format changed.",
    'Thank you for your message. Unfortunately this purchase is outside the refund window, but we have added a month of credit to your account.',
    'You added two seats on the 12th, so this line charges for them from that day to the end of your billing cycle, not for the full month.',
  ],
];

function llm(dir: string, created: number, random: Random): void {
  STYLES.forEach((answers, index) => {
    const step = (index + 1) * 500;
    const text = PROMPTS.map((prompt, i) => `### Prompt\n${prompt}\n\n### Answer\n${answers[i]}`).join('\n\n');
    logMedium(dir, 'eval/generations', 'text', new TextEncoder().encode(text), { step, time: created + step });
  });
  const lengths = Array.from({ length: 300 }, () => Math.round(40 + random.normal() * 12 + random.next() * 30));
  logMedium(dir, 'eval/answer-length', 'histogram', jsonBytes(histogramOf(lengths, 20)), { step: 1500, time: created + 1500 });
}

/** Inverse of the standard normal CDF (Acklam's approximation is more than enough here). */
function probit(p: number): number {
  const q = Math.min(0.999, Math.max(0.501, p));
  // Beasley-Springer-Moro style: for central p, a rational approximation.
  const t = Math.sqrt(-2 * Math.log(1 - q));
  return t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
}

/** A 4 x 4 grid of class tiles, each framed green (right) or red (wrong). */
function grid(truth: number[], predicted: number[], seeds: number[]): Uint8Array {
  const side = 4 * TILE + 5 * 2;
  const pixels = new Uint8Array(side * side * 3).fill(245);
  truth.forEach((t, i) => {
    const ox = 2 + (i % 4) * (TILE + 2);
    const oy = 2 + Math.floor(i / 4) * (TILE + 2);
    const tile = tilePixels(t, seeds[i] as number);
    const frame: [number, number, number] = t === predicted[i] ? [40, 170, 80] : [220, 50, 50];
    for (let y = 0; y < TILE; y++) {
      for (let x = 0; x < TILE; x++) {
        const edge = x < 2 || y < 2 || x >= TILE - 2 || y >= TILE - 2;
        const at = ((oy + y) * side + ox + x) * 3;
        const from = (y * TILE + x) * 3;
        pixels.set(edge ? frame : [tile[from] as number, tile[from + 1] as number, tile[from + 2] as number], at);
      }
    }
  });
  return png(side, side, pixels);
}

/** A small picture for a class: its colour as a soft blob on a pale ground, varied by seed. */
function tilePixels(label: number, seed: number): Uint8Array {
  const [r, g, b] = PALETTE[label] as [number, number, number];
  const out = new Uint8Array(TILE * TILE * 3);
  const cx = 9 + (seed % 7);
  const cy = 9 + ((seed * 3) % 7);
  for (let y = 0; y < TILE; y++) {
    for (let x = 0; x < TILE; x++) {
      const d = Math.hypot(x - cx, y - cy) / 9;
      const w = Math.max(0, 1 - d * d);
      const at = (y * TILE + x) * 3;
      out[at] = Math.round(235 * (1 - w) + r * w);
      out[at + 1] = Math.round(235 * (1 - w) + g * w);
      out[at + 2] = Math.round(225 * (1 - w) + b * w);
    }
  }
  return out;
}

/** An RGB PNG, deflated at the default level: the same pixels give the same bytes. */
function png(width: number, height: number, rgb: Uint8Array): Uint8Array {
  const raw = new Uint8Array(height * (1 + width * 3));
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (1 + width * 3) + 1);
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array()),
  ]);
}

let table: number[] | undefined;
function crc32(bytes: Uint8Array): number {
  table ??= Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let c = 0xffffffff;
  for (const byte of bytes) c = ((table[(c ^ byte) & 0xff] as number) ^ (c >>> 8)) >>> 0;
  return (c ^ 0xffffffff) >>> 0;
}
