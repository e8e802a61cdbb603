/**
 * The demo data generator's core: a deterministic stream of realistic runs (same options, same
 * bytes), each a PreparedRun with its `run.yaml` and `series.json` text, validated with the shared
 * schema. Runs come out in creation order, so a caller can write or commit them one at a time
 * without holding 100k runs in memory.
 *
 * @example
 * for (const run of generateDemoRuns({ runs: 300, seed: 'demo', points: 200 })) write(runFolder(run.record), run.files);
 */
import { stringifyYaml } from '../../src/run/yaml.ts';
import type { PreparedRun } from '../../src/run/prepared.ts';
import { runFolder } from '../../src/run/prepared.ts';
import { RUN_SCHEMA, SERIES_SCHEMA, type RunStatus, type SeriesInfo } from '../../src/run/schema.ts';
import { parseRunRecord, parseSeriesFile } from '../../src/run/validate.ts';
import { churnRun, CHURN_PROJECT } from './churn.ts';
import { cifarRun, CIFAR_PROJECT } from './cifar.ts';
import { round, type DraftContext, type EarlierRun, type RunDraft } from './draft.ts';
import { commitAt, digestOf, friendlyName, ulid } from './identity.ts';
import { llmRun, LLM_PROJECT } from './llm.ts';
import { createRandom, type Random } from './random.ts';

/** The demo period ends here, so the demo is the same whenever it is generated. */
export const DEMO_END = '2026-11-20T18:00:00Z';
const DEMO_DAYS = 56;

/** Projects and their share of the runs. */
const PROJECTS: readonly (readonly [string, number, (ctx: DraftContext) => RunDraft])[] = [
  [CIFAR_PROJECT, 2, cifarRun],
  [LLM_PROJECT, 1, llmRun],
  [CHURN_PROJECT, 1, churnRun],
];
export const DEMO_PROJECTS: readonly string[] = PROJECTS.map(([name]) => name);

export interface DemoOptions {
  /** Total runs, spread over the projects (cifar half, the others a quarter each). */
  runs: number;
  seed: string | number;
  /** Points stored per series in series.json (at most 1,000). */
  points: number;
  /** Pad every run to at least this many params (leaf values), for benchmark shapes. */
  params?: number;
  /** Pad every run to at least this many summary metrics. */
  metrics?: number;
  /** Exactly this many series per run (trimmed or padded). */
  series?: number;
  /** End of the demo period (ISO time); runs still going at that time are `running`. */
  end?: string;
}

/** Earlier runs remembered per project for lineage; bounded so 100k runs stay cheap. */
const MEMORY = 300;

/** Generates the demo runs in creation order. */
export function* generateDemoRuns(options: DemoOptions): Generator<PreparedRun> {
  const random = createRandom(options.seed);
  const endMs = Date.parse(options.end ?? DEMO_END);
  const spanMs = DEMO_DAYS * 86_400_000;
  const startMs = endMs - spanMs;
  const earlier = new Map<string, EarlierRun[]>();
  const total = options.runs;
  for (let i = 0; i < total; i++) {
    const createdMs = Math.floor((startMs + (spanMs * 0.985 * (i + random.next())) / total) / 1000) * 1000;
    const [project, , model] = random.weighted(PROJECTS.map((entry) => [entry, entry[1]] as const));
    const history = earlier.get(project) ?? [];
    const draft = model({ random, phase: (createdMs - startMs) / spanMs, earlier: history });
    // The last few runs of a demo are still going, whatever their length.
    const forceRunning = total >= 10 && i >= total - 3;
    const run = assemble(draft, { random, project, createdMs, endMs, startMs, spanMs, forceRunning, options });
    history.push({ id: run.record.id, experiment: draft.experiment, status: run.record.status, params: run.record.params, metrics: run.record.metrics });
    if (history.length > MEMORY) history.shift();
    earlier.set(project, history);
    yield run;
  }
}

interface AssembleContext {
  random: Random;
  project: string;
  createdMs: number;
  endMs: number;
  startMs: number;
  spanMs: number;
  forceRunning: boolean;
  options: DemoOptions;
}

/** Decides how the run ended, samples its curves up to that point and writes its files. */
function assemble(draft: RunDraft, ctx: AssembleContext): PreparedRun {
  const { random, createdMs, endMs, options } = ctx;
  const id = ulid(createdMs, random);
  const name = friendlyName(random);
  const ending = decideEnding(draft, random, createdMs, endMs, ctx.forceRunning);
  const seriesFile: Record<string, { step: number[]; value: number[] }> = {};
  const seriesInfo: Record<string, SeriesInfo> = {};
  const metrics: Record<string, number> = {};
  for (const [seriesName, series] of shapeSeries(draft, options, random)) {
    const full = Math.max(series.points, options.points);
    const logged = Math.max(2, Math.round(full * ending.progress));
    const stored = Math.min(options.points, logged);
    const steps = Math.max(series.steps, full);
    const step: number[] = [];
    const value: number[] = [];
    for (let j = 0; j < stored; j++) {
      const t = (ending.progress * (j + 1)) / stored;
      step.push(Math.max(j, Math.round(t * steps)));
      value.push(round(series.at(t, random)));
    }
    seriesFile[seriesName] = { step, value };
    const last = value[value.length - 1] ?? 0;
    seriesInfo[seriesName] = {
      points: logged,
      stored,
      ...(stored < logged ? { sha256: random.sha256() } : {}),
      min: Math.min(...value),
      max: Math.max(...value),
      last,
    };
    metrics[seriesName] = last;
  }
  if (ending.status === 'finished') Object.assign(metrics, draft.finalMetrics);
  if (ending.status === 'failed' && draft.failure?.nanMetric) metrics[draft.failure.nanMetric] = Number.NaN;
  for (let k = Object.keys(metrics).length; k < (options.metrics ?? 0); k++) metrics[`extra/m${String(k).padStart(2, '0')}`] = round(random.next(), 4);

  const params = padParams(draft.params, options.params ?? 0, random);
  const phase = (createdMs - ctx.startMs) / ctx.spanMs;
  const dirty = random.chance(0.15);
  const laptop = draft.host.endsWith('laptop');
  const record = {
    schema: RUN_SCHEMA,
    id,
    name,
    project: ctx.project,
    experiment: draft.experiment,
    status: ending.status,
    user: draft.user,
    host: draft.host,
    created: iso(createdMs),
    ...(ending.status === 'running' ? {} : { ended: iso(createdMs + ending.durationS * 1000), duration_s: Math.round(ending.durationS) }),
    command: draft.command,
    ...(ending.exitCode === undefined ? {} : { exit_code: ending.exitCode }),
    output_tail: ending.tail,
    git: {
      commit: commitAt(draft.repo, phase),
      branch: draft.branch,
      remote: `https://github.com/${draft.repo}.git`,
      dirty,
      ...(dirty ? { diff: random.sha256() } : {}),
    },
    env: {
      os: laptop ? 'macOS-15.1-arm64-arm-64bit' : 'Linux-6.8.0-49-generic-x86_64-with-glibc2.39',
      arch: laptop ? 'arm64' : 'x86_64',
      cpu: laptop ? 'Apple M3 Pro' : 'AMD EPYC 7763 64-Core Processor',
      cpus: laptop ? 12 : 32,
      memory_gb: laptop ? 36 : 256,
      ...(draft.gpu.length > 0 ? { gpu: draft.gpu } : {}),
      runtimes: draft.runtimes,
      // The lock changes every couple of weeks, like a real dependency bump.
      lock: { file: 'uv.lock', sha256: digestOf(`${draft.repo}.lock#${Math.floor(phase * 4)}`) },
      vars:
        draft.gpu.length > 0 ? { CUDA_VISIBLE_DEVICES: draft.gpu.map((_, k) => k).join(','), SLURM_JOB_ID: String(480_000 + Math.floor(phase * 20_000)) } : {},
    },
    data: draft.data,
    params,
    metrics,
    series: seriesInfo,
    tags: draft.tags,
    ...(draft.notes === undefined ? {} : { notes: draft.notes }),
    artifacts:
      ending.status === 'finished' ? draft.artifacts : draft.artifacts.filter((a) => a.path.startsWith('checkpoints/')).slice(0, ending.progress > 0.3 ? 1 : 0),
    parents: draft.parents,
  };
  const folder = runFolder(record);
  const runYaml = stringifyYaml(record);
  const series = { schema: SERIES_SCHEMA, series: seriesFile };
  return {
    record: parseRunRecord(record, `${folder}/run.yaml`),
    files: { 'run.yaml': runYaml, 'series.json': `${JSON.stringify(parseSeriesFile(series, `${folder}/series.json`))}\n` },
    objects: [],
  };
}

interface Ending {
  status: RunStatus;
  /** Fraction of training done. */
  progress: number;
  durationS: number;
  exitCode?: number;
  tail: string;
}

function decideEnding(draft: RunDraft, random: Random, createdMs: number, endMs: number, forceRunning: boolean): Ending {
  const untilEnd = (endMs - createdMs) / 1000;
  if (forceRunning || untilEnd < draft.durationS) {
    const progress = forceRunning ? random.uniform(0.2, 0.8) : Math.max(0.02, untilEnd / draft.durationS);
    return { status: 'running', progress, durationS: progress * draft.durationS, tail: 'training...' };
  }
  if (draft.failure) {
    const progress = Math.max(0.01, draft.failure.at);
    return { status: 'failed', progress, durationS: progress * draft.durationS + 15, exitCode: draft.failure.exitCode, tail: draft.failure.tail };
  }
  if (random.chance(0.025)) {
    const progress = random.uniform(0.15, 0.85);
    const slurm = random.chance(0.5);
    return {
      status: 'killed',
      progress,
      durationS: progress * draft.durationS,
      exitCode: slurm ? 137 : 130,
      tail: slurm
        ? `slurmstepd: error: *** JOB ${random.int(480_000, 499_999)} ON ${draft.host} CANCELLED AT ${iso(createdMs + progress * draft.durationS * 1000).slice(0, 19)} ***`
        : 'received SIGINT, saving checkpoint and exiting\nKeyboardInterrupt',
    };
  }
  return { status: 'finished', progress: 1, durationS: draft.durationS, exitCode: 0, tail: draft.finishedTail };
}

/** The draft's series, trimmed or padded to `options.series` for benchmark shapes. */
function shapeSeries(draft: RunDraft, options: DemoOptions, random: Random): [string, RunDraft['series'][string]][] {
  const entries = Object.entries(draft.series);
  if (options.series === undefined) return entries;
  const shaped = entries.slice(0, options.series);
  for (let k = shaped.length; k < options.series; k++) {
    const level = random.uniform(0.5, 2);
    shaped.push([`extra/s${String(k).padStart(2, '0')}`, { points: 1000, steps: 1000, at: (t, r) => level * (1 - 0.5 * t) + r.normal() * 0.02 }]);
  }
  return shaped;
}

function countLeaves(value: unknown): number {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 1;
  return Object.values(value).reduce<number>((sum, child) => sum + countLeaves(child), 0);
}

/** Adds `extra.pNN` params until there are `target` leaves. */
function padParams(params: Record<string, unknown>, target: number, random: Random): Record<string, unknown> {
  const missing = target - countLeaves(params);
  if (missing <= 0) return params;
  const extra: Record<string, unknown> = {};
  for (let k = 0; k < missing; k++) {
    const key = `p${String(k).padStart(2, '0')}`;
    extra[key] = k % 3 === 0 ? random.pick(['a', 'b', 'c', 'd']) : k % 3 === 1 ? random.int(1, 512) : round(random.logUniform(1e-5, 1), 3);
  }
  return { ...params, extra };
}

function iso(ms: number): string {
  return new Date(Math.round(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
