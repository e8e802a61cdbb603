/**
 * What a project model produces for one run before the generator turns it into a record: params,
 * curves as functions of training progress, and how the run may fail. Curve helpers live here so
 * the three project models speak the same language.
 */
import type { Artifact, Dataset } from '../../src/run/schema.ts';
import type { Random } from './random.ts';

/** A series at full resolution: `points` values logged up to `steps`, shaped by `at(t)` for t in [0, 1]. */
export interface SeriesDraft {
  points: number;
  steps: number;
  /** The value at training progress `t`, noise included. */
  at: (t: number, random: Random) => number;
}

/** A way the run fails part-way: at progress `at`, with the process's last output. */
export interface FailureDraft {
  at: number;
  tail: string;
  exitCode: number;
  /** A summary metric that ends up NaN (a diverged loss). */
  nanMetric?: string;
}

export interface RunDraft {
  experiment: string;
  tags: string[];
  user: string;
  host: string;
  /** Code repository name, e.g. `acme/vision`. */
  repo: string;
  branch: string;
  command: string;
  params: Record<string, unknown>;
  data: Dataset[];
  series: Record<string, SeriesDraft>;
  /** Summary scalars only a finished run reports (test-set figures). */
  finalMetrics: Record<string, number>;
  durationS: number;
  gpu: string[];
  runtimes: Record<string, string>;
  artifacts: Artifact[];
  notes?: string;
  parents: string[];
  failure?: FailureDraft;
  /** Last lines printed by a run that finished. */
  finishedTail: string;
}

/** A run seen earlier in the same project, for lineage (fine-tunes, distillation, resumes). */
export interface EarlierRun {
  id: string;
  experiment: string;
  status: string;
  params: Record<string, unknown>;
  metrics: Record<string, number>;
}

export interface DraftContext {
  random: Random;
  /** Position of the run in the demo period, 0 (first week) to 1 (the last day). */
  phase: number;
  earlier: readonly EarlierRun[];
}

/** Keeps `digits` significant digits, so files stay small and diffs readable. */
export function round(value: number, digits = 5): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(digits));
}

/** Rises from 0 to 1 with rate `k`, normalised so it reaches exactly 1 at t = 1. */
export function saturate(t: number, k: number): number {
  return (1 - Math.exp(-k * t)) / (1 - Math.exp(-k));
}

/** Learning rate at progress t: linear warmup over the first 5%, then the schedule. */
export function schedule(kind: string, lr: number, t: number): number {
  const warmup = 0.05;
  if (t < warmup) return (lr * t) / warmup;
  const u = (t - warmup) / (1 - warmup);
  if (kind === 'cosine') return lr * 0.5 * (1 + Math.cos(Math.PI * u));
  if (kind === 'step') return lr * 0.1 ** Math.min(2, Math.floor(u * 3));
  return lr;
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** A fake artifact: path, a stable-looking digest, a size and a MIME type. */
export function artifact(random: Random, path: string, size: number, type: string): Artifact {
  return { path, sha256: random.sha256(), size: Math.round(size), type };
}
